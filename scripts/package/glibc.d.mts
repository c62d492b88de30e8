/** The oldest glibc the published linux-gnu binaries must load on. */
export const GLIBC_FLOOR: string;
/** Compares two dotted versions numerically (`2.9` < `2.14`): -1, 0 or 1. */
export function compareVersions(a: string, b: string): number;
/** Every `GLIBC_x.y` version named in readelf's version sections, highest last. */
export function glibcVersions(readelfOutput: string): string[];
/** The highest glibc symbol version `file` requires, or null if it references none. */
export function highestGlibc(file: string): string | null;
