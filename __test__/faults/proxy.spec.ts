// The fault-injection proxy itself (support/proxy.ts), checked with node-postgres so that the
// fault specs can trust it: each mode does what it says and close() leaves nothing behind.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { sleep, until } from '../support/faults';
import { DATABASE_URL } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';
import { startProxy, type PgProxy } from '../support/proxy';

useProcessGuards();

let proxy: PgProxy | null = null;
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => undefined);
  await proxy?.close();
  proxy = null;
});

async function start(): Promise<PgProxy> {
  proxy = await startProxy({ port: Number(new URL(DATABASE_URL()).port || 5432) });
  return proxy;
}

async function client(p: PgProxy): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: p.url(DATABASE_URL()), application_name: 'wedpool-proxy-spec' });
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}

const resources = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout');

describe('fault proxy', () => {
  it('pass: forwards, and counts accepted and open connections', async () => {
    const p = await start();
    const c = await client(p);
    expect((await c.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    expect(p.stats()).toMatchObject({ accepted: 1, open: 1, upstreamConnects: 1 });
    await c.end();
    await until(() => p.stats().open === 0, 1_000, 'closed');
  });

  it('delay: adds latency to every chunk, in order', async () => {
    const p = await start();
    const c = await client(p);
    await p.delay(150);
    const started = performance.now();
    const r = await c.query('select $1::int as a, $2::text as b', [7, 'x']);
    expect(r.rows).toEqual([{ a: 7, b: 'x' }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280); // one round trip, both ways
    await p.pass();
  });

  it('blackhole: nothing moves and nothing is reset; healing delivers the held bytes', async () => {
    const p = await start();
    const c = await client(p);
    await p.blackhole();
    let done = false;
    const q = c.query('select 2 as two').then((r) => {
      done = true;
      return r;
    });
    await sleep(300);
    expect(done).toBe(false);
    // New connections are accepted but never forwarded.
    const stuck = new pg.Client({ connectionString: p.url(DATABASE_URL()), connectionTimeoutMillis: 300 });
    stuck.on('error', () => {});
    await expect(stuck.connect()).rejects.toThrow();
    expect(p.stats().upstreamConnects).toBe(1);
    await until(() => p.stats().open === 1, 1_000, 'the given-up client socket is closed');
    await p.pass();
    expect((await q).rows).toEqual([{ two: 2 }]);
  });

  it('reset: current sockets get a RST; refuse: nothing listens until pass', async () => {
    const p = await start();
    const c = await client(p);
    const errored = new Promise<Error>((r) => c.once('error', r));
    p.resetAll();
    expect(((await errored) as NodeJS.ErrnoException).code).toBe('ECONNRESET');

    const keep = await client(p);
    await p.refuse();
    const refused = new pg.Client({ connectionString: p.url(DATABASE_URL()) });
    refused.on('error', () => {});
    await expect(refused.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await keep.query('select 3 as three')).rows).toEqual([{ three: 3 }]);
    await p.reset();
    const again = new pg.Client({ connectionString: p.url(DATABASE_URL()) });
    again.on('error', () => {});
    await expect(again.connect()).rejects.toThrow();
    await p.pass();
    expect((await (await client(p)).query('select 4 as four')).rows).toEqual([{ four: 4 }]);
  });

  it('cutAfterCommit: COMMIT reaches the server, its answer never reaches the client', async () => {
    const p = await start();
    const c = await client(p);
    const table = `wedpool_proxy_cut_${process.pid}`;
    await c.query(`begin`);
    await c.query(`create table ${table} (a int)`);
    const cut = p.cutAfterCommit();
    await expect(c.query('commit')).rejects.toThrow();
    await cut;
    const direct = new pg.Client({ connectionString: DATABASE_URL() });
    await direct.connect();
    try {
      // The server committed: the table exists.
      expect((await direct.query('select to_regclass($1) as t', [table])).rows[0].t).toBe(table);
      await direct.query(`drop table ${table}`);
    } finally {
      await direct.end();
    }
  });

  it('close: no socket, server or timer is left behind', async () => {
    await sleep(50);
    const before = resources().length;
    const p = await start();
    const a = await client(p);
    await p.delay(50);
    const pending = a.query('select pg_sleep(0.2)').catch(() => undefined);
    await sleep(20);
    await p.blackhole();
    const parked = new pg.Client({ connectionString: p.url(DATABASE_URL()) });
    parked.on('error', () => {});
    const parkedConnect = parked.connect().catch(() => undefined);
    await sleep(50);
    await p.close();
    proxy = null;
    await Promise.all([pending, parkedConnect]);
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await parked.end().catch(() => undefined);
    await until(() => resources().length <= before, 2_000, `resources left: ${resources().join(', ')}`);
  });
});
