// The gcc + glibc 2.17 sysroot that `napi build --use-napi-cross` links with. napi unpacks it
// into ~/.napi-rs/cross-toolchain/<version of @napi-rs/cross-toolchain>/<target> unless a
// package.json is already there, and asks for the target package at exactly that version. The
// target packages are not published at matching versions (x86_64 has 1.0.0, aarch64 1.0.3), and
// napi's own unpacker needs an @napi-rs/lzma that does not load on Node 20. So this module puts
// the right toolchain where napi looks: `npm pack` from the registry (or npm's cache), then tar.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from './manifest.mjs';

/** The newest published toolchain package for each (host arch, target). */
const TOOLCHAINS = {
  x64: {
    'x86_64-unknown-linux-gnu': '@napi-rs/cross-toolchain-x64-target-x86_64@1.0.0',
    'aarch64-unknown-linux-gnu': '@napi-rs/cross-toolchain-x64-target-aarch64@1.0.3',
  },
};

/** The version napi reads from its @napi-rs/cross-toolchain, which names the directory. */
function napiToolchainVersion() {
  const fromCli = createRequire(join(repoRoot, 'node_modules', '@napi-rs', 'cli', 'package.json'));
  return JSON.parse(readFileSync(fromCli.resolve('@napi-rs/cross-toolchain/package.json'), 'utf8')).version;
}

/** Makes sure napi finds the toolchain for `target`; returns where it is. */
export function provisionCrossToolchain(target) {
  const dest = join(homedir(), '.napi-rs', 'cross-toolchain', napiToolchainVersion(), target);
  if (existsSync(join(dest, 'package.json'))) return dest;
  const spec = TOOLCHAINS[process.arch]?.[target];
  if (!spec) throw new Error(`package: no napi-rs cross toolchain for ${target} on a ${process.arch} host`);
  const scratch = mkdtempSync(join(tmpdir(), 'wedpool-toolchain-'));
  try {
    const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', scratch]);
    const archive = readdirSync(join(scratch, 'package')).find((f) => f.endsWith('.tar.xz'));
    if (!archive) throw new Error(`package: ${spec} has no .tar.xz toolchain`);
    // Unpack beside the destination and rename: napi never sees half a toolchain.
    const unpacked = `${dest}.partial-${process.pid}`;
    rmSync(unpacked, { recursive: true, force: true });
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xJf', join(scratch, 'package', archive), '-C', unpacked]);
    if (!existsSync(join(unpacked, 'package.json'))) throw new Error(`package: ${spec} unpacked without package.json`);
    // Another run (another checkout's npm test) may have finished first: keep its copy, which
    // its build may be using, and drop ours.
    if (!existsSync(join(dest, 'package.json'))) {
      try {
        rmSync(dest, { recursive: true, force: true }); // an empty or partial directory
        renameSync(unpacked, dest);
      } catch (err) {
        if (!existsSync(join(dest, 'package.json'))) throw err;
      }
    }
    return dest;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(`${dest}.partial-${process.pid}`, { recursive: true, force: true });
  }
}
