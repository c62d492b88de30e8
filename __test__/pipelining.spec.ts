// Pipelining (`pipelineDepth`): `pool.query` statements without a deadline share a connection
// when every connection is busy and nobody is queued. Each keeps its own result or error, a
// statement with a deadline runs alone (its timeout touches nobody else), and queued or
// wedding-critical callers are never stuck behind a pipeline of normal work.
import { describe, expect, it } from 'vitest';

import { DatabaseError, QueryTimeoutError, type DatabaseContext } from '../dist/index.js';
import { SATURDAY, WEDNESDAY, eventually, makePool, sleep } from './support/pool';

const CRITICAL: DatabaseContext = { isWeddingCritical: true, isActiveWedding: true, isCriticalOperation: true };
type Pool = ReturnType<typeof makePool>;
type PidRow = { pid: number; n: number };

/** Samples `pool.stats()` until `work` settles: the most callers seen queued, and the most connections in use. */
async function peaks<T>(pool: Pool, work: Promise<T>): Promise<{ waiting: number; inUse: number; result: T }> {
  let done = false;
  let waiting = 0;
  let inUse = 0;
  const sampling = (async () => {
    while (!done) {
      const s = pool.stats();
      waiting = Math.max(waiting, s.waiting);
      inUse = Math.max(inUse, s.inUse);
      await sleep(2);
    }
  })();
  try {
    const result = await work;
    return { waiting, inUse, result };
  } finally {
    done = true;
    await sampling;
  }
}

/** `count` statements sent at once, each sleeping `sleepSeconds` and returning its backend's pid and its own number. */
function tagged(pool: Pool, count: number, sleepSeconds = 0.05): Promise<PidRow[]> {
  return Promise.all(
    Array.from({ length: count }, (_, n) =>
      pool
        .query<PidRow>('select pg_backend_pid() as pid, $1::int as n, pg_sleep($2::float8)', [n, sleepSeconds])
        .then((r) => r.rows[0]),
    ),
  );
}

