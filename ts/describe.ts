/**
 * Caller values and thrown values shown in error messages without running any of the
 * caller's code: no `toString`, no getter, no Proxy trap, so building the error cannot throw.
 */

/** A caller's value as text: primitives as JavaScript writes them, objects by kind only. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** What was thrown, as text (its `message` when it has one); never throws itself. */
export function thrownText(err: unknown): string {
  try {
    const message: unknown = (err as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : describeValue(err);
  } catch {
    return 'a value that cannot be shown';
  }
}
