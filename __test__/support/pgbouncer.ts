// A spec file's own PgBouncer (transaction mode, two server connections) in front of the test
// server, started in beforeAll and stopped in afterAll. PgBouncer must be installed (Debian
// package `pgbouncer`; `.ci/run` installs it): a missing one fails the spec, never skips it.
import { afterAll, beforeAll } from 'vitest';

import { startPgBouncer } from '../../scripts/lib/pgbouncer.mjs';
import { DATABASE_URL } from './pool';

export interface Bouncer {
  /** The test server's role and database, through PgBouncer's port. */
  readonly url: string;
  readonly port: number;
  /** `PgBouncer 1.18.0` or similar. */
  readonly version: string;
}

/** Starts PgBouncer (`default_pool_size = poolSize`, default 2) for the spec file. */
export function usePgBouncer(options: { poolSize?: number } = {}): Bouncer {
  let raw: { url: string; port: number; version: string; stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    const server = new URL(DATABASE_URL());
    const user = decodeURIComponent(server.username) || 'postgres';
    const started = await startPgBouncer({ serverPort: Number(server.port || 5432), serverHost: server.hostname, user, poolSize: options.poolSize ?? 2 });
    // The same database and role as the test server, through PgBouncer's port.
    raw = { ...started, url: `postgres://${encodeURIComponent(user)}@127.0.0.1:${started.port}${server.pathname}` };
  }, 30_000);
  afterAll(async () => {
    await raw?.stop();
  });
  const get = (): NonNullable<typeof raw> => {
    if (!raw) throw new Error('PgBouncer is not running (usePgBouncer must be called at the top of a spec file)');
    return raw;
  };
  return {
    get url() {
      return get().url;
    },
    get port() {
      return get().port;
    },
    get version() {
      return get().version;
    },
  };
}
