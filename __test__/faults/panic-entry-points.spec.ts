// Every native entry point runs inside a panic guard: a panic (here injected by the test hook
// `__injectPanicForTest` into the named operation) answers an INTERNAL_ERROR, which the facade
// throws as InternalError, instead of aborting the process or rejecting with an untyped Error.
// The tables below must name every method of the native classes and every connection function,
// so a new unguarded one fails.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { InternalError, WedPoolError } from '../../dist/index.js';
import type { NativeConnection, NativeError, NativePool, NativePoolHandle, NativePoolOptions } from '../../dist/native.js';
import { DATABASE_URL, makePool } from '../support/pool';

const binding = createRequire(__filename)(join(__dirname, '..', '..', 'native', 'binding.js')) as {
  __injectPanicForTest(operation: string | null): void;
  createPool(options: NativePoolOptions, localTimezone: string): NativePool | NativeError;
  poolAcquireOrEnqueue(pool: NativePoolHandle, flags: number): NativeConnection | number | NativeError;
  connectionDetails(conn: NativeConnection): unknown;
  connectionLearnTransactionIds(conn: NativeConnection, on: boolean): unknown;
  connectionLearnedTransactionId(conn: NativeConnection): unknown;
  connectionRelease(conn: NativeConnection, destroy?: boolean): unknown;
  connectionQuerySubmit(conn: NativeConnection, id: number, sql: string, params: Array<string | Buffer | null>): unknown;
};
const release = (conn: NativeConnection): unknown => binding.connectionRelease(conn, false);

afterEach(() => binding.__injectPanicForTest(null));

function nativePool(max = 2): NativePool {
  const created = binding.createPool({ connectionString: DATABASE_URL(), basePoolSize: { max }, fleetBudget: { enabled: false } }, 'UTC');
  if ('wedpoolError' in created) throw new Error(created.message);
  return created;
}

function expectInternal(answer: unknown, operation: string): void {
  expect(answer).toMatchObject({ wedpoolError: true, code: 'INTERNAL_ERROR' });
  expect((answer as NativeError).message).toMatch(`WedPool internal error in ${operation} (a bug; please report it): panic injected`);
}

/** Synchronous pool methods: the operation their guard names, and a call with valid arguments. */
const POOL_SYNC: Record<string, [string, (pool: NativePool, profile: string) => unknown]> = {
  handle: ['handle', (p) => p.handle()],
  cancel: ['cancel', (p) => p.cancel(987_654)],
  target: ['target', (p) => p.target()],
  stats: ['stats', (p) => p.stats()],
  health: ['health', (p) => p.health()],
  scalingPlan: ['scalingPlan', (p) => p.scalingPlan()],
  metrics: ['metrics', (p) => p.metrics()],
  metricFamilies: ['metricFamilies', (p) => p.metricFamilies()],
  exportTrafficProfile: ['exportTrafficProfile', (p) => p.exportTrafficProfile()],
  importTrafficProfile: ['importTrafficProfile', (p, profile) => p.importTrafficProfile(profile)],
  priorityOf: ['calculateConnectionPriority', (p) => p.priorityOf(0)],
  isWeddingDay: ['isWeddingDay', (p) => p.isWeddingDay()],
  setCalendarTime: ['setCalendarTime', (p) => p.setCalendarTime(null)],
  maintain: ['maintain', (p) => p.maintain()],
  setEventMask: ['setEventMask', (p) => p.setEventMask(0)],
  onEvent: ['onEvent', (p) => p.onEvent(() => undefined)],
  onCompletions: ['onCompletions', (p) => p.onCompletions(() => undefined)],
  querySubmit: ['query', (p) => p.querySubmit(1, 0, 'select 1', [])],
  flushSubmissions: ['flushSubmissions', (p) => p.flushSubmissions()],
  waitSubmit: ['wait', (p) => p.waitSubmit(2, 0, 1)],
  end: ['end', (p) => p.end()],
};
/** The functions taking a pool's handle (all synchronous). */
const POOL_FUNCTIONS: Record<string, [string, (pool: NativePool, profile: string) => unknown]> = {
  poolAcquireOrEnqueue: ['getConnection', (p) => binding.poolAcquireOrEnqueue(p.handle() as NativePoolHandle, 0)],
};
/** Asynchronous pool methods, tested one by one below. */
const POOL_ASYNC = ['ready', 'commitOutcome', 'drain'];

