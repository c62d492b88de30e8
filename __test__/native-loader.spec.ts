// When no native binary loads, the error names the platform, the package that should carry it
// and the fix: reinstall optional dependencies, build from source on unsupported platforms, or
// build the checkout.
import { describe, expect, it } from 'vitest';

import { NativeBindingError, loadNativeBinding, missingBindingMessage, platformName } from '../dist/native-loader.js';
import { WedPoolError } from '../dist/index.js';

const published = {
  version: '1.2.3',
  optionalDependencies: { 'wedpool-linux-x64-gnu': '1.2.3', 'wedpool-darwin-arm64': '1.2.3' },
};
const linuxGnu = { platform: 'linux', arch: 'x64', musl: false, nodeVersion: 'v20.17.0' };

describe('native binding loader', () => {
  it('names platforms the way the platform packages do', () => {
    expect(platformName(linuxGnu)).toBe('linux-x64-gnu');
    expect(platformName({ ...linuxGnu, arch: 'arm64', musl: true })).toBe('linux-arm64-musl');
    expect(platformName({ ...linuxGnu, platform: 'darwin', arch: 'arm64' })).toBe('darwin-arm64');
    expect(platformName({ ...linuxGnu, platform: 'win32' })).toBe('win32-x64-msvc');
  });

  it('a published platform whose package is missing: reinstall or add the package', () => {
    const message = missingBindingMessage(linuxGnu, published);
    expect(message).toContain('linux-x64-gnu (Node.js v20.17.0)');
    expect(message).toContain('npm install wedpool-linux-x64-gnu@1.2.3');
    expect(message).toContain('--omit=optional');
  });

  it('an unsupported platform: lists the supported ones and how to build from source', () => {
    const message = missingBindingMessage({ ...linuxGnu, platform: 'freebsd' }, published);
    expect(message).toContain('no prebuilt binary for freebsd-x64');
    expect(message).toContain('linux-x64-gnu, darwin-arm64');
    expect(message).toContain('Rust');
    expect(message).toContain('npm install git+');
  });

  it('a source checkout without a build: run npm run build', () => {
    expect(missingBindingMessage(linuxGnu, { version: '1.2.3' })).toContain('`npm run build`');
  });

  it('throws a typed error carrying the platform, the package and what the loader tried', () => {
    const tried = new Error("Cannot find module 'wedpool-linux-x64-gnu'");
    const wrapper = Object.assign(new Error('Cannot find native binding. npm has a bug'), { cause: tried });
    let caught: unknown;
    try {
      loadNativeBinding(() => {
        throw wrapper;
      }, published, linuxGnu);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NativeBindingError);
    expect(caught).toBeInstanceOf(WedPoolError);
    const err = caught as NativeBindingError;
    expect(err.code).toBe('NATIVE_BINDING_MISSING');
    expect(err.platform).toBe('linux-x64-gnu');
    expect(err.packageName).toBe('wedpool-linux-x64-gnu');
    expect(err.cause).toBe(wrapper);
    expect(err.message).toContain("What the loader tried:\n  - Cannot find module 'wedpool-linux-x64-gnu'");
    expect(err.message).not.toContain('npm has a bug');
  });

  it('returns the binding when it loads', () => {
    expect(loadNativeBinding(() => 'binding', published, linuxGnu)).toBe('binding');
  });
});
