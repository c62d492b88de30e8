// Retries with real jitter: many pools failing in step must not retry in step. Each pool has
// its own listener that accepts and drops every connection; the listener records when each
// attempt arrived, so the k-th attempts of all pools can be compared.
import { createServer, type Server, type Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import { WeddingAwareConnectionPool } from '../../dist/index.js';
import { useProcessGuards } from '../support/process-guards';

useProcessGuards();

interface DroppingListener {
  port: number;
  attempts: number[];
  close: () => Promise<void>;
}

/** A TCP listener that closes every connection at once and records when each arrived. */
async function droppingListener(): Promise<DroppingListener> {
  const attempts: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    attempts.push(performance.now());
    s.on('error', () => {});
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    port,
    attempts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('retry backoff jitter', () => {
  it('spreads the k-th attempts of many pools over more than ±10% of the nominal backoff', async () => {
    // With a uniform ±20% factor, all of n pools land in the inner ±10% with probability
    // 0.75^n per side and attempt: 1% for 16 pools, 1e-4 for 32 — so the test does not flake.
    const POOLS = 32;
    const listeners = await Promise.all(Array.from({ length: POOLS }, droppingListener));
    // Every pool starts its first attempt at the same moment and retries on its own (min 1).
    const pools = listeners.map(
      (l, i) =>
        new WeddingAwareConnectionPool({
          connectionString: `postgres://postgres@127.0.0.1:${l.port}/postgres`,
          applicationName: `jitter-${i}`,
          basePoolSize: { min: 1, max: 2 },
          connectTimeoutMillis: 1_000,
          fleetBudget: false,
        }),
    );
    try {
      // Attempts at about 0, 100, 300, 700, 1500 ms (backoff 100 ms doubling, ±20%).
      const deadline = performance.now() + 8_000;
      while (listeners.some((l) => l.attempts.length < 5) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const [k, nominal] of [
        [3, 400],
        [4, 800],
      ] as const) {
        // The delay before the (k+1)-th attempt of each pool, against the nominal backoff.
        const ratios = listeners.map((l) => (l.attempts[k] - l.attempts[k - 1]) / nominal);
        const shown = ratios.map((r) => r.toFixed(2)).join(' ');
        expect(Math.min(...ratios), `delay / nominal before attempt ${k + 1}: ${shown}`).toBeLessThan(0.9);
        expect(Math.max(...ratios), `delay / nominal before attempt ${k + 1}: ${shown}`).toBeGreaterThan(1.1);
        // Still a backoff: never much shorter than −20% (timers only fire late).
        expect(Math.min(...ratios), shown).toBeGreaterThan(0.75);
      }
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});
