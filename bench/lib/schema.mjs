// The realistic wedding-guest table W6 reads: text, int, timestamptz, jsonb, uuid and
// numeric columns, W6_TABLE_ROWS rows, created once per run by the orchestrator and dropped
// at the end (the throwaway server is removed anyway; DATABASE_URL is left as it was).
import { W6_TABLE_ROWS } from '../config.mjs';

export const GUESTS_TABLE = 'wedpool_bench_guests';

export const GUESTS_QUERY =
  `select guest_name, party_size, rsvp_at, preferences, guest_id, gift_amount from ${GUESTS_TABLE} where seat <= $1 order by seat`;

/** Creates and fills the table with a pg Client (fresh each run, deterministic contents). */
export async function createGuests(client) {
  await client.query(`drop table if exists ${GUESTS_TABLE}`);
  await client.query(`create table ${GUESTS_TABLE} (
    seat int primary key,
    guest_name text not null,
    party_size int not null,
    rsvp_at timestamptz not null,
    preferences jsonb not null,
    guest_id uuid not null,
    gift_amount numeric(10, 2)
  )`);
  await client.query(`insert into ${GUESTS_TABLE}
    select s,
           'Guest ' || s || ' of the ' || (array['Smith','Garcia','Okafor','Nguyen','Rossi'])[1 + s % 5] || ' family',
           1 + s % 4,
           timestamptz '2026-01-01 09:00:00+00' + s * interval '37 minutes',
           jsonb_build_object('diet', (array['none','vegetarian','vegan','gluten-free'])[1 + s % 4],
                              'table', 1 + s % 40, 'plusOne', s % 3 = 0, 'songRequest', 'Song #' || s),
           md5('guest' || s)::uuid,
           round((s * 7.31)::numeric % 500, 2)
    from generate_series(1, ${W6_TABLE_ROWS}) as s`);
  await client.query(`analyze ${GUESTS_TABLE}`);
}

export async function dropGuests(client) {
  await client.query(`drop table if exists ${GUESTS_TABLE}`);
}
