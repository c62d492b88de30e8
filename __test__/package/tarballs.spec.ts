// What `npm run package` writes to pkg/: the root tarball carries the compiled package, the
// loader and its types, README, LICENSE and CHANGELOG and nothing from the source tree; the
// platform tarball carries the binary with os/cpu/libc/main; versions all come from the root
// package.json; the linux-gnu binary loads on glibc 2.28; `npm publish --dry-run` accepts both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GLIBC_FLOOR, compareVersions, glibcVersions, highestGlibc } from '../../scripts/package/glibc.mjs';
import { ensurePackaged, packSkipReason, repoRoot, run, userEnv, type Packaged } from '../support/packaged';

const skipReason = packSkipReason();
if (skipReason) console.warn(`package tarball spec skipped: ${skipReason}`);

const listTarball = (file: string): string[] =>
  execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''))
    .sort();

const readFromTarball = (file: string, member: string): string =>
  execFileSync('tar', ['-xzOf', file, `package/${member}`], { encoding: 'utf8', maxBuffer: 64 << 20 });

const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const platformDirs = readdirSync(join(repoRoot, 'npm')).sort();

describe('the committed manifests', () => {
  it('keep the version in the root package.json only', () => {
    for (const dir of platformDirs) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, 'npm', dir, 'package.json'), 'utf8'));
      expect(manifest.version, `npm/${dir}/package.json`).toBeUndefined();
      expect(manifest.name).toBe(`wedpool-${dir}`);
      expect(manifest.main).toBe(`wedpool.${dir}.node`);
      expect(manifest.os).toHaveLength(1);
      expect(manifest.cpu).toHaveLength(1);
      expect(Boolean(manifest.libc)).toBe(dir.startsWith('linux-'));
    }
    expect(rootManifest.optionalDependencies).toBeUndefined();
  });

  it('have one npm/<platform> package per napi target', () => {
    expect(platformDirs).toHaveLength(rootManifest.napi.targets.length);
  });
});

describe('the glibc check', () => {
  it('orders versions numerically and catches a binary above the floor', () => {
    const sample = 'Version needs section\n  Name: GLIBC_2.9\n  Name: GLIBC_2.14\n  Name: GLIBC_2.34\n  Name: GLIBC_2.3.4\n';
    expect(glibcVersions(sample)).toEqual(['2.3.4', '2.9', '2.14', '2.34']);
    expect(compareVersions('2.34', GLIBC_FLOOR)).toBe(1);
    expect(compareVersions('2.17', GLIBC_FLOOR)).toBe(-1);
  });
});

describe.skipIf(skipReason !== null)('the tarballs in pkg/', () => {
  let packaged: Packaged;
  let scratch: string;

  beforeAll(() => {
    packaged = ensurePackaged();
    scratch = mkdtempSync(join(tmpdir(), 'wedpool-tarballs-'));
  }, 30 * 60_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('root: the compiled package, loader, types and docs, nothing from the source tree', () => {
    const files = listTarball(packaged.rootTarball);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'native/binding.js', 'native/binding.d.ts']) {
      expect(files).toContain(f);
    }
    const unexpected = files.filter(
      (f) =>
        !/^dist\/.+\.(js|mjs|d\.ts|d\.mts)$/.test(f) &&
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'native/binding.js', 'native/binding.d.ts'].includes(f),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => f.endsWith('.node') || f.endsWith('.map'))).toEqual([]);
  });

  it('root: every file the exports map names is in the tarball', () => {
    const files = listTarball(packaged.rootTarball);
    const published = JSON.parse(readFromTarball(packaged.rootTarball, 'package.json'));
    const leaves = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Object.values(value as object).flatMap(leaves);
    const targets = leaves(published.exports);
    expect(Object.keys(published.exports)).toEqual(['.', './pg', './package.json']);
    expect(targets.length).toBe(9);
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(files).toContain(published.main);
    expect(files).toContain(published.types);
  });

  it('root: versions and optionalDependencies come from the root package.json', () => {
    const published = JSON.parse(readFromTarball(packaged.rootTarball, 'package.json'));
    expect(published.version).toBe(rootManifest.version);
    expect(published.optionalDependencies).toEqual(Object.fromEntries(platformDirs.map((d) => [`wedpool-${d}`, rootManifest.version])));
    expect(published.scripts).toBeUndefined();
    expect(published.devDependencies).toBeUndefined();
    expect(published.sideEffects).toBe(false);
    expect(published.engines.node).toBe(rootManifest.engines.node);
  });

  it('platform: the binary with os, cpu, libc and main at the root version', () => {
    expect(listTarball(packaged.platformTarball)).toEqual(['LICENSE', 'README.md', `wedpool.${packaged.platform}.node`, 'package.json'].sort());
    const published = JSON.parse(readFromTarball(packaged.platformTarball, 'package.json'));
    expect(published).toMatchObject({
      name: packaged.platformPackage,
      version: rootManifest.version,
      os: ['linux'],
      cpu: [process.arch],
      main: `wedpool.${packaged.platform}.node`,
      license: rootManifest.license,
    });
    expect(published.libc).toEqual([packaged.platform.endsWith('-gnu') ? 'glibc' : 'musl']);
  });

  it(`platform: the linux-gnu binary needs glibc ${GLIBC_FLOOR} or older`, () => {
    execFileSync('tar', ['-xzf', packaged.platformTarball, '-C', scratch]);
    const glibc = highestGlibc(join(scratch, 'package', `wedpool.${packaged.platform}.node`));
    console.log(`package tarball spec: the packaged binary needs GLIBC_${glibc}`);
    expect(glibc).not.toBeNull();
    expect(compareVersions(glibc!, GLIBC_FLOOR)).toBeLessThanOrEqual(0);
  });

  it('npm publish --dry-run accepts both tarballs', async () => {
    // Offline, against a registry nobody listens on: a dry run must not need one.
    const env = userEnv({ npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false' });
    for (const tarball of [packaged.rootTarball, packaged.platformTarball]) {
      const res = await run('npm', ['publish', '--dry-run', '--offline', tarball], { cwd: scratch, env });
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
      expect(res.stdout).toMatch(/^\+ wedpool/m);
    }
  }, 120_000);
});
