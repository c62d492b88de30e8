#!/usr/bin/env node
// Measures what a user waits for: installing the pkg/ tarballs into an empty project (offline,
// empty npm cache, no Rust on PATH) and the first query (load the package, open a connection,
// run `select 1`). Prints the binary and tarball sizes too. Run `npm run package` first.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node scripts/package/first-query.mjs
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { pkgDir, rootManifest } from './manifest.mjs';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('first-query: set DATABASE_URL');
  process.exit(1);
}
const { version } = rootManifest();
const tarballs = readdirSync(pkgDir).filter((f) => f.endsWith('.tgz'));
const root = `wedpool-${version}.tgz`;
const platform = tarballs.find((f) => f !== root && f.endsWith(`-${version}.tgz`));
if (!tarballs.includes(root) || !platform) {
  console.error('first-query: pkg/ has no tarballs for this version; run `npm run package`');
  process.exit(1);
}

const hasTool = (dir) =>
  ['cargo', 'rustc'].some((t) => {
    try {
      accessSync(join(dir, t), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|CARGO|RUSTUP)/.test(k)));
env.PATH = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !hasTool(d)).join(delimiter);

const project = mkdtempSync(join(tmpdir(), 'wedpool-first-query-'));
const manifest = {
  name: 'first-query',
  private: true,
  dependencies: { wedpool: `file:${join(pkgDir, root)}` },
  overrides: { [platform.replace(`-${version}.tgz`, '')]: `file:${join(pkgDir, platform)}` },
};
writeFileSync(join(project, 'package.json'), JSON.stringify(manifest));
writeFileSync(
  join(project, 'first.cjs'),
  `const { WeddingAwareConnectionPool } = require('wedpool');
const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
pool.query('select 1 as one').then((r) => pool.end().then(() => console.log(JSON.stringify(r.rows))));`,
);

function timed(cmd, args) {
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return { ms, out: res.stdout.trim() };
}

try {
  const install = timed('npm', ['install', '--offline', '--cache', join(project, '.npm-cache'), '--no-audit', '--no-fund']);
  const first = timed(process.execPath, ['first.cjs']);
  const platformDir = join(project, 'node_modules', Object.keys(manifest.overrides)[0]);
  const binary = readdirSync(platformDir).find((f) => f.endsWith('.node'));
  const binarySize = statSync(join(platformDir, binary)).size;
  const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  console.log(`binary ${binary}: ${mb(binarySize)}`);
  for (const t of [root, platform]) console.log(`tarball ${t}: ${mb(statSync(join(pkgDir, t)).size)}`);
  console.log(`npm install (offline, empty cache, no Rust): ${Math.round(install.ms)} ms`);
  console.log(`first query (node start, load, connect, select 1 → ${first.out}): ${Math.round(first.ms)} ms`);
  console.log(`install to first query: ${Math.round(install.ms + first.ms)} ms`);
} finally {
  rmSync(project, { recursive: true, force: true });
}
