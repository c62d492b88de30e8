// pg-pool (node-postgres) driver: the library-specific half of every workload. It has no
// priorities or reserve, so caller contexts are ignored; W7 uses a fixed pool of 50. Its
// queries are unnamed statements, so W8 (through PgBouncer) needs no special setting.
import pg from 'pg';

import { POOL_SIZE, W7 } from '../config.mjs';

export async function createDriver({ url, scenario }) {
  const max = scenario === 'saturday-burst' ? W7.baseMax : POOL_SIZE;
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 0, application_name: 'pg-bench' });
  return {
    maxSize: max,
    acquire: () => pool.connect(),
    release: (client) => client.release(),
    query: (text, params) => pool.query(text, params),
    describe: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    end: () => pool.end(),
  };
}
