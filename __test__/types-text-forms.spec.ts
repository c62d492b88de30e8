// Types without a JavaScript counterpart come back in PostgreSQL's own text form, checked against
// the server's output function (pg differs for some: it returns interval as an object).
import { describe, expect, it } from 'vitest';

import { useParity, values } from './support/parity';
import { makePool } from './support/pool';

const { wed, expectSameAsPg, expectServerText } = useParity();

describe("types returned in PostgreSQL's text form", () => {
  it('interval comes back as the server text form (pg returns a PostgresInterval object instead)', async () => {
    await expectServerText(
      values(['1 year 2 mons 3 days 04:05:06.5', '0', '100 hours', '-00:00:01.5', '1 day -1 hour', '11 mons', '00:00:00.000001', '178000000 years', '3 days'], 'interval'),
    );
  });

  it('negative intervals come back as the server text form (plural units, "+" after a negative part)', async () => {
    const rows = await expectServerText(values(['-1 year', '-14 months', '1 mon -1 day', '-1 days 1 hour', '-1 mon +1 hour', '-1 day'], 'interval'));
    expect(rows.map((r) => r.v)).toEqual(['-1 years', '-1 years -2 mons', '1 mon -1 days', '-1 days +01:00:00', '-1 mons +01:00:00', '-1 days']);
  });

  it('time and timetz come back as the server text form', async () => {
    await expectServerText(values(['12:34:56.789', '24:00:00', '00:00:00.000001', '00:00'], 'time'));
    await expectServerText(values(['12:34:56.789+05:30', '00:00-03', '23:59:59.5+14', '12:00+05:45:30', '12:00-00'], 'timetz'));
    // pg returns both as strings too.
    await expectSameAsPg(`select '12:34:56.789'::time as a, '12:34:56.789+05:30'::timetz as b`);
  });

  it('inet and cidr come back as the server text form and as pg returns them', async () => {
    const inets = ['1.2.3.4', '10.0.0.1/8', '::1', '2001:db8::1/64', '::ffff:1.2.3.4', '1:0:2:3:4:5:6:7', '2001:db8:0:0:1:0:0:1', 'fe80::', '::', '255.255.255.255/0'];
    await expectServerText(values(inets, 'inet'));
    const cidrs = ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', '1.2.3.4/32', '::/0'];
    await expectServerText(values(cidrs, 'cidr'));
    await expectSameAsPg(`select v from (${values(inets, 'inet')}) s(v)`);
    await expectSameAsPg(`select v from (${values(cidrs, 'cidr')}) s(v)`);
  });

  it('an IPv4-compatible IPv6 inet (::1.2.3.4) comes back as the server text form', async () => {
    await expectServerText(values(['::1.2.3.4', '::10.0.0.1/120'], 'inet'));
  });

  it('macaddr comes back as the server text form', async () => {
    await expectServerText(values(['08:00:2b:01:02:03', '08-00-2B-01-02-03', '0800.2b01.0203'], 'macaddr'));
    await expectSameAsPg(`select '08:00:2b:01:02:03'::macaddr as v`);
  });

  it('money comes back as the server text form (currency symbol and grouping included)', async () => {
    await expectServerText(values(['0', '-0.01', '1234.56', '-1234567.89', '92233720368547758.07', '0.5'], 'money'));
    // pg returns money as the same text.
    await expectSameAsPg(`select '1234.56'::money as v, array['1'::money] as a`);
  });

  it('enum values come back as their labels; enum arrays as arrays of labels (pg returns the literal)', async () => {
    const conn = await wed().getConnection();
    try {
      await conn.query('begin');
      await conn.query(`create type wp_mood as enum ('sad', 'happy', 'with space')`);
      const { rows } = await conn.query(`select 'happy'::wp_mood as v, format('%s', 'happy'::wp_mood) as t, '{sad,"with space",NULL}'::wp_mood[] as a`);
      // Deliberate difference: pg has no parser for the enum's array type and returns '{sad,"with space",NULL}'.
      expect(rows).toEqual([{ v: 'happy', t: 'happy', a: ['sad', 'with space', null] }]);
    } finally {
      await conn.query('rollback');
      conn.release();
    }
  });

  it('interval[] elements come back as the server text form', async () => {
    const { rows } = await wed().query(
      `select array['1 day'::interval, '-1 year', null, '01:02:03'] as v,
              array(select format('%s', e) from unnest(array['1 day'::interval, '-1 year', null, '01:02:03']) e) as t`,
    );
    expect(rows[0].v).toEqual((rows[0].t as (string | null)[]).map((x) => (x === '' ? null : x)));
  });

  it('types without a dedicated decoder (ranges, bit strings, macaddr8, tsvector, point, box) come back as the server text form', async () => {
    const cases: Record<string, string> = {
      int4range: `'[1,5)'::int4range`,
      empty_range: `'empty'::int4range`,
      tsrange: `'[2026-01-01,2026-02-01)'::tsrange`,
      varbit: `B'101'::varbit`,
      bit: `B'0000'::bit(4)`,
      macaddr8: `'08:00:2b:01:02:03:04:05'::macaddr8`,
      tsvector: `'a fat cat'::tsvector`,
      point: `'(1,2)'::point`,
      box: `'((0,0),(1,1))'::box`,
    };
    const sql = `select ${Object.entries(cases).map(([k, e]) => `${e} as ${k}, format('%s', ${e}) as ${k}_text`).join(', ')}`;
    const { rows } = await wed().query(sql);
    const actual = Object.fromEntries(Object.keys(cases).map((k) => [k, rows[0][k]]));
    const expected = Object.fromEntries(Object.keys(cases).map((k) => [k, rows[0][`${k}_text`]]));
    expect(actual).toEqual(expected);
  });

  it('xml comes back as a string like pg', async () => {
    await expectSameAsPg(`select '<a>x</a>'::xml as v`);
  });

  it('xid comes back as text like pg; reg* types come back as their OID in text form', async () => {
    // Deliberate difference: the text of a reg* value is an object name only the server can
    // look up (pg gets 'now'); WedPool decodes the binary OID and returns it as text.
    const xid = await expectSameAsPg(`select '5'::xid as x`);
    expect(xid).toEqual([{ x: '5' }]);
    const pool = makePool();
    const { rows } = await pool.query(`select 'now'::regproc as r, 'now'::regproc::oid::text as oid`);
    expect(rows[0].r).toBe(rows[0].oid);
  });
});