/** The functions taking a lent connection's handle (all synchronous). */
const CONNECTION_SYNC: Record<string, [string, (conn: NativeConnection) => unknown]> = {
  connectionDetails: ['connection.details', (c) => binding.connectionDetails(c)],
  connectionLearnTransactionIds: ['connection.learnTransactionIds', (c) => binding.connectionLearnTransactionIds(c, true)],
  connectionLearnedTransactionId: ['connection.learnedTransactionId', (c) => binding.connectionLearnedTransactionId(c)],
  connectionRelease: ['connection.release', (c) => binding.connectionRelease(c, false)],
  connectionQuerySubmit: ['connection.querySubmit', (c) => binding.connectionQuerySubmit(c, 1, 'select 1', [])],
};

const methodsOf = (instance: object): string[] =>
  Object.getOwnPropertyNames(Object.getPrototypeOf(instance)).filter((name) => name !== 'constructor').sort();

async function acquired(pool: NativePool): Promise<NativeConnection> {
  expect(await pool.ready()).toBeNull();
  const first = binding.poolAcquireOrEnqueue(pool.handle() as NativePoolHandle, 0);
  if (typeof first === 'number' || 'wedpoolError' in first) throw new Error('expected an idle connection');
  return first as NativeConnection;
}

describe('panic guards on every native entry point', () => {
  it('the tables name every native method', async () => {
    const pool = nativePool();
    expect(await pool.ready()).toBeNull();
    expect(methodsOf(pool)).toEqual([...Object.keys(POOL_SYNC), ...POOL_ASYNC].sort());
    const conn = await acquired(pool);
    const handleFunctions = Object.keys(binding).filter((name) => name.startsWith('connection') || name.startsWith('pool'));
    expect(handleFunctions.sort()).toEqual([...Object.keys(CONNECTION_SYNC), ...Object.keys(POOL_FUNCTIONS)].sort());
    release(conn);
    pool.end();
  });

  it('createPool answers INTERNAL_ERROR', () => {
    binding.__injectPanicForTest('createPool');
    expectInternal(binding.createPool({ connectionString: DATABASE_URL() }, 'UTC'), 'createPool');
  });

  it.each(Object.entries({ ...POOL_SYNC, ...POOL_FUNCTIONS }))('pool.%s answers INTERNAL_ERROR and the pool keeps working', async (method, [operation, call]) => {
    const pool = nativePool();
    expect(await pool.ready()).toBeNull();
    const profile = pool.exportTrafficProfile() as string;
    let delivered: Promise<unknown> | undefined;
    if (method !== 'onCompletions') delivered = new Promise((resolve) => pool.onCompletions(resolve));
    binding.__injectPanicForTest(operation);
    expectInternal(call(pool, profile), operation);
    // One shot: the same call now works.
    const again = call(pool, profile);
    expect(again).not.toMatchObject({ wedpoolError: true });
    // poolAcquireOrEnqueue answers a connection handle (an external: no properties).
    if (method === 'poolAcquireOrEnqueue' && typeof again === 'object' && again !== null) release(again as NativeConnection);
    if (method === 'querySubmit') expect(await delivered).toMatchObject([1, { rowCount: 1 }]);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
    pool.end();
  });

  it.each(Object.entries(CONNECTION_SYNC))('connection.%s answers INTERNAL_ERROR', async (_method, [operation, call]) => {
    const pool = nativePool();
    const conn = await acquired(pool);
    binding.__injectPanicForTest(operation);
    expectInternal(call(conn), operation);
    release(conn);
    expect(pool.stats()).toMatchObject({ inUse: 0 });
    pool.end();
  });

  it('a panic in release still takes the connection from its holder, and closes it', async () => {
    const pool = nativePool(1);
    const conn = await acquired(pool);
    const removedBefore = (pool.stats() as { removed: number }).removed;
    binding.__injectPanicForTest('connection.release');
    expectInternal(release(conn), 'connection.release');
    expect(release(conn)).toBe(false);
    expect(pool.stats()).toMatchObject({ inUse: 0, removed: removedBefore + 1 });
    pool.end();
  });

  it('ready, drain and commitOutcome answer INTERNAL_ERROR', async () => {
    const pool = nativePool();
    binding.__injectPanicForTest('ready');
    expectInternal(await pool.ready(), 'ready');
    binding.__injectPanicForTest('commitOutcome');
    const outcome = await pool.commitOutcome(0, '1', 1_000);
    expect(outcome.status).toBe('unknown');
    expect(outcome.reason).toMatch('WedPool internal error in commitOutcome');
    binding.__injectPanicForTest('end');
    expectInternal(await pool.drain(1_000), 'end');
    pool.end();
  });

  it.each([
    ['wait', 'submitting'],
    ['wait.queued', 'while queued'],
  ])('a panic in %s (%s) withdraws the ticket: nothing stays queued, the next caller is served', async (operation) => {
    const pool = nativePool(1);
    const delivered = new Promise<unknown[]>((resolve) => pool.onCompletions(resolve));
    const held = await acquired(pool);
    const ticket = binding.poolAcquireOrEnqueue(pool.handle() as NativePoolHandle, 0);
    expect(typeof ticket).toBe('number');
    binding.__injectPanicForTest(operation);
    const refused = pool.waitSubmit(1, ticket as number, 5_000);
    if (operation === 'wait') expectInternal(refused, operation);
    else {
      expect(refused).toBeNull();
      const [id, outcome] = await delivered;
      expect(id).toBe(1);
      expectInternal(outcome, operation);
    }
    expect(pool.stats()).toMatchObject({ waiting: 0, inUse: 1 });
    release(held);
    const next = await acquired(pool);
    release(next);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
    pool.end();
  });
});

