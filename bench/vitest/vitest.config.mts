// `npm run bench:vitest`: the acquisition micro-benchmarks (bench/vitest/*.bench.ts) against a
// throwaway server (or DATABASE_URL). Separate from the spec config so `vitest run` in
// `npm test` never picks up a benchmark, and from bench/run.mjs, which compares with peers.
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: [],
    globalSetup: ['__test__/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    hookTimeout: 60_000,
    server: { deps: { external: [/\/dist\//, /\/native\//] } },
    benchmark: {
      include: ['bench/vitest/**/*.bench.ts'],
      reporters: ['default', './bench/vitest/percentile-reporter.mjs'],
    },
  },
});
