// Shared helpers for specs: the database URL, pools that are always ended, small waits.
import { afterEach } from 'vitest';

import { WeddingAwareConnectionPool, type WeddingPoolOptions } from '../../dist/index.js';

/** The server under test. */
export const DATABASE_URL = (): string => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (run through npm test or the vitest global setup)');
  return url;
};

const open: WeddingAwareConnectionPool[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.end()));
});

/**
 * A pool on the test server, ended after the test. The fleet budget is off unless a spec turns
 * it on: many specs share one server at once, and their pools would otherwise count as
 * instances of one application and shrink each other's max.
 */
export function makePool(options: WeddingPoolOptions = {}): WeddingAwareConnectionPool {
  const pool = new WeddingAwareConnectionPool({ connectionString: DATABASE_URL(), fleetBudget: false, ...options });
  open.push(pool);
  return pool;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A Saturday in every inhabited timezone's neighbourhood (12:00 UTC). */
export const SATURDAY = new Date('2026-06-13T12:00:00Z');
/** A Wednesday. */
export const WEDNESDAY = new Date('2026-06-10T12:00:00Z');
