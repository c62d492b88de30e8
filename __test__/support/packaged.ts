// The npm tarballs in pkg/ as the package specs use them: made (or found fresh) by
// `npm run package -- --if-stale` under a lock, so parallel spec files never pack at once, and
// an environment for child processes that looks like a machine without Rust.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const pkgDir = join(repoRoot, 'pkg');
const lockDir = join(repoRoot, '.tmp', 'package.lock');

/**
 * Set (to 1) where the tarballs come from elsewhere, e.g. the release workflow's build jobs:
 * the specs then install pkg/ as it is instead of running `npm run package`.
 */
const usePrebuilt = process.env.WEDPOOL_USE_PKG === '1';

/** This platform as the platform packages name it (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`). */
export function hostPlatform(): string {
  if (process.platform === 'linux') {
    const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
    return `linux-${process.arch}-${header.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  return process.platform === 'win32' ? `win32-${process.arch}-msvc` : `${process.platform}-${process.arch}`;
}

/** Why the tarballs cannot be made here, or null when they can. */
export function packSkipReason(): string | null {
  if (usePrebuilt) return null;
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    return `npm run package builds the linux-gnu binary with napi-rs's cross toolchain, which runs only on Linux x64/arm64 (this is ${process.platform}-${process.arch})`;
  }
  if (spawnSync('npm', ['--version'], { stdio: 'ignore' }).status !== 0) return 'npm is not on PATH, so npm pack cannot run';
  return null;
}

/** The tarballs of one `npm run package` run. */
export interface Packaged {
  version: string;
  rootTarball: string;
  platformTarball: string;
  /** e.g. `linux-x64-gnu`. */
  platform: string;
  /** e.g. `wedpool-linux-x64-gnu`. */
  platformPackage: string;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock<T>(fn: () => T): T {
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // A lock older than the longest cold build belongs to a run that died.
      if (existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 30 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`packaged: ${lockDir} stayed locked for 30 minutes`);
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Makes the tarballs unless pkg/ is fresh, and describes them. */
export function ensurePackaged(): Packaged {
  if (!usePrebuilt) withLock(() => {
    const res = spawnSync(process.execPath, [join(repoRoot, 'scripts/package/pack.mjs'), '--if-stale'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    if (res.status !== 0) throw new Error(`npm run package failed:\n${res.stdout}\n${res.stderr}`);
  });
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
  const platform = hostPlatform();
  const platformPackage = `wedpool-${platform}`;
  const packaged = {
    version,
    rootTarball: join(pkgDir, `wedpool-${version}.tgz`),
    platformTarball: join(pkgDir, `${platformPackage}-${version}.tgz`),
    platform,
    platformPackage,
  };
  for (const tarball of [packaged.rootTarball, packaged.platformTarball]) {
    if (!existsSync(tarball)) throw new Error(`packaged: ${tarball} is missing`);
  }
  return packaged;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PATH without every directory that holds `cargo` or `rustc`. */
export function rustFreePath(path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir && !['cargo', 'rustc', 'cargo.exe', 'rustc.exe'].some((tool) => isExecutable(join(dir, tool))))
    .join(delimiter);
}

/**
 * The environment of a user's shell on a machine without Rust: no cargo/rustc on PATH, no
 * rustup/cargo homes, and none of the `npm_*` settings `npm test` passes to its children.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // PATH is `Path` on Windows: drop every spelling, the one set below wins.
    if (/^(npm_|NPM_|CARGO|RUSTUP|RUSTC|NAPI_RS)/.test(key) || key.toUpperCase() === 'PATH') continue;
    env[key] = value;
  }
  return { ...env, PATH: rustFreePath(), ...extra };
}

/** The outcome of a child process. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  millis: number;
}

/** Runs a command to completion, collecting its output. */
export function run(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // npm is npm.cmd on Windows, which only a shell runs.
    const shell = process.platform === 'win32';
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], shell });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, millis: Date.now() - started });
    });
  });
}
