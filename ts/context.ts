/** The wedding context crosses to Rust as one number; its bits come from `src/context.rs`. */
import { CONTEXT_BITS } from './native';
import type { DatabaseContext } from './types';

const {
  activeWedding: ACTIVE_WEDDING,
  weddingDayTrue: WEDDING_DAY_TRUE,
  weddingDayFalse: WEDDING_DAY_FALSE,
  criticalOperation: CRITICAL_OPERATION,
  weddingCritical: WEDDING_CRITICAL,
} = CONTEXT_BITS;

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
