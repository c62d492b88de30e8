// postgres.js driver: the library-specific half of every workload. Acquire is
// `sql.reserve()`; pool-level queries use `sql.unsafe(text, params, { prepare: true })`, the
// same prepared-statement path its tagged templates take — except W8 (through PgBouncer), which
// uses `prepare: false` as postgres.js documents for transaction-mode poolers. No priorities:
// contexts are ignored.
import postgres from 'postgres';

import { POOL_SIZE, W7 } from '../config.mjs';

export async function createDriver({ url, scenario }) {
  const max = scenario === 'saturday-burst' ? W7.baseMax : POOL_SIZE;
  const prepare = scenario !== 'pgbouncer';
  const sql = postgres(url, { max, prepare, idle_timeout: 0, onnotice: () => {}, connection: { application_name: 'postgresjs-bench' } });
  return {
    maxSize: max,
    acquire: () => sql.reserve(),
    release: (reserved) => reserved.release(),
    query: (text, params) => sql.unsafe(text, params, { prepare }),
    describe: () => ({ max }),
    end: () => sql.end({ timeout: 1 }),
  };
}