describe('pipelining pool.query statements', () => {
  it('pipelines statements on a busy connection, each getting its own result, instead of queueing them', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, pipelineDepth: 8 });
    await pool.query('select 1');
    const { waiting, inUse, result } = await peaks(pool, tagged(pool, 8));
    expect(result.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(result.map((r) => r.pid)).size).toBe(1);
    expect(inUse).toBe(1);
    expect(waiting).toBe(0);
  });

  it('queues instead when pipelining is off (pipelineDepth 1) or the pool has a default statement deadline', async () => {
    for (const options of [{ pipelineDepth: 1 }, { pipelineDepth: 0 }, { pipelineDepth: 8, queryTimeoutMillis: 10_000 }]) {
      const pool = makePool({ basePoolSize: { max: 1 }, ...options });
      await pool.query('select 1');
      const { waiting, result } = await peaks(pool, tagged(pool, 4));
      expect(result.map((r) => r.n)).toEqual([0, 1, 2, 3]);
      expect(waiting, JSON.stringify(options)).toBeGreaterThan(0);
    }
  });

  it('fails only the statement that failed; its neighbours in the pipeline succeed', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, pipelineDepth: 8 });
    await pool.query('select 1');
    const statements: Array<[string, unknown[]]> = [
      ['select pg_sleep(0.1), 1 as n', []],
      ['select 1 / 0 as n', []],
      ['select 3 as n', []],
      ['select $1::int as n', ['not a number']],
      ['select 5 as n', []],
      ['selec 6 as n', []],
      ['select 7 as n', []],
    ];
    const { waiting, result } = await peaks(
      pool,
      Promise.allSettled(statements.map(([sql, params]) => pool.query<{ n: number }>(sql, params as string[]))),
    );
    expect(waiting).toBe(0);
    const outcome = result.map((r) => (r.status === 'fulfilled' ? r.value.rows[0].n : (r.reason as DatabaseError).code));
    expect(outcome).toEqual([1, '22012', 3, '22P02', 5, '42601', 7]);
    for (const r of result) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DatabaseError);
    expect((await pool.query<{ n: number }>('select 8 as n')).rows[0].n).toBe(8);
  });

  it('runs a statement with a deadline alone: its timeout fails only itself', async () => {
    const pool = makePool({ basePoolSize: { max: 2 }, pipelineDepth: 8 });
    await Promise.all([pool.query('select pg_sleep(0.05)'), pool.query('select pg_sleep(0.05)')]);
    const timed = pool.query('select pg_sleep(5)', [], undefined, { queryTimeoutMillis: 200 }).then(
      () => 'finished',
      (e: unknown) => e,
    );
    await eventually(() => pool.stats().inUse === 1);
    const { waiting, result } = await peaks(pool, tagged(pool, 6, 0.1));
    expect(waiting).toBe(0);
    expect(new Set(result.map((r) => r.pid)).size).toBe(1);
    expect(await timed).toBeInstanceOf(QueryTimeoutError);
    expect((await tagged(pool, 3)).map((r) => r.n)).toEqual([0, 1, 2]);
  });

  it('never lets a queued critical caller wait behind new pipelined work: it is served before queued normal callers', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, pipelineDepth: 2, priorityAgingPerSecond: 0 });
    pool.setCalendarTime(WEDNESDAY);
    await pool.query('select 1');
    const order: string[] = [];
    const run = (name: string, sql: string, ctx?: DatabaseContext) => pool.query(sql, [], ctx).then(() => order.push(name));
    // One after the other: the second joins the first's pipeline once that holds the connection
    // (two made together may both try to take it, and one would queue instead). Joining shows in
    // no counter, so the second is given time to reach the native side before anyone queues.
    const pipeline = [run('pipelined 1', 'select pg_sleep(0.3)')];
    await eventually(() => pool.stats().inUse === 1);
    pipeline.push(run('pipelined 2', 'select pg_sleep(0.3)'));
    await sleep(100);
    expect(pool.stats().waiting, 'the second statement joined the pipeline instead of queueing').toBe(0);
    // One at a time: calls made together reach the native queue in no fixed order.
    const queued: Promise<number>[] = [];
    for (const i of [1, 2, 3]) {
      queued.push(run(`normal ${i}`, 'select pg_sleep(0.02)'));
      await eventually(() => pool.stats().waiting === i);
    }
    const critical = run('critical', 'select 1', CRITICAL);
    await eventually(() => pool.stats().waiting === 4);
    // Newcomers queue too while anyone is queued, instead of joining a pipeline.
    const late = run('late normal', 'select 1');
    await eventually(() => pool.stats().waiting === 5);
    await Promise.all([...pipeline, ...queued, critical, late]);
    // The critical caller takes the first place that frees up — in the pipeline, right behind
    // 'pipelined 2' — so both finish together and may be reported in either order. The normal
    // callers then take places as they free up; two given places at the same moment run in
    // whichever order their statements reach the connection.
    expect(order[0]).toBe('pipelined 1');
    expect(order.slice(1, 3).sort()).toEqual(['critical', 'pipelined 2']);
    expect(order.slice(3).sort()).toEqual(['late normal', 'normal 1', 'normal 2', 'normal 3']);
  });

  it('moves queued statements into a pipeline with room instead of serving them one connection at a time', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, pipelineDepth: 4 });
    await pool.query('select 1');
    const held = await pool.getConnection();
    let finished = 0;
    const work = Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        pool.query<PidRow>('select pg_backend_pid() as pid, $1::int as n, pg_sleep(0.2)', [n]).then((r) => {
          finished++;
          return r.rows[0];
        }),
      ),
    );
    await eventually(() => pool.stats().waiting === 8);
    held.release();
    // The first statement handed the connection opens a pipeline, which takes the next three
    // from the queue at once: four wait before any statement has finished.
    await eventually(() => pool.stats().waiting <= 4);
    expect(pool.stats().waiting).toBe(4);
    expect(finished).toBe(0);
    const rows = await work;
    expect(rows.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pool.stats()).toMatchObject({ waiting: 0, inUse: 0 });
  });

  it('lets a queued getConnection() caller first in line have the connection: pipelines take no queued statements past it', async () => {
    const pool = makePool({ basePoolSize: { max: 1 }, pipelineDepth: 4, priorityAgingPerSecond: 0 });
    pool.setCalendarTime(WEDNESDAY);
    await pool.query('select 1');
    const order: string[] = [];
    const first = pool.query('select pg_sleep(0.2)').then(() => order.push('pipelined'));
    await eventually(() => pool.stats().inUse === 1);
    const lease = pool.getConnection(CRITICAL).then(async (conn) => {
      order.push('critical lease');
      await sleep(50);
      conn.release();
    });
    await eventually(() => pool.stats().waiting === 1);
    const queued = pool.query('select 1').then(() => order.push('queued statement'));
    await eventually(() => pool.stats().waiting === 2);
    await Promise.all([first, lease, queued]);
    expect(order).toEqual(['pipelined', 'critical lease', 'queued statement']);
  });

  it('keeps the reserve out of normal pipelines: a wedding-critical caller gets its own connection at once', async () => {
    const pool = makePool({ basePoolSize: { max: 2 }, weddingDayMultiplier: 1, emergencyReservedConnections: 1, pipelineDepth: 4 });
    pool.setCalendarTime(SATURDAY);
    await Promise.all([pool.query('select pg_sleep(0.05)', [], CRITICAL), pool.query('select pg_sleep(0.05)', [], CRITICAL)]);
    const order: string[] = [];
    const normal = tagged(pool, 4, 0.3).then((rows) => {
      order.push('normal pipeline');
      return rows;
    });
    await eventually(() => pool.stats().inUse === 1);
    const critical = pool.query<{ pid: number }>('select pg_backend_pid() as pid', [], CRITICAL).then((r) => {
      order.push('critical');
      return r.rows[0].pid;
    });
    const [rows, criticalPid] = await Promise.all([normal, critical]);
    expect(order).toEqual(['critical', 'normal pipeline']);
    expect(new Set(rows.map((r) => r.pid)).size).toBe(1);
    expect(rows[0].pid).not.toBe(criticalPid);
  });
});
