/** The wedding context crosses to Rust as one number (see `src/context.rs`). */
import type { DatabaseContext } from './types';

const ACTIVE_WEDDING = 1;
const WEDDING_DAY_TRUE = 2;
const WEDDING_DAY_FALSE = 4;
const CRITICAL_OPERATION = 8;
const WEDDING_CRITICAL = 16;

/** Encodes a context as the bit flags the native pool reads. */
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
