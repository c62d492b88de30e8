// The demo's tables (weddings, guests, vendors, timeline events, payments) in a schema of their
// own, so the demo can share a database with anything else, and the statements each request runs.
import { TIMEZONES } from './config.mjs';

export const WEDDINGS_PER_ZONE = 12;
const GUESTS_PER_WEDDING = 100;
const VENDORS_PER_WEDDING = 8;
const EVENTS_PER_WEDDING = 10;

/** A schema name unique to this process. */
export const schemaName = () => `wedpool_demo_${process.pid}`;

/** Creates the schema and its tables. `query(sql, params)` runs one statement. */
export async function createSchema(query, s) {
  await query(`drop schema if exists ${s} cascade`);
  await query(`create schema ${s}`);
  await query(`create table ${s}.weddings (
    id int primary key, couple text not null, timezone text not null, ceremony_at timestamptz not null)`);
  await query(`create table ${s}.guests (
    id int primary key, wedding_id int not null references ${s}.weddings, name text not null,
    rsvp text not null default 'pending', responded_at timestamptz)`);
  await query(`create table ${s}.vendors (
    id int primary key, wedding_id int not null references ${s}.weddings, kind text not null, checked_in_at timestamptz)`);
  await query(`create table ${s}.timeline_events (
    id int primary key, wedding_id int not null references ${s}.weddings, kind text not null,
    starts_at timestamptz not null, status text not null default 'planned', updated_at timestamptz)`);
  await query(`create index on ${s}.timeline_events (wedding_id, kind)`);
  await query(`create table ${s}.payments (
    id bigserial primary key, wedding_id int not null references ${s}.weddings, vendor_id int not null,
    amount_cents int not null, paid_at timestamptz not null)`);
}

/** Empties the tables and seeds the weekend's weddings (the same data before each run). */
export async function seed(query, s) {
  await query(`truncate ${s}.payments, ${s}.timeline_events, ${s}.vendors, ${s}.guests, ${s}.weddings restart identity`);
  const zones = TIMEZONES.map((t) => t.zone);
  // Wedding ids: (timezone index + 1) * 100 + 1..12; ceremonies on Saturday 13:00–16:30 local.
  await query(
    `insert into ${s}.weddings (id, couple, timezone, ceremony_at)
     select (z.i * 100) + w, 'Couple ' || z.i || '-' || w, z.zone,
            ('2026-06-13 13:00'::timestamp + ((w % 8) * interval '30 minutes')) at time zone z.zone
       from unnest($1::text[]) with ordinality as z(zone, i), generate_series(1, $2::int) as w`,
    [zones, WEDDINGS_PER_ZONE],
  );
  await query(
    `insert into ${s}.guests (id, wedding_id, name)
     select w.id * 1000 + g, w.id, 'Guest ' || g from ${s}.weddings w, generate_series(1, $1::int) as g`,
    [GUESTS_PER_WEDDING],
  );
  await query(
    `insert into ${s}.vendors (id, wedding_id, kind)
     select w.id * 100 + v, w.id, (array['florist','photographer','caterer','band','venue','cake','hair','transport'])[v]
       from ${s}.weddings w, generate_series(1, $1::int) as v`,
    [VENDORS_PER_WEDDING],
  );
  await query(
    `insert into ${s}.timeline_events (id, wedding_id, kind, starts_at)
     select w.id * 100 + e, w.id,
            (array['ceremony','hair','photos','drinks','dinner','speeches','first dance','cake','party','send-off'])[e],
            w.ceremony_at + (e - 1) * interval '45 minutes'
       from ${s}.weddings w, generate_series(1, $1::int) as e`,
    [EVENTS_PER_WEDDING],
  );
}

/**
 * The statements of each operation: `[sql, params]` for request `r`. Every operation ends with
 * a short pg_sleep, standing in for the application's work while it holds the connection.
 */
export function operations(s) {
  const sleep = (ms) => ['select pg_sleep($1::float8 / 1000)', [ms]];
  const at = (r) => new Date(r.sim);
  return {
    rsvp: (r) => [
      [`update ${s}.guests set rsvp = $1, responded_at = $2 where id = $3`, [r.guest % 5 === 0 ? 'declined' : 'accepted', at(r), r.weddingId * 1000 + r.guest]],
      sleep(20),
    ],
    guestView: (r) => [
      [`select kind, starts_at from ${s}.timeline_events where wedding_id = $1 order by starts_at`, [r.weddingId]],
      sleep(12),
    ],
    vendorCheckIn: (r) => [
      [`update ${s}.vendors set checked_in_at = $1 where id = $2`, [at(r), r.weddingId * 100 + r.vendor]],
      sleep(25),
    ],
    timelineUpdate: (r) => [
      [`update ${s}.timeline_events set status = $1, updated_at = $2 where id = $3`, [r.event % 3 === 0 ? 'running late' : 'done', at(r), r.weddingId * 100 + r.event]],
      sleep(25),
    ],
    payment: (r) => [
      [
        `insert into ${s}.payments (wedding_id, vendor_id, amount_cents, paid_at) values ($1, $2, $3, $4) returning id`,
        [r.weddingId, r.weddingId * 100 + r.vendor, 25_000 + r.guest * 1_000, at(r)],
      ],
      sleep(30),
    ],
    ceremonyChange: (r) => [
      [`update ${s}.timeline_events set starts_at = starts_at + make_interval(mins => $1), updated_at = $2 where wedding_id = $3`, [r.minutes, at(r), r.weddingId]],
      sleep(25),
    ],
  };
}

/** Row counts after a run, as a check that the traffic did real work. */
export async function tableCounts(query, s) {
  const { rows } = await query(
    `select (select count(*) from ${s}.guests where responded_at is not null)::int as rsvps,
            (select count(*) from ${s}.vendors where checked_in_at is not null)::int as vendors_checked_in,
            (select count(*) from ${s}.timeline_events where updated_at is not null)::int as events_updated,
            (select count(*) from ${s}.payments)::int as payments`,
  );
  return rows[0];
}

export async function dropSchema(query, s) {
  await query(`drop schema if exists ${s} cascade`);
}
