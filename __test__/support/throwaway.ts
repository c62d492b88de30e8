// A spec file's OWN throwaway PostgreSQL server, for faults that would hurt a shared server
// (stop, restart, max_connections, pg_hba changes). Never point destructive faults at
// DATABASE_URL or port 5432.
//
//   const db = useThrowawayPostgres({ settings: { max_connections: '20' }, passwordAuth: true });
//   it('…', async () => { const url = db.url; await db.pause(); await db.resume(); });
//
// Started in beforeAll, stopped (and its files removed) in afterAll. `pause`, `resume` and
// `restart` do not block the event loop (pg_ctl runs as a child process), so timings measured
// around them are real.
//
// With `passwordAuth: true`, a role `wedpool_pw` with password `right-password` is created and
// pg_hba.conf requires scram-sha-256 for that role (lines placed before the trust lines), so
// wrong-password scenarios are possible; every other role keeps trust authentication.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

import { serverControl, type ServerControl } from '../../scripts/lib/pg-ctl.mjs';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/lib/postgres.mjs';

export const PASSWORD_ROLE = 'wedpool_pw';
export const RIGHT_PASSWORD = 'right-password';

export interface ThrowawayOptions {
  /** Extra postgresql.conf settings, e.g. `{ max_connections: '20' }`. */
  settings?: Record<string, string>;
  /** Create `wedpool_pw` / `right-password` with scram-sha-256 authentication. */
  passwordAuth?: boolean;
}

type RawServer = ThrowawayPostgres;

export interface ThrowawayServer {
  /** Superuser URL (trust authentication). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** False between `pause()` and `resume()`. */
  readonly running: boolean;
  /** The URL for `user`/`password` on this server, optionally through another port (a proxy). */
  urlFor(opts: { user?: string; password?: string; port?: number; database?: string }): string;
  /** Stops the server (`fast` terminates sessions with 57P01; `immediate` crashes them). */
  pause(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Starts it again; resolves once it accepts connections. */
  resume(): Promise<void>;
  /** `pg_ctl restart`. */
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Runs one statement on a fresh superuser connection (direct, not through any proxy). */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** A connected superuser client; the caller ends it (`client.end()`). */
  client(opts?: { user?: string; password?: string; applicationName?: string }): Promise<pg.Client>;
}


async function configurePasswordAuth(raw: RawServer): Promise<void> {
  const admin = new pg.Client({ connectionString: raw.url });
  await admin.connect();
  try {
    await admin.query("set password_encryption = 'scram-sha-256'");
    await admin.query(`drop role if exists ${PASSWORD_ROLE}`);
    await admin.query(`create role ${PASSWORD_ROLE} login password '${RIGHT_PASSWORD}'`);
    const hba = join(raw.dataDir, 'pg_hba.conf');
    const lines = readFileSync(hba, 'utf8').split('\n');
    const first = lines.findIndex((l) => /^\s*(local|host)/.test(l));
    const ours = [
      `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256`,
      `host all ${PASSWORD_ROLE} ::1/128 scram-sha-256`,
      `local all ${PASSWORD_ROLE} scram-sha-256`,
    ];
    lines.splice(first < 0 ? lines.length : first, 0, ...ours);
    writeFileSync(hba, lines.join('\n')); // in place: owner and mode are kept
    await admin.query('select pg_reload_conf()');
  } finally {
    await admin.end();
  }
  // The reload is asynchronous: wait until a wrong password is refused and the right one works.
  const deadline = Date.now() + 10_000;
  const u = new URL(raw.url);
  u.username = PASSWORD_ROLE;
  for (;;) {
    u.password = 'probe-wrong-password';
    const wrong = new pg.Client({ connectionString: u.toString() });
    const refused = await wrong.connect().then(
      () => false,
      (e: { code?: string }) => e.code === '28P01',
    );
    await wrong.end().catch(() => {});
    if (refused) break;
    if (Date.now() > deadline) throw new Error('pg_hba.conf reload did not take effect');
    await new Promise((r) => setTimeout(r, 50));
  }
  u.password = RIGHT_PASSWORD;
  const right = new pg.Client({ connectionString: u.toString() });
  await right.connect();
  await right.end();
}

/** Registers beforeAll/afterAll that start and stop a throwaway server for this spec file. */
export function useThrowawayPostgres(options: ThrowawayOptions = {}): ThrowawayServer {
  let raw: RawServer | null = null;
  let ctl: ServerControl | null = null;
  let down = false;

  beforeAll(async () => {
    raw = await startThrowawayPostgres({ settings: options.settings ?? {} });
    ctl = serverControl(raw);
    if (options.passwordAuth) await configurePasswordAuth(raw);
  }, 60_000);

  afterAll(async () => {
    const r = raw;
    raw = null;
    if (r) await r.stop();
  }, 60_000);

  const need = (): RawServer => {
    if (!raw) throw new Error('throwaway server not started (use it inside tests or hooks)');
    return raw;
  };

  const server: ThrowawayServer = {
    get url() {
      return need().url;
    },
    get port() {
      return need().port;
    },
    get dataDir() {
      return need().dataDir;
    },
    get running() {
      return !down;
    },
    urlFor({ user, password, port, database }) {
      const u = new URL(need().url);
      if (user !== undefined) u.username = encodeURIComponent(user);
      if (password !== undefined) u.password = encodeURIComponent(password);
      if (port !== undefined) u.port = String(port);
      if (database !== undefined) u.pathname = `/${database}`;
      u.hostname = '127.0.0.1';
      return u.toString();
    },
    async pause(mode = 'fast') {
      need();
      await ctl!.pause(mode);
      down = true;
    },
    async resume() {
      need();
      await ctl!.resume();
      down = false;
    },
    async restart(mode = 'fast') {
      need();
      await ctl!.restart(mode);
      down = false;
    },
    async sql<R>(text: string, params: unknown[] = []) {
      if (down) throw new Error('server is paused');
      const c = new pg.Client({ connectionString: need().url, application_name: 'wedpool-fault-admin' });
      await c.connect();
      try {
        return (await c.query(text, params)).rows as R[];
      } finally {
        await c.end().catch(() => {});
      }
    },
    async client(opts = {}) {
      const u = new URL(need().url);
      if (opts.user) u.username = opts.user;
      if (opts.password !== undefined) u.password = opts.password;
      const c = new pg.Client({ connectionString: u.toString(), application_name: opts.applicationName ?? 'wedpool-fault-admin' });
      c.on('error', () => {}); // a terminated admin session must not crash the run
      await c.connect();
      return c;
    },
  };
  return server;
}
