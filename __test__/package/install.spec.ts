// `npm install wedpool` as a user does it: the pkg/ tarballs (made by `npm run package` when
// stale) go into an empty project, offline, with an empty npm cache and a PATH without cargo or
// rustc. The platform package arrives only through the root's optionalDependencies (the project
// maps its name to the local tarball with `overrides`, as the registry would serve it). Then
// `wedpool` and `wedpool/pg` are loaded with `require` and `import` and run queries against the
// test database; loading fails with a clear error when the platform package is missing; and a
// TypeScript consumer type-checks under `moduleResolution` node16 and bundler.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensurePackaged, packSkipReason, run, userEnv, type Packaged } from '../support/packaged';
import { writeConsumerProject, typeCheckConsumer } from './consumer';

const skipReason = packSkipReason();
/** Per test: a child node or tsc on a busy 2-core machine can take far longer than vitest's default. */
const SLOW = 300_000;
if (skipReason) console.warn(`package install spec skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('installing the packed tarballs without Rust', () => {
  let packaged: Packaged;
  let project: string;
  let env: NodeJS.ProcessEnv;

  const node = (file: string) => run(process.execPath, [file], { cwd: project, env });

  beforeAll(async () => {
    packaged = ensurePackaged();
    project = mkdtempSync(join(tmpdir(), 'wedpool-install-'));
    // No registry is reachable from here: anything not in the tarballs fails instead of downloading.
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) throw new Error('DATABASE_URL is not set (run through npm test or the vitest global setup)');
    env = userEnv({ DATABASE_URL: databaseUrl, npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false' });
    writeConsumerProject(project, packaged);
    const install = await run(
      'npm',
      ['install', '--offline', '--cache', join(project, '.npm-cache'), '--no-audit', '--no-fund'],
      { cwd: project, env },
    );
    expect(install.code, `npm install failed:\n${install.stdout}\n${install.stderr}`).toBe(0);
    console.log(`package install spec: npm install of the two tarballs took ${install.millis} ms`);
  }, 30 * 60_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('runs with no cargo or rustc on the PATH', async () => {
    const probe = await run('sh', ['-c', 'command -v cargo || command -v rustc'], { cwd: project, env });
    expect(probe.stdout.trim()).toBe('');
    expect(probe.code).not.toBe(0);
  });

  it('installs the platform package through the root optionalDependencies only', () => {
    const own = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(Object.keys(own.dependencies)).toEqual(['wedpool']);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', packaged.platformPackage, 'package.json'), 'utf8'));
    expect(installed.version).toBe(packaged.version);
    const root = JSON.parse(readFileSync(join(project, 'node_modules', 'wedpool', 'package.json'), 'utf8'));
    expect(root.optionalDependencies[packaged.platformPackage]).toBe(packaged.version);
    expect(root.scripts).toBeUndefined();
  });

  it('require("wedpool") and require("wedpool/pg") run queries with the binary from the platform package', async () => {
    const res = await node('query.cjs');
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.rows).toEqual([{ n: 42 }]);
    expect(out.pgRows).toEqual([{ greeting: 'hello' }]);
    expect(out.pgCommand).toBe('SELECT');
    expect(out.binary).toContain(join('node_modules', packaged.platformPackage, `wedpool.${packaged.platform}.node`));
  }, SLOW);

  it('import from "wedpool" and "wedpool/pg" runs queries and shares classes with require', async () => {
    const res = await node('query.mjs');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      rows: [{ n: 7 }],
      pgRows: [[3]],
      pgSameAsRequire: true,
      sameClassAsRequire: true,
      defaultIsModule: true,
      errorIsTyped: true,
    });
  }, SLOW);

  it('without its platform package, loading fails naming the platform and the fix', async () => {
    const installed = join(project, 'node_modules', packaged.platformPackage);
    const aside = `${installed}.aside`;
    renameSync(installed, aside);
    try {
      const res = await node('query.cjs');
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain('NativeBindingError');
      expect(res.stderr).toContain(`prebuilt binary for ${packaged.platform}`);
      expect(res.stderr).toContain(`npm install ${packaged.platformPackage}@${packaged.version}`);
    } finally {
      renameSync(aside, installed);
    }
  }, SLOW);

  it.each(['node16', 'bundler'] as const)('type-checks a TypeScript consumer with moduleResolution %s', async (resolution) => {
    const res = await typeCheckConsumer(project, resolution, env);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
  }, SLOW);

  it('the consumer type-check fails on a wrong use of the API (the check is real)', async () => {
    writeFileSync(join(project, 'ts', 'wrong.mts'), "import { WeddingAwareConnectionPool } from 'wedpool';\nnew WeddingAwareConnectionPool({ connectionString: 42 });\n");
    try {
      const res = await typeCheckConsumer(project, 'node16', env);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toContain('wrong.mts');
    } finally {
      rmSync(join(project, 'ts', 'wrong.mts'));
    }
  }, SLOW);
});
