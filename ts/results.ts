/** Unpacks native results and shapes them into what node-postgres returns. */
import type { NativeResult } from './native';
import type { FieldDef, QueryOptions, QueryResult } from './types';

const JSON_OIDS = new Set([114, 3802]);
const JSON_ARRAY_OIDS = new Set([199, 3807]);

/** What `NativeResult.packed` holds (`src/packed_result.rs`). */
interface Packed {
  fields: FieldDef[];
  rows: unknown[][];
  /** Columns whose cells are milliseconds, to become `Date`s. */
  dates: number[];
  /** Columns whose JSON cells are already parsed (their text was embedded). */
  parsed: number[];
}

/** A native result with rows as arrays: dates built, every cell in place, JSON parsed where `parsed` says. */
export interface UnpackedResult {
  command: string;
  rowCount: number | null;
  fields: FieldDef[];
  rows: unknown[][];
  /** Columns whose JSON cells are already parsed. */
  parsed: readonly number[];
}

/** Parses the packed text, turns date columns into `Date`s and puts the extra columns' cells in place. */
export function unpackResult(native: NativeResult): UnpackedResult {
  const packed = JSON.parse(native.packed) as Packed;
  const rows = packed.rows;
  const dates = packed.dates;
  if (dates.length > 0) {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (let i = 0; i < dates.length; i++) {
        const c = dates[i];
        const ms = row[c];
        if (ms !== null) row[c] = new Date(ms as number);
      }
    }
  }
  const extras = native.extras;
  if (extras) {
    for (const { column, cells } of extras) {
      for (let r = 0; r < rows.length; r++) rows[r][column] = cells[r];
    }
  }
  return { command: native.command, rowCount: native.rowCount ?? null, fields: packed.fields, rows, parsed: packed.parsed };
}

function parseJsonDeep(value: unknown): unknown {
  if (typeof value === 'string') return JSON.parse(value);
  if (Array.isArray(value)) return value.map(parseJsonDeep);
  return value;
}

/** Rows as objects keyed by column name (a later column wins a repeated name, as in node-postgres). */
export function objectRows(fields: readonly FieldDef[], rows: unknown[][]): Record<string, unknown>[] {
  const names = fields.map((f) => f.name);
  const out = new Array<Record<string, unknown>>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const obj: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) obj[names[c]] = row[c];
    out[r] = obj;
  }
  return out;
}

/** Parses JSON columns and builds row objects (or keeps arrays for `rowMode: 'array'`). */
export function shapeResult<R>(native: NativeResult, options?: QueryOptions): QueryResult<R> {
  const { command, rowCount, fields, rows, parsed } = unpackResult(native);
  for (let c = 0; c < fields.length; c++) {
    const oid = fields[c].dataTypeID;
    const parse = JSON_OIDS.has(oid) ? JSON.parse : JSON_ARRAY_OIDS.has(oid) ? parseJsonDeep : undefined;
    if (!parse || parsed.includes(c)) continue;
    for (const row of rows) {
      if (row[c] !== null) row[c] = parse(row[c] as string);
    }
  }
  const shaped = options?.rowMode === 'array' ? rows : objectRows(fields, rows);
  return { command, rowCount, rows: shaped as R[], fields };
}
