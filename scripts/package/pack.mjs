#!/usr/bin/env node
// `npm run package`: writes the npm tarballs to pkg/ — the platform package with the release
// binary for one target (default: this machine's) and, unless --platform-only, the root package
// (compiled dist, ESM entries, the generated loader and its types, README, LICENSE, CHANGELOG).
// Versions come from the root package.json. Linux glibc binaries are linked against an old
// sysroot (`napi build --use-napi-cross`) and checked against GLIBC_FLOOR.
//
//   node scripts/package/pack.mjs [--target <rust triple>] [--platform-only] [--if-stale]
//
// --if-stale skips the work when pkg/ was made from the same inputs (see inputs.mjs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { provisionCrossToolchain } from './cross-toolchain.mjs';
import { writeEsmEntries } from './esm-entries.mjs';
import { GLIBC_FLOOR, compareVersions, highestGlibc } from './glibc.mjs';
import { inputsDigest, readStamp, writeStamp } from './inputs.mjs';
import {
  pkgDir,
  platformPackages,
  publishedPlatformManifest,
  publishedRootManifest,
  repoRoot,
  rootManifest,
} from './manifest.mjs';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string' },
    'platform-only': { type: 'boolean', default: false },
    'if-stale': { type: 'boolean', default: false },
  },
});

const stageDir = join(repoRoot, '.tmp', 'package');
const bin = (name) => join(repoRoot, 'node_modules', '.bin', name);

function run(cmd, cmdArgs, options = {}) {
  // npm and node_modules/.bin entries are .cmd scripts on Windows: they need a shell there.
  const res = spawnSync(cmd, cmdArgs, { cwd: repoRoot, stdio: 'inherit', shell: process.platform === 'win32', ...options });
  if (res.status !== 0) {
    throw new Error(`package: \`${cmd} ${cmdArgs.join(' ')}\` failed (${res.error?.message ?? `exit ${res.status}`})`);
  }
}

/** This machine's Rust target triple for the targets WedPool publishes. */
function hostTarget() {
  const { platform, arch } = process;
  const cpu = { x64: 'x86_64', arm64: 'aarch64' }[arch];
  if (!cpu) throw new Error(`package: no published target for ${platform}-${arch}; pass --target`);
  if (platform === 'linux') {
    const report = process.report.getReport();
    return `${cpu}-unknown-linux-${report.header.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  if (platform === 'darwin') return `${cpu}-apple-darwin`;
  if (platform === 'win32') return `${cpu}-pc-windows-msvc`;
  throw new Error(`package: no published target for ${platform}-${arch}; pass --target`);
}

/**
 * How to build `target`: linux-gnu links against napi-rs's glibc 2.17 sysroot; linux-musl
 * cross-compiles with zig (cargo-zigbuild); macOS and Windows build natively on their runners.
 */
function crossFlags(target) {
  if (target.endsWith('-linux-gnu')) return ['--use-napi-cross'];
  if (target.endsWith('-linux-musl')) return ['--cross-compile'];
  return [];
}

function buildBinary(target) {
  if (crossFlags(target).includes('--use-napi-cross')) provisionCrossToolchain(target);
  const out = join(stageDir, 'build', target);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  run(bin('napi'), [
    'build',
    '--platform',
    '--release',
    '--target',
    target,
    ...crossFlags(target),
    // Its own target dir: the cross build's linker and C compiler differ from the development
    // build's, and sharing one dir would make each rebuild what the other just built.
    '--target-dir',
    join(repoRoot, 'target', 'package'),
    '--output-dir',
    out,
    '--js',
    'binding.js',
    '--dts',
    'binding.d.ts',
  ]);
  return out;
}

function packInto(dir, extraArgs = []) {
  run('npm', ['pack', '--silent', '--pack-destination', pkgDir, ...extraArgs], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

function stagePlatform(buildDir, target) {
  const binaryFiles = readdirSync(buildDir).filter((f) => f.endsWith('.node'));
  const platform = platformPackages().find((p) => binaryFiles.includes(p.binary));
  if (!platform) throw new Error(`package: no npm/<platform> package takes ${binaryFiles.join(', ') || 'any binary'} (${target})`);
  const binary = join(buildDir, platform.binary);
  if (target.endsWith('-linux-gnu')) {
    const glibc = highestGlibc(binary);
    if (glibc && compareVersions(glibc, GLIBC_FLOOR) > 0) {
      throw new Error(`package: ${platform.binary} needs GLIBC_${glibc}, above the floor ${GLIBC_FLOOR}`);
    }
    console.log(`package: ${platform.binary} needs glibc ${glibc ?? '(none)'} (floor ${GLIBC_FLOOR})`);
  }
  const dir = join(stageDir, platform.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(publishedPlatformManifest(platform), null, 2)}\n`);
  copyFileSync(join(platform.path, 'README.md'), join(dir, 'README.md'));
  copyFileSync(join(repoRoot, 'LICENSE'), join(dir, 'LICENSE'));
  copyFileSync(binary, join(dir, platform.binary));
  return dir;
}

function stageRoot(buildDir) {
  const dir = join(stageDir, 'wedpool');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'native'), { recursive: true });
  // ts/native.ts takes its types from native/binding.d.ts: use the ones this build generated
  // (a checkout installed with --ignore-scripts has none; a stale development build may differ).
  for (const f of ['binding.js', 'binding.d.ts']) copyFileSync(join(buildDir, f), join(repoRoot, 'native', f));
  // A clean compile: no stale files from old builds in dist, no source maps pointing at ts/.
  run(bin('tsc'), ['-p', 'tsconfig.json', '--outDir', join(dir, 'dist'), '--sourceMap', 'false']);
  writeEsmEntries(join(dir, 'dist'));
  for (const f of ['binding.js', 'binding.d.ts']) copyFileSync(join(buildDir, f), join(dir, 'native', f));
  for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md']) copyFileSync(join(repoRoot, f), join(dir, f));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(publishedRootManifest(), null, 2)}\n`);
  return dir;
}

function main() {
  const target = args.target ?? hostTarget();
  const digest = inputsDigest({ target, platformOnly: args['platform-only'] });
  if (args['if-stale'] && readStamp() === digest) {
    console.log(`package: pkg/ is up to date for ${target}`);
    return;
  }
  mkdirSync(pkgDir, { recursive: true });
  const version = rootManifest().version;
  for (const f of readdirSync(pkgDir)) if (f.endsWith('.tgz')) rmSync(join(pkgDir, f));
  const buildDir = buildBinary(target);
  packInto(stagePlatform(buildDir, target));
  if (!args['platform-only']) packInto(stageRoot(buildDir), ['--ignore-scripts']);
  writeStamp(digest);
  const made = readdirSync(pkgDir).filter((f) => f.endsWith('.tgz'));
  console.log(`package: wedpool ${version} → ${made.map((f) => `pkg/${f}`).join(', ')}`);
  if (!existsSync(join(pkgDir, `wedpool-${version}.tgz`)) && !args['platform-only']) {
    throw new Error('package: the root tarball was not written');
  }
}

try {
  main();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
