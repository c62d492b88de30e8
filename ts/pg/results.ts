/** Results shaped as node-postgres shapes them, with pg-style type parsers applied. */
import type { NativeResult } from '../native';
import { objectRows, shapeResult, unpackResult } from '../results';
import type { FieldDef } from '../types';

/** A type parser: receives the server's text form of a non-NULL value. */
export type TypeParser = (value: string) => unknown;

/** pg's `types` option: `pg.types` itself, or any object with `getTypeParser`. */
export interface CustomTypesConfig {
  /** The parser for a type OID in `format` (`'text'`; WedPool never asks for `'binary'`). */
  getTypeParser(oid: number, format?: 'text' | 'binary' | string): TypeParser | unknown;
}

/** What a statement returned, as pg's `Result`. */
export interface QueryResult<R = any> {
  /** The command (`SELECT`, `INSERT`, …). */
  command: string;
  /** Rows returned or affected; `null` for commands without a count (`BEGIN`, `CREATE TABLE`, …), as pg. */
  rowCount: number | null;
  /** The OID of an inserted row: 0 for `INSERT`, else `null`, as pg. */
  oid: number | null;
  /** Rows: objects keyed by column name, or arrays with `rowMode: 'array'`. */
  rows: R[];
  /** The columns. */
  fields: FieldDef[];
  /** Whether rows are arrays. */
  rowAsArray: boolean;
}

/** Shapes a native result; `types`, when given, parses every column from the server's text. */
export function toPgResult<R>(native: NativeResult, rowMode: string | undefined, types: CustomTypesConfig | undefined): QueryResult<R> {
  const asArray = rowMode === 'array';
  let base: { command: string; rowCount: number | null; rows: R[]; fields: FieldDef[] };
  if (types) {
    const { command, rowCount, fields, rows } = unpackResult(native);
    const parsers = fields.map((f) => {
      const parser = types.getTypeParser(f.dataTypeID, 'text');
      return typeof parser === 'function' ? (parser as TypeParser) : undefined;
    });
    for (const row of rows) {
      for (let c = 0; c < parsers.length; c++) {
        const parse = parsers[c];
        if (parse && row[c] !== null) row[c] = parse(row[c] as string);
      }
    }
    const shaped = asArray ? rows : objectRows(fields, rows);
    base = { command, rowCount, rows: shaped as R[], fields };
  } else {
    base = shapeResult<R>(native, { rowMode: asArray ? 'array' : 'object' });
  }
  const command = base.command;
  return {
    command,
    rowCount: base.rowCount,
    oid: command === 'INSERT' ? 0 : null,
    rows: base.rows,
    fields: base.fields,
    rowAsArray: asArray,
  };
}
