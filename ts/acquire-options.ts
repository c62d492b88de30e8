/**
 * Acquire options are read once into a snapshot before anything is queued, and the abort
 * signal is observed only through the platform's own `AbortSignal` / `EventTarget` methods, so
 * a hostile signal (overridden `addEventListener`, a Proxy, a throwing getter) can neither
 * throw the caller's own error out of the pool nor strand a queued ticket or a borrowed
 * connection.
 */
import { describeValue } from './describe';
import { ConfigError } from './errors';

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const reasonOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason')!.get!;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;

/** A genuine `AbortSignal`, read and watched through the platform's methods only. */
export class AcquireSignal {
  readonly #signal: AbortSignal;
  private constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Brand-checks `value`: a real `AbortSignal` (not a look-alike or a Proxy) or `ConfigError` (`signal`). */
  static from(value: unknown): AcquireSignal | undefined {
    if (value === undefined) return undefined;
    try {
      abortedOf.call(value);
    } catch (cause) {
      const got = value === null ? 'null' : typeof value === 'object' ? 'an object that is not one' : typeof value;
      throw new ConfigError('signal', `must be an AbortSignal, got ${got}`, { cause });
    }
    return new AcquireSignal(value as AbortSignal);
  }

  /** Whether the signal has aborted. */
  get aborted(): boolean {
    return abortedOf.call(this.#signal) as boolean;
  }

  /** Why it aborted (the signal's `reason`). */
  get reason(): unknown {
    return reasonOf.call(this.#signal);
  }

  /** Calls `onAbort` once when the signal aborts; returns what stops watching. Never throws. */
  watch(onAbort: () => void): () => void {
    addListener.call(this.#signal, 'abort', onAbort, { once: true });
    return () => removeListener.call(this.#signal, 'abort', onAbort);
  }
}

/** {@link AcquireOptions} as read once. */
export interface AcquireSnapshot {
  /** The validated deadline, in ms; `undefined` for the pool default. */
  timeoutMillis: number | undefined;
  /** The validated signal, if any. */
  signal: AcquireSignal | undefined;
}

/** Reads one field of a caller's options object; a throwing read is `ConfigError` naming it. */
export function readField(options: unknown, field: string): unknown {
  if (options === undefined || options === null) return undefined;
  try {
    return (options as Record<string, unknown>)[field];
  } catch (cause) {
    throw new ConfigError(field, 'reading it threw', { cause });
  }
}

/** Validates a millisecond deadline: `undefined`, or a number of 0 or more (`Infinity` is no deadline). */
export function checkTimeout(timeoutMillis: unknown, field = 'timeoutMillis'): number | undefined {
  if (timeoutMillis === undefined) return undefined;
  if (typeof timeoutMillis !== 'number' || !(timeoutMillis >= 0)) {
    throw new ConfigError(field, `must be a number of milliseconds of 0 or more, got ${describeValue(timeoutMillis)}`);
  }
  return timeoutMillis;
}

/** Reads `timeoutMillis` and `signal` once each and validates them (`ConfigError` naming the field). */
export function snapshotAcquireOptions(options: unknown): AcquireSnapshot {
  const timeoutMillis = checkTimeout(readField(options, 'timeoutMillis'));
  const signal = AcquireSignal.from(readField(options, 'signal'));
  return { timeoutMillis, signal };
}

/**
 * Reads the named fields of a caller's options object once each into a plain object (only the
 * fields it sets); a read that throws is `ConfigError` naming the field. `undefined`/`null`
 * stay `undefined`.
 */
export function snapshotFields<T extends object>(options: T | undefined, fields: readonly (keyof T & string)[]): T | undefined {
  if (options === undefined || options === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = readField(options, field);
    if (value !== undefined) out[field] = value;
  }
  return out as T;
}
