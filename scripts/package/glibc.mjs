// The glibc a Linux binary needs: the highest `GLIBC_x.y` symbol version it references,
// read with binutils' `readelf` (the same list `objdump -T` prints).
import { execFileSync } from 'node:child_process';

/** The oldest glibc the published linux-gnu binaries must load on (Debian 10, RHEL 8, Ubuntu 18.10). */
export const GLIBC_FLOOR = '2.28';

/** Compares two dotted versions numerically (`2.9` < `2.14`). */
export function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Every `GLIBC_x.y` version named in readelf's version sections, highest last. */
export function glibcVersions(readelfOutput) {
  const found = new Set([...readelfOutput.matchAll(/\bGLIBC_(\d+(?:\.\d+)+)\b/g)].map((m) => m[1]));
  return [...found].sort(compareVersions);
}

/** The highest glibc symbol version `file` requires, or null if it references none. */
export function highestGlibc(file) {
  const out = execFileSync('readelf', ['--version-info', '--wide', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const versions = glibcVersions(out);
  return versions.length > 0 ? versions[versions.length - 1] : null;
}
