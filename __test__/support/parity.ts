// Parity helpers: the same query through WedPool and node-postgres (`pg`) on the test server,
// compared value by value. Used by the types*.spec.ts files.
import { isDeepStrictEqual } from 'node:util';

import type pg from 'pg';
import { expect } from 'vitest';

import type { QueryResult, WeddingAwareConnectionPool } from '../../dist/index.js';
import { useWedPoolAndPg } from './peers';

/** Result rows as objects. */
export type Rows = Record<string, unknown>[];

/** What a parity spec file needs; call once at the top level of the file. */
export interface Parity {
  /** The WedPool pool. */
  wed(): WeddingAwareConnectionPool;
  /** The node-postgres client. */
  client(): pg.Client;
  /** Runs `sql` through both; returns both results. */
  both(sql: string, params?: unknown[]): Promise<{ wed: QueryResult; pg: pg.QueryResult }>;
  /** Asserts WedPool returns exactly pg's rows and column types; returns WedPool's rows. */
  expectSameAsPg(sql: string, params?: unknown[]): Promise<Rows>;
  /** Like expectSameAsPg for many rows, reporting only the differing ones. */
  expectSameRowsAsPg(sql: string): Promise<void>;
  /**
   * Asserts column `v` of `sql` comes back as the server's text output of the value.
   * `format('%s', v)` calls the type's output function; `v::text` is the same for most types
   * but not for inet, whose text() cast always appends the netmask.
   */
  expectServerText(sql: string): Promise<Rows>;
}

/** Opens a WedPool pool and a pg client for the spec file and returns the comparisons. */
export function useParity(): Parity {
  const peers = useWedPoolAndPg();
  const both: Parity['both'] = async (sql, params) => {
    const [w, p] = await Promise.all([peers.wed().query(sql, params as never), peers.pg().query(sql, params)]);
    return { wed: w, pg: p };
  };
  return {
    wed: peers.wed,
    client: peers.pg,
    both,
    async expectSameAsPg(sql, params) {
      const r = await both(sql, params);
      expect(r.wed.rows).toEqual(r.pg.rows);
      expect(r.wed.fields.map((f) => [f.name, f.dataTypeID])).toEqual(r.pg.fields.map((f) => [f.name, f.dataTypeID]));
      return r.wed.rows;
    },
    async expectSameRowsAsPg(sql) {
      const r = await both(sql);
      expect(r.wed.rows.length).toBe(r.pg.rows.length);
      const differing = [];
      for (let i = 0; i < r.pg.rows.length; i++) {
        if (!isDeepStrictEqual(r.wed.rows[i], r.pg.rows[i])) differing.push({ row: i, wedpool: r.wed.rows[i], pg: r.pg.rows[i] });
      }
      expect(differing.slice(0, 10)).toEqual([]);
    },
    async expectServerText(sql) {
      const { rows } = await peers.wed().query<{ v: unknown; t: string | null }>(`select v, format('%s', v) as t from (${sql}) s(v)`);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.v)).toEqual(rows.map((r) => r.t));
      return rows;
    },
  };
}

/** A VALUES list of quoted literals: `('a'), ('b')`, the first one cast to `cast`. */
export function values(literals: string[], cast: string): string {
  return `values ${literals.map((l, i) => `(${l === 'NULL' ? 'NULL' : `'${l.replace(/'/g, "''")}'`}${i === 0 ? `::${cast}` : ''})`).join(', ')}`;
}
