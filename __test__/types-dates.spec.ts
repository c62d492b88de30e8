// Dates and timestamps: WedPool must return the same instants as node-postgres, reading `date`
// and `timestamp` in the process's local time zone (checked here, and in other zones through
// child processes with TZ set).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { useParity, values } from './support/parity';
import { DATABASE_URL } from './support/pool';

const { expectSameAsPg, expectSameRowsAsPg } = useParity();
const execFileAsync = promisify(execFile);

describe('dates and timestamps (process-local time zone, like pg)', () => {
  it('date comes back as local midnight of that day', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13'::date), ('1970-01-01'), ('1969-12-31'), ('2000-02-29'), ('1900-01-01'),
              ('1800-06-15'), ('0099-12-31'), ('0001-01-01'), ('0044-03-15 BC'), ('9999-12-31'), ('12345-01-01')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date(2026, 5, 13));
    expect(rows[4].v).toEqual(new Date(1900, 0, 1));
  });

  it('timestamp without time zone is read as local wall-clock time, microseconds truncated to ms', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13 14:30:00'::timestamp), ('2026-06-13 14:30:00.123456'), ('2026-06-13 14:30:00.999999'),
              ('1969-12-31 23:59:59.9995'), ('1900-01-01 00:00:00.001'), ('1850-07-04 12:00:00'), ('0099-12-31 23:59:59.999'),
              ('0001-01-01 00:00:00'), ('0001-01-01 00:00:00 BC'), ('2026-01-01 00:00:00.000001')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date(2026, 5, 13, 14, 30));
    expect(rows[1].v).toEqual(new Date(2026, 5, 13, 14, 30, 0, 123));
  });

  it('every millisecond fraction of a timestamp comes back like pg', async () => {
    await expectSameRowsAsPg(
      `select timestamp '2026-01-01 00:00:00' + make_interval(secs => g / 1000.0) as v from generate_series(0, 999) g`,
    );
    await expectSameRowsAsPg(
      `select timestamp '1960-01-01 00:00:00' + make_interval(secs => g / 1000000.0) as v from generate_series(0, 999999, 997) g`,
    );
  });

  it('timestamptz comes back as the same instant', async () => {
    const rows = await expectSameAsPg(
      `select v from (values ('2026-06-13 12:34:56.789+00'::timestamptz), ('2026-06-13 12:34:56.789123+05:30'),
              ('1969-12-31 23:59:59.999-08'), ('1883-11-18 12:00:00+00'), ('0001-01-01 00:00:00+00'),
              ('0010-06-01 00:00:00+00 BC'), ('2200-01-01 00:00:00+00')) s(v)`,
    );
    expect(rows[0].v).toEqual(new Date('2026-06-13T12:34:56.789Z'));
    expect(rows[1].v).toEqual(new Date('2026-06-13T07:04:56.789Z'));
  });

  it('infinite dates and timestamps come back as the numbers Infinity and -Infinity, like pg', async () => {
    // pg (postgres-date) returns the *number* ±Infinity rather than a Date for infinite values;
    // WedPool does the same, so `v instanceof Date` is false for these.
    const rows = await expectSameAsPg(
      `select 'infinity'::timestamptz as a, '-infinity'::timestamptz as b, 'infinity'::timestamp as c,
              '-infinity'::timestamp as d, 'infinity'::date as e, '-infinity'::date as f,
              array['infinity'::timestamptz, '-infinity', null] as g, array['-infinity'::date] as h`,
    );
    expect(rows[0]).toEqual({ a: Infinity, b: -Infinity, c: Infinity, d: -Infinity, e: Infinity, f: -Infinity, g: [Infinity, -Infinity, null], h: [-Infinity] });
  });

  it('fifteen thousand dates from 1800 to 2087 match pg', async () => {
    await expectSameRowsAsPg(`select date '1800-01-01' + g * 7 as v from generate_series(0, 15000) g`);
  });

  it('twenty thousand timestamps and timestamptz from 1850 to 2100 match pg', async () => {
    await expectSameRowsAsPg(
      `select (timestamp '1850-01-01' + g * interval '12345 seconds 678901 microseconds' * 32)::text as label,
              timestamp '1850-01-01' + g * interval '12345 seconds 678901 microseconds' * 32 as v,
              timestamptz '1850-01-01 00:00:00+00' + g * interval '12345 seconds 678901 microseconds' * 32 as w
         from generate_series(0, 20000) g`,
    );
  });

  it('wall times inside local DST transitions (gaps and overlaps) resolve like pg in the current time zone', async () => {
    // Only meaningful when the process runs in one of these zones (e.g. TZ=America/New_York or
    // TZ=Europe/Berlin); in UTC every value is an ordinary wall time. See the child-process
    // tests below for a run that does not depend on the process's zone.
    await expectSameAsPg(
      `select v from (values ('2026-03-08 02:30'::timestamp), ('2026-11-01 01:30'), ('2026-11-01 01:00'), ('2026-11-01 01:59:59.999'),
              ('2040-11-04 01:30'), ('2085-11-04 01:12:56.134'), ('2026-03-29 02:30'), ('2026-10-25 02:30'), ('2026-03-29 00:30')) s(v)`,
    );
  });
});

