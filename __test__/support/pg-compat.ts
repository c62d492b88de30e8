// Pools of `wedpool/pg` and of node-postgres (`pg`) on the test server, always ended after the
// test, for specs that run the same script through both.
import pg from 'pg';
import { afterEach } from 'vitest';

import { Pool, type PoolConfig } from '../../dist/pg/index.js';
import { DATABASE_URL } from './pool';

const open: Array<{ end(): Promise<void>; ending: boolean }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => (p.ending ? undefined : p.end().catch(() => undefined))));
});

/** A `wedpool/pg` pool on the test server (fleet budget off, as every spec pool), ended after the test. */
export function wedPgPool(config: PoolConfig = {}): Pool {
  const pool = new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, ...config });
  open.push(pool);
  return pool;
}

/** A node-postgres pool on the test server, ended after the test. */
export function realPgPool(config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: DATABASE_URL(), ...config });
  open.push(pool as never);
  return pool;
}
