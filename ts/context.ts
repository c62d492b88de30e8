/**
 * The wedding context is read once, field by field, into a plain snapshot; the snapshot
 * crosses to Rust as one number whose bits come from `src/context.rs`.
 */
import { ConfigError } from './errors';
import { CONTEXT_BITS } from './native';
import type { DatabaseContext } from './types';

const {
  activeWedding: ACTIVE_WEDDING,
  weddingDayTrue: WEDDING_DAY_TRUE,
  weddingDayFalse: WEDDING_DAY_FALSE,
  criticalOperation: CRITICAL_OPERATION,
  weddingCritical: WEDDING_CRITICAL,
} = CONTEXT_BITS;

/** The fields a context is read for, each exactly once. */
const FIELDS = ['isActiveWedding', 'isWeddingDay', 'isCriticalOperation', 'isWeddingCritical', 'weddingId', 'operation'] as const;

/**
 * Reads `ctx` once into a plain object holding only the known fields it sets. `undefined` and
 * `null` mean "no context". Anything else that is not an object, or a field whose read throws
 * (a getter, a Proxy trap), is a `ConfigError` naming it (`context`, `context.isWeddingDay`),
 * with what was thrown as its `cause`; nothing has been queued or borrowed yet.
 */
export function snapshotContext(ctx: unknown): DatabaseContext | undefined {
  if (ctx === undefined || ctx === null) return undefined;
  if (typeof ctx !== 'object' && typeof ctx !== 'function') {
    throw new ConfigError('context', `must be an object or undefined, got ${typeof ctx}`);
  }
  const snapshot: Record<string, unknown> = {};
  for (const field of FIELDS) {
    let value: unknown;
    try {
      value = (ctx as Record<string, unknown>)[field];
    } catch (cause) {
      throw new ConfigError(`context.${field}`, 'reading it threw', { cause });
    }
    if (value !== undefined) snapshot[field] = value;
  }
  return snapshot as DatabaseContext;
}

/** Encodes a context snapshot (see {@link snapshotContext}) as the bit flags the native pool reads. */
export function contextFlags(ctx: DatabaseContext | undefined): number {
  if (!ctx) return 0;
  let flags = 0;
  if (ctx.isActiveWedding) flags |= ACTIVE_WEDDING;
  if (ctx.isWeddingDay === true) flags |= WEDDING_DAY_TRUE;
  else if (ctx.isWeddingDay === false) flags |= WEDDING_DAY_FALSE;
  if (ctx.isCriticalOperation) flags |= CRITICAL_OPERATION;
  if (ctx.isWeddingCritical) flags |= WEDDING_CRITICAL;
  return flags;
}
