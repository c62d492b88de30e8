// What the published packages are made of, read from the repository's own files: the root
// package.json (the only place the version lives), its `exports` map (the entries) and the
// per-platform manifests in npm/<platform>/package.json (name, os, cpu, libc, main only).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm run package` writes the tarballs. */
export const pkgDir = join(repoRoot, 'pkg');

/** The root package.json as committed. */
export function rootManifest() {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
}

const strip = (p) => p.replace(/^\.\//, '');

/**
 * The package's entries from the `exports` map: for each subpath, the CommonJS and ESM files,
 * their types and the TypeScript source the CommonJS file is compiled from.
 */
export function packageEntries(manifest = rootManifest()) {
  const entries = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object' || !target.import || !target.require) continue;
    const requireFile = strip(target.require.default);
    entries.push({
      subpath,
      requireFile,
      requireTypes: strip(target.require.types),
      importFile: strip(target.import.default),
      importTypes: strip(target.import.types),
      source: join(repoRoot, requireFile.replace(/^dist\//, 'ts/').replace(/\.js$/, '.ts')),
    });
  }
  return entries;
}

/** The platform packages: `dir` under npm/, the committed manifest, the `.node` file name. */
export function platformPackages() {
  const npmDir = join(repoRoot, 'npm');
  return readdirSync(npmDir)
    .filter((d) => existsSync(join(npmDir, d, 'package.json')))
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(npmDir, dir, 'package.json'), 'utf8'));
      return { dir, path: join(npmDir, dir), manifest, binary: manifest.main };
    });
}

/** The fields every published manifest takes from the root package. */
function sharedFields(root) {
  const { version, description, license, repository, homepage, bugs, author, engines } = root;
  return Object.fromEntries(
    Object.entries({ version, description, license, repository, homepage, bugs, author, engines }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}

/** The published manifest of one platform package: its own fields plus the root's version etc. */
export function publishedPlatformManifest(platform, root = rootManifest()) {
  const { name, ...own } = platform.manifest;
  return { name, ...sharedFields(root), ...own };
}

/**
 * The published root manifest: the committed one without what only the repository needs
 * (scripts, devDependencies, overrides), with `optionalDependencies` on every platform package at
 * exactly the root version.
 */
export function publishedRootManifest(root = rootManifest()) {
  const {
    scripts: _scripts,
    devDependencies: _dev,
    overrides: _overrides,
    allowScripts: _allowScripts,
    ...published
  } = root;
  published.optionalDependencies = Object.fromEntries(
    platformPackages().map((p) => [p.manifest.name, root.version]),
  );
  return published;
}
