// Whether pkg/ is stale: a digest of every file the tarballs are made from (Rust and TypeScript
// sources, manifests, lockfiles, the packaging scripts, README/LICENSE/CHANGELOG) plus the
// target and the Rust compiler version, stored beside the tarballs after a successful run.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { pkgDir, repoRoot } from './manifest.mjs';

const INPUTS = [
  'ts',
  'src',
  'crates',
  'npm',
  'scripts/package',
  'build.rs',
  'Cargo.toml',
  'Cargo.lock',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];
const SKIP_DIRS = new Set(['target', 'node_modules', '.git']);
const stampFile = join(pkgDir, '.inputs-digest');

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue;
    yield* files(join(path, entry.name));
  }
}

function rustcVersion() {
  try {
    return execFileSync('rustc', ['-V'], { encoding: 'utf8' }).trim();
  } catch {
    return 'no rustc';
  }
}

/** The digest of everything `npm run package` reads, for the given options. */
export function inputsDigest(options) {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(options));
  hash.update(rustcVersion());
  for (const input of INPUTS) {
    for (const file of files(join(repoRoot, input))) {
      hash.update(relative(repoRoot, file));
      hash.update('\0');
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex');
}

/** The digest of the last successful run, or null when pkg/ has none or lost its tarballs. */
export function readStamp() {
  if (!existsSync(stampFile)) return null;
  const { digest, tarballs } = JSON.parse(readFileSync(stampFile, 'utf8'));
  return tarballs.every((t) => existsSync(join(pkgDir, t))) ? digest : null;
}

/** Records a successful run. */
export function writeStamp(digest) {
  const tarballs = readdirSync(pkgDir).filter((f) => f.endsWith('.tgz'));
  writeFileSync(stampFile, `${JSON.stringify({ digest, tarballs }, null, 2)}\n`);
}