describe('InternalError through the facade', () => {
  it('is a typed WedPoolError naming the operation', () => {
    const pool = makePool();
    binding.__injectPanicForTest('stats');
    let caught: unknown;
    try {
      pool.stats();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InternalError);
    expect(caught).toBeInstanceOf(WedPoolError);
    expect(caught).toMatchObject({ name: 'InternalError', code: 'INTERNAL_ERROR' });
    expect((caught as Error).message).toMatch(/^WedPool internal error in stats /);
    expect(pool.stats().inUse).toBe(0);
  });

  it('a connection whose statement panicked is closed on release, never lent again', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 1 } });
    const conn = await pool.getConnection();
    const pid = conn.processId;
    binding.__injectPanicForTest('connection.query');
    await expect(conn.query('select 1')).rejects.toBeInstanceOf(InternalError);
    conn.release();
    expect(pool.stats()).toMatchObject({ inUse: 0, removed: 1 });
    const next = await pool.getConnection();
    expect(next.processId).not.toBe(pid);
    next.release();
  });

  it('a panic in pool.query rejects with InternalError and the pool serves the next query', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 1 } });
    for (const operation of ['query', 'query.execute']) {
      binding.__injectPanicForTest(operation);
      await expect(pool.query('select 1')).rejects.toThrow(new RegExp(`^WedPool internal error in ${operation} `));
      binding.__injectPanicForTest(operation);
      await expect(pool.query('select 1')).rejects.toBeInstanceOf(InternalError);
    }
    expect((await pool.query('select 2 as n')).rows).toEqual([{ n: 2 }]);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it('a panic in release ends the connection for its holder', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 1 } });
    const conn = await pool.getConnection();
    binding.__injectPanicForTest('connection.release');
    expect(() => conn.release()).toThrow(InternalError);
    expect(conn.released).toBe(true);
    expect(pool.stats()).toMatchObject({ inUse: 0 });
    const next = await pool.getConnection({}, { timeoutMillis: 2_000 });
    next.release();
  });
});
