/**
 * The wedding context without touching call sites: `withWeddingContext(ctx, fn)` runs `fn` in
 * an `AsyncLocalStorage` scope, and every connection a `wedpool/pg` pool hands out inside it
 * (directly, or through Kysely, Drizzle or any library built on node-postgres) is acquired
 * with that context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import { snapshotContext } from '../context';
import type { DatabaseContext } from '../types';

const storage = new AsyncLocalStorage<DatabaseContext>();

/**
 * Runs `fn` with `ctx` as the wedding context of every acquire inside it, including those in
 * callbacks and promises it starts. Nested calls merge: inner fields override outer ones.
 * Returns what `fn` returns (a promise stays a promise). `ctx` is read once, before `fn` runs
 * (see `getConnection`): a field whose read throws is a `ConfigError` naming it.
 *
 * ```ts
 * await withWeddingContext({ isWeddingCritical: true, weddingId: 'w-42' }, () =>
 *   db.selectFrom('guests').selectAll().execute());
 * ```
 */
export function withWeddingContext<T>(ctx: DatabaseContext, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('withWeddingContext(ctx, fn): fn must be a function');
  // Read once, here: a throwing getter is a ConfigError naming the field, before fn runs.
  const inner = snapshotContext(ctx) ?? {};
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...inner } : inner, fn);
}

/** The context `withWeddingContext` set for the current async scope, if any. */
export function currentWeddingContext(): DatabaseContext | undefined {
  return storage.getStore();
}
