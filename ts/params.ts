/**
 * Parameters are serialised here exactly as node-postgres serialises them, so the server
 * sees the same text: numbers and booleans as text, Dates as local time with offset, arrays
 * as array literals, Buffers as bytes, plain objects as JSON. Anything that cannot be sent is
 * rejected before the statement leaves the process.
 */
import { thrownText } from './describe';
import { InvalidParameterError, InvalidStatementError, WedPoolError } from './errors';

/** Refuses statement text that is not a string before anything is sent. */
export function checkSql(sql: unknown): asserts sql is string {
  if (typeof sql !== 'string') {
    throw new InvalidStatementError(`the statement must be a string, got ${sql === null ? 'null' : Array.isArray(sql) ? 'an array' : typeof sql}`);
  }
}

/**
 * Nesting deeper than this (arrays in arrays, `toPostgres` returning values to serialise) is
 * refused: PostgreSQL arrays have at most 6 dimensions, and a value nested 100,000 deep must
 * be an error, not a stack overflow.
 */
export const MAX_PARAMETER_DEPTH = 100;

function enter(value: unknown, index: number, seen: Set<unknown>): void {
  if (seen.has(value)) throw new InvalidParameterError(index, 'the value contains a circular reference');
  if (seen.size >= MAX_PARAMETER_DEPTH) throw new InvalidParameterError(index, `the value nests deeper than ${MAX_PARAMETER_DEPTH} levels`);
  seen.add(value);
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** A parameter as the native side accepts it. */
export type WireParam = string | Buffer | null;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `2026-06-13T14:00:00.000+01:00` in the process's timezone (`BC` suffix for year ≤ 0). */
export function dateToString(date: Date): string {
  let year = date.getFullYear();
  const bc = year < 1;
  if (bc) year = Math.abs(year) + 1;
  let out =
    `${pad(year, 4)}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)}` +
    `T${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
  let offset = -date.getTimezoneOffset();
  out += offset < 0 ? '-' : '+';
  offset = Math.abs(offset);
  out += `${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`;
  return bc ? `${out} BC` : out;
}

function quoteElement(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function arrayLiteral(values: unknown[], index: number, seen: Set<unknown>): string {
  const parts = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) {
      enter(v, index, seen);
      try {
        return arrayLiteral(v, index, seen);
      } finally {
        seen.delete(v);
      }
    }
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return quoteElement(`\\x${Buffer.from(v).toString('hex')}`);
    const text = serialise(v, index, seen);
    return typeof text === 'string' ? quoteElement(text) : 'NULL';
  });
  return `{${parts.join(',')}}`;
}

function serialise(value: unknown, index: number, seen: Set<unknown>): WireParam {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return String(value);
    case 'bigint':
      if (value < INT8_MIN || value > INT8_MAX) {
        throw new InvalidParameterError(index, `BigInt ${value} is outside the int8 range`);
      }
      return value.toString();
    case 'function':
      throw new InvalidParameterError(index, 'a function cannot be sent as a parameter');
    case 'symbol':
      throw new InvalidParameterError(index, 'a symbol cannot be sent as a parameter');
    default:
      break;
  }
  if (value === null) return null;
  // A Proxy of a Buffer passes isBuffer but is not a view the native side can read.
  if (Buffer.isBuffer(value) && ArrayBuffer.isView(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidParameterError(index, 'Invalid Date');
    return dateToString(value);
  }
  enter(value, index, seen);
  try {
    if (Array.isArray(value)) return arrayLiteral(value, index, seen);
    const custom = (value as { toPostgres?: unknown }).toPostgres;
    if (typeof custom === 'function') return serialise(custom.call(value, (v: unknown) => serialise(v, index, seen)), index, seen);
    try {
      return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (err) {
      throw new InvalidParameterError(index, `cannot be serialised as JSON (${thrownText(err)})`, { cause: err });
    }
  } finally {
    seen.delete(value);
  }
}

/**
 * Serialises every parameter; throws {@link InvalidParameterError} naming the first bad one.
 * A read or conversion that throws (a getter, a Proxy trap, `toPostgres`, `toJSON`) is an
 * `InvalidParameterError` for that parameter with what was thrown as its `cause`.
 */
export function prepareParams(values: readonly unknown[] | undefined): WireParam[] {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new InvalidParameterError(0, 'parameters must be an array');
  let out: WireParam[];
  try {
    out = new Array<WireParam>(values.length);
  } catch (cause) {
    throw new InvalidParameterError(0, 'the parameter array cannot be read', { cause });
  }
  for (let i = 0; i < out.length; i++) {
    try {
      out[i] = serialise(values[i], i, new Set());
    } catch (err) {
      if (err instanceof WedPoolError) throw err;
      throw new InvalidParameterError(i, 'reading or converting it threw', { cause: err });
    }
  }
  return out;
}
