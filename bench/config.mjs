// Benchmark settings shared by the orchestrator (run.mjs) and the per-process runner
// (child.mjs): participants, workloads, durations for --quick and full runs, the scenarios'
// pool shapes and the caller classes. Change numbers here, not in the workload files.

/** Node libraries, in interleaving order; pgbench joins W4 as the C/libpq floor. */
export const LIBRARIES = ['wedpool', 'pg', 'postgresjs'];
export const LABELS = { wedpool: 'WedPool', pg: 'pg-pool', postgresjs: 'postgres.js', pgbench: 'pgbench' };

export const POOL_SIZE = 10;
export const SATURDAY = new Date('2026-06-13T12:00:00Z');

/** Every workload and the pool shape (scenario) its drivers build. */
export const WORKLOADS = {
  W1: { title: 'uncontended acquire + release', scenario: 'plain' },
  W2: { title: 'contended acquire (pool of 10)', scenario: 'plain' },
  W3: { title: 'serial SELECT 1', scenario: 'plain' },
  W4: { title: 'SELECT 1 throughput, 64 callers', scenario: 'plain' },
  W5: { title: 'mixed priority (120% load + critical stream)', scenario: 'mixed-priority' },
  W6: { title: 'wedding-guest result sizes', scenario: 'plain' },
  W7: { title: 'Saturday burst, 300 callers', scenario: 'saturday-burst' },
  W8: { title: 'through PgBouncer (transaction mode), 64 callers', scenario: 'pgbouncer' },
};

/** W8: PgBouncer's server connections (`default_pool_size`), equal to the pools' size. */
export const W8_SERVER_CONNECTIONS = POOL_SIZE;

/** Durations in ms; `reps` is repetitions per library (interleaved). */
export const MODES = {
  quick: {
    reps: 2,
    w1: 300, w2MinSamples: 500, w3: 300, w4: 1_000, w4Pgbench: 1, w5: 1_200, w6: 250, w7: 1_200, w8: 1_000,
    warmup: 150,
  },
  full: {
    reps: 5,
    w1: 2_000, w2MinSamples: 5_000, w3: 2_000, w4: 5_000, w4Pgbench: 5, w5: 5_000, w6: 1_500, w7: 5_000, w8: 5_000,
    warmup: 500,
  },
};

export const W2_WAITERS = [8, 64, 1_024, 10_000];
export const W2_HOLD_MS = 1;
export const W4_CALLERS = 64;
/** W5: 12 closed-loop normal callers = 120% of a pool of 10; 8 critical callers thinking 20 ms ≈ 7% of acquisitions. */
export const W5 = { normalCallers: 12, criticalCallers: 8, holdMs: 2, criticalThinkMs: 20, reserve: 2 };
export const W6_ROWS = [1, 100, 1_000];
export const W6_TABLE_ROWS = 5_000;
/** W7: 300 closed-loop callers holding 5 ms; 80% normal, 15% active wedding, 5% wedding-critical. */
export const W7 = { callers: 300, holdMs: 5, baseMax: 50, multiplier: 3, reserve: 5, classes: { normal: 240, active: 45, critical: 15 } };

/** Caller classes; only WedPool can tell them apart. */
export const CONTEXTS = {
  normal: undefined,
  active: { isActiveWedding: true },
  critical: { isWeddingCritical: true, isActiveWedding: true, isCriticalOperation: true },
};