describe('dates and timestamps in other time zones (child processes with TZ set)', () => {
  const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const pgPath = createRequire(import.meta.url).resolve('pg');

  /** Runs `sql` (columns `label` text and `v`) in a child process with `TZ=tz`; returns ISO strings per label. */
  async function inZone(tz: string, sql: string): Promise<{ wed: Record<string, string>; pg: Record<string, string> }> {
    const script = `
      const { WeddingAwareConnectionPool } = require(${JSON.stringify(distIndex)});
      const pg = require(${JSON.stringify(pgPath)});
      const show = (rows) => Object.fromEntries(rows.map((r) => [r.label, r.v instanceof Date ? r.v.toISOString() : String(r.v)]));
      (async () => {
        const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        try {
          const sql = ${JSON.stringify(sql)};
          const [w, p] = await Promise.all([pool.query(sql), client.query(sql)]);
          process.stdout.write(JSON.stringify({ wed: show(w.rows), pg: show(p.rows) }));
        } finally {
          await client.end();
          await pool.end();
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', script], {
      env: { ...process.env, TZ: tz, DATABASE_URL: DATABASE_URL() },
      timeout: 20_000,
    });
    return JSON.parse(stdout);
  }

  const zoneSql = (stamps: string[], cast: string): string =>
    `select v::text as label, v from (${values(stamps, cast)}) s(v)`;

  it('ordinary dates and timestamps in America/New_York match pg', async () => {
    const r = await inZone(
      'America/New_York',
      zoneSql(['2026-06-13 14:30:00', '2026-01-15 08:00:00.123', '1883-11-18 11:00:00', '1850-01-01 00:00:00', '0044-03-15 12:00:00 BC'], 'timestamp'),
    );
    expect(r.wed).toEqual(r.pg);
    const d = await inZone('America/New_York', zoneSql(['2026-06-13', '2026-01-15', '1883-11-18', '1800-01-01', '0001-01-01'], 'date'));
    expect(d.wed).toEqual(d.pg);
  });

  it('a timestamp inside a DST overlap resolves to the earlier instant (daylight time), like pg, in America/New_York', async () => {
    // 2026-11-01 01:30 happens twice in New York; JavaScript's Date (and so pg) picks the first
    // occurrence, 01:30 EDT = 05:30Z.
    const r = await inZone('America/New_York', zoneSql(['2026-11-01 01:30:00', '2026-11-01 01:00:00', '2040-11-04 01:30:00', '2085-11-04 01:12:56.134'], 'timestamp'));
    expect(r.pg['2026-11-01 01:30:00']).toBe('2026-11-01T05:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST overlap resolves to the earlier instant (summer time), like pg, in Europe/Berlin', async () => {
    const r = await inZone('Europe/Berlin', zoneSql(['2026-10-25 02:30:00', '2026-10-25 02:00:00'], 'timestamp'));
    expect(r.pg['2026-10-25 02:30:00']).toBe('2026-10-25T00:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST gap moves forward by the gap, like pg, in America/New_York', async () => {
    const r = await inZone('America/New_York', zoneSql(['2026-03-08 02:30:00', '2026-03-08 02:00:00'], 'timestamp'));
    expect(r.pg['2026-03-08 02:30:00']).toBe('2026-03-08T07:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('a timestamp inside a DST gap moves forward by the gap, like pg, in Europe/Berlin (east of UTC)', async () => {
    // 02:30 does not exist on 2026-03-29 in Berlin; JavaScript reads it as 03:30 CEST = 01:30Z.
    const r = await inZone('Europe/Berlin', zoneSql(['2026-03-29 02:30:00', '2026-03-29 02:00:00'], 'timestamp'));
    expect(r.pg['2026-03-29 02:30:00']).toBe('2026-03-29T01:30:00.000Z');
    expect(r.wed).toEqual(r.pg);
  });

  it('dates and timestamps at a midnight DST gap match pg in Asia/Beirut and America/Sao_Paulo', async () => {
    const runs = await Promise.all([
      inZone('Asia/Beirut', zoneSql(['2026-03-29 00:30:00', '2026-03-29 00:00:00', '2026-03-28 23:30:00'], 'timestamp')),
      inZone('Asia/Beirut', zoneSql(['2026-03-29', '2026-03-28'], 'date')),
      inZone('America/Sao_Paulo', zoneSql(['2018-11-04', '2018-11-03'], 'date')),
      inZone('America/Sao_Paulo', zoneSql(['2018-11-04 00:30:00'], 'timestamp')),
    ]);
    expect(runs.map((r) => r.wed)).toEqual(runs.map((r) => r.pg));
  });
});
