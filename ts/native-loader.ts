/**
 * Loads the native addon through the loader napi-rs generates (`native/binding.js`). That loader
 * takes, in order: `NAPI_RS_NATIVE_LIBRARY_PATH`, a local `native/wedpool.<platform>.node` (a
 * build from source) and the installed platform package `wedpool-<platform>` (the prebuilt
 * binary npm installs as an optional dependency). When none of them loads, this module throws a
 * {@link NativeBindingError} that names the platform and the fix.
 */
import { WedPoolError } from './errors';

/** What the loader needs to know about the running process. */
export interface HostDescription {
  /** `process.platform`. */
  platform: string;
  /** `process.arch`. */
  arch: string;
  /** Whether the C library is musl (Alpine) rather than glibc; only meaningful on Linux. */
  musl: boolean;
  /** `process.version`. */
  nodeVersion: string;
}

/** What the root package.json says about the published binaries. */
export interface PackageDescription {
  /** The root package version. */
  version: string;
  /** `optionalDependencies`: the platform packages; absent in a source checkout. */
  optionalDependencies?: Record<string, string>;
}

/** No native binary fits this platform or none could be loaded. */
export class NativeBindingError extends WedPoolError {
  /** The platform as the packages name it, e.g. `linux-x64-gnu`. */
  readonly platform: string;
  /** The package that carries this platform's binary, e.g. `wedpool-linux-x64-gnu`. */
  readonly packageName: string;
  constructor(message: string, platform: string, packageName: string, cause: unknown) {
    super(message, 'NATIVE_BINDING_MISSING', { cause });
    this.platform = platform;
    this.packageName = packageName;
  }
}

/** The running process, as {@link HostDescription}. */
export function currentHost(): HostDescription {
  let musl = false;
  if (process.platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    musl = !report?.header?.glibcVersionRuntime;
  }
  return { platform: process.platform, arch: process.arch, musl, nodeVersion: process.version };
}

/** The napi-rs platform name, e.g. `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`. */
export function platformName(host: HostDescription): string {
  if (host.platform === 'linux') return `linux-${host.arch}-${host.musl ? 'musl' : 'gnu'}`;
  if (host.platform === 'win32') return `win32-${host.arch}-msvc`;
  return `${host.platform}-${host.arch}`;
}

const SOURCE_BUILD =
  'build it from source: install Rust 1.88+ (https://rustup.rs) and a C linker, then ' +
  '`npm install git+https://github.com/wedpool/wedpool.git` (npm runs its `prepare` script, ' +
  'which builds the addon); see "Install" in the README';

function causeSummary(cause: unknown): string {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = cause;
  while (current instanceof Error && !seen.has(current) && lines.length < 8) {
    seen.add(current);
    const firstLine = current.message.split('\n')[0];
    // The generic wrapper and the WebAssembly fallback (not published) add nothing here.
    if (!firstLine.startsWith('Cannot find native binding') && !/wasi|wasm/i.test(firstLine)) {
      lines.unshift(`  - ${firstLine}`);
    }
    current = current.cause;
  }
  return lines.length > 0 ? `\nWhat the loader tried:\n${lines.join('\n')}` : '';
}

/** The message for a failed load: which platform, what was expected, and how to fix it. */
export function missingBindingMessage(host: HostDescription, pkg: PackageDescription, cause?: unknown): string {
  const platform = platformName(host);
  const packageName = `wedpool-${platform}`;
  const where = `${platform} (Node.js ${host.nodeVersion})`;
  const published = pkg.optionalDependencies;
  let message: string;
  if (!published) {
    message =
      `WedPool's native addon is not built for ${where} in this source checkout. ` +
      'Run `npm run build` (needs Rust 1.88+, https://rustup.rs).';
  } else if (packageName in published) {
    message =
      `WedPool could not load its prebuilt binary for ${where}: the package ${packageName}@${pkg.version} ` +
      'is missing or did not load. npm installs it as an optional dependency of wedpool; it is skipped ' +
      'with --omit=optional / --no-optional, and a lockfile written on another platform can leave it out ' +
      '(npm/cli#4828). Fix: remove node_modules and package-lock.json and run `npm install` again, or ' +
      `add it explicitly: \`npm install ${packageName}@${pkg.version}\`.`;
  } else {
    const supported = Object.keys(published)
      .map((name) => name.replace(/^wedpool-/, ''))
      .join(', ');
    message =
      `WedPool has no prebuilt binary for ${where}; prebuilt binaries exist for ${supported}. ` +
      `To use WedPool here, ${SOURCE_BUILD}.`;
  }
  return message + causeSummary(cause);
}

/** Loads the generated binding, or throws a {@link NativeBindingError}. */
export function loadNativeBinding<T>(load: () => T, pkg: PackageDescription, host: HostDescription = currentHost()): T {
  try {
    return load();
  } catch (cause) {
    const platform = platformName(host);
    throw new NativeBindingError(missingBindingMessage(host, pkg, cause), platform, `wedpool-${platform}`, cause);
  }
}
