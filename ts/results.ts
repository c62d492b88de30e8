/** Shapes native results into what node-postgres returns. */
import type { NativeResult } from './native';
import type { QueryOptions, QueryResult } from './types';

const JSON_OIDS = new Set([114, 3802]);
const JSON_ARRAY_OIDS = new Set([199, 3807]);

function parseJsonDeep(value: unknown): unknown {
  if (typeof value === 'string') return JSON.parse(value);
  if (Array.isArray(value)) return value.map(parseJsonDeep);
  return value;
}

/** Parses JSON columns and builds row objects (or keeps arrays for `rowMode: 'array'`). */
export function shapeResult<R>(native: NativeResult, options?: QueryOptions): QueryResult<R> {
  const fields = native.fields;
  const rows = native.rows as unknown[][];
  for (let c = 0; c < fields.length; c++) {
    const oid = fields[c].dataTypeID;
    const parse = JSON_OIDS.has(oid) ? JSON.parse : JSON_ARRAY_OIDS.has(oid) ? parseJsonDeep : undefined;
    if (!parse) continue;
    for (const row of rows) {
      if (row[c] !== null) row[c] = parse(row[c] as string);
    }
  }
  let shaped: unknown[];
  if (options?.rowMode === 'array') {
    shaped = rows;
  } else {
    const names = fields.map((f) => f.name);
    shaped = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      const obj: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) obj[names[c]] = row[c];
      shaped[r] = obj;
    }
  }
  return { command: native.command, rowCount: native.rowCount ?? null, rows: shaped as R[], fields };
}
