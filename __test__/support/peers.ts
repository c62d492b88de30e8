// A WedPool pool and a node-postgres client on the test server, side by side for parity specs.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

import { WeddingAwareConnectionPool } from '../../dist/index.js';
import { DATABASE_URL } from './pool';

/** Opens both before the spec file's tests and closes them after. */
export function useWedPoolAndPg(): { wed: () => WeddingAwareConnectionPool; pg: () => pg.Client } {
  let wed: WeddingAwareConnectionPool | undefined;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    wed = new WeddingAwareConnectionPool({ connectionString: DATABASE_URL(), basePoolSize: { max: 4 }, fleetBudget: false });
    client = new pg.Client({ connectionString: DATABASE_URL() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await wed?.end();
  });
  return { wed: () => wed!, pg: () => client! };
}
