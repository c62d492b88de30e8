/** The arguments of pg's `query(text | config, values?, callback?)`, normalised. */
import { WedPoolError } from '../errors';
import type { CustomTypesConfig, QueryResult } from './results';

/** pg's query config object. */
export interface QueryConfig<V extends unknown[] = unknown[]> {
  /** The statement, with `$1`, `$2`, … placeholders. */
  text: string;
  /** Parameter values. */
  values?: V;
  /** `'array'`: rows as arrays in column order. */
  rowMode?: 'array' | string;
  /** A statement name (pg prepares named statements once per connection; WedPool prepares every statement once per connection, so the name is accepted and not needed). */
  name?: string;
  /** Type parsers for this query (override the pool's). */
  types?: CustomTypesConfig;
  /** Client-side deadline in ms for this query. */
  query_timeout?: number;
  /** A callback, as pg accepts in the config. */
  callback?: QueryCallback;
}

/** `(err, result)`: `err` is `null` on success for a client's query, as pg. */
export type QueryCallback<R = any> = (err: Error | null | undefined, result: QueryResult<R>) => void;

/** An object pg would `submit()` to its connection (pg-cursor, pg-query-stream, pg's own Query). */
export interface Submittable {
  /** pg calls it with its connection. */
  submit: (connection: unknown) => void;
}

/** A normalised query. */
export interface NormalisedQuery {
  text: string;
  values: unknown[] | undefined;
  rowMode: string | undefined;
  types: CustomTypesConfig | undefined;
  queryTimeout: number | undefined;
  callback: QueryCallback | undefined;
}

/** The error for a submittable: thrown at once, so nothing waits on rows that never come. */
export class UnsupportedSubmittableError extends WedPoolError {
  constructor() {
    super(
      'wedpool/pg does not run submittables (pg-cursor, pg-query-stream, custom Query objects): they drive ' +
        "node-postgres's own socket, which WedPool does not have. Page with LIMIT/keyset queries through " +
        'client.query(), or use a dedicated pg.Client for cursors and streams.',
      'UNSUPPORTED_SUBMITTABLE',
    );
  }
}

/** Whether `value` is a submittable (has a `submit` function). */
export function isSubmittable(value: unknown): value is Submittable {
  return typeof value === 'object' && value !== null && typeof (value as Submittable).submit === 'function';
}

/**
 * Normalises pg's argument forms. Throws synchronously as pg does for a missing query
 * (`TypeError`) and for submittables ({@link UnsupportedSubmittableError}).
 */
export function normaliseQuery(config: unknown, values: unknown, callback: unknown): NormalisedQuery {
  if (config === null || config === undefined) throw new TypeError('Client was passed a null or undefined query');
  if (isSubmittable(config)) throw new UnsupportedSubmittableError();
  let cb = typeof callback === 'function' ? (callback as QueryCallback) : undefined;
  let vals: unknown[] | undefined;
  if (typeof values === 'function') cb = values as QueryCallback;
  else if (values !== undefined && values !== null) vals = values as unknown[];
  if (typeof config === 'string') {
    return { text: config, values: vals, rowMode: undefined, types: undefined, queryTimeout: undefined, callback: cb };
  }
  if (typeof config !== 'object') throw new TypeError(`query must be a string or a query config object, got ${typeof config}`);
  const q = config as QueryConfig;
  if (typeof q.text !== 'string') throw new TypeError('the query config has no text');
  return {
    text: q.text,
    values: vals ?? q.values,
    rowMode: q.rowMode,
    types: q.types,
    queryTimeout: q.query_timeout,
    callback: cb ?? (typeof q.callback === 'function' ? q.callback : undefined),
  };
}
