// A lent connection is a handle the pool can take back: released once, never usable through a
// stale PoolConnection after it is lent again, and given back when its holder is garbage
// collected without releasing it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { ConnectionReleasedError, type PoolConnection } from '../dist/index.js';
import { makePool } from './support/pool';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('connection handles', () => {
  it('a connection whose holder is collected without release goes back to the pool', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 1 } });
    await (async () => {
      await pool.getConnection();
    })();
    expect(pool.stats().inUse).toBe(1);
    for (let i = 0; i < 20 && pool.stats().inUse > 0; i++) {
      collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1 });
    const next = await pool.getConnection({}, { timeoutMillis: 1_000 });
    next.release();
  });

  it('a released PoolConnection cannot act on the connection lent to the next caller', async () => {
    const pool = makePool({ basePoolSize: { min: 1, max: 1 } });
    const first: PoolConnection = await pool.getConnection();
    const pid = first.processId;
    first.release();
    const second = await pool.getConnection();
    expect(second.processId).toBe(pid);
    await expect(first.query('select 1')).rejects.toBeInstanceOf(ConnectionReleasedError);
    expect(() => first.release()).toThrow(ConnectionReleasedError);
    expect(() => first.destroy()).toThrow(ConnectionReleasedError);
    expect(first.processId).toBe(pid);
    expect(pool.stats().inUse).toBe(1);
    expect((await second.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    second.release();
    expect(pool.stats().inUse).toBe(0);
  });
});
