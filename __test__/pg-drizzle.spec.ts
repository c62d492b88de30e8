// A Drizzle app (pgTable with serial, text, timestamptz, date, interval, jsonb, integer;
// insert/select/update; a transaction rolled back) runs unchanged on wedpool/pg with the
// values it gets on pg — Drizzle's own type parsers keep dates and intervals as server text.
import { asc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { date, integer, interval, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { Pool, withWeddingContext } from '../dist/pg/index.js';
import { DATABASE_URL } from './support/pool';

const weddings = pgTable('drizzle_weddings', {
  id: serial('id').primaryKey(),
  couple: text('couple').notNull(),
  startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  startsAtText: timestamp('starts_at_text', { withTimezone: true, mode: 'string' }),
  day: date('day').notNull(),
  dayAsDate: date('day_as_date', { mode: 'date' }),
  duration: interval('duration'),
  details: jsonb('details').$type<{ venue: string; guests: number }>(),
  budget: integer('budget'),
});

/** The app: everything it observes, for comparison between drivers. */
async function drizzleApp(pool: pg.Pool): Promise<Record<string, unknown>> {
  const db = drizzle(pool);
  const out: Record<string, unknown> = {};
  try {
    await db.execute(sql`drop table if exists drizzle_weddings`);
    await db.execute(sql`create table drizzle_weddings (
      id serial primary key, couple text not null, starts_at timestamptz not null, starts_at_text timestamptz,
      day date not null, day_as_date date, duration interval, details jsonb, budget integer)`);
    out.inserted = await db
      .insert(weddings)
      .values([
        {
          couple: 'Ada & Bo',
          startsAt: new Date('2026-06-13T14:00:00Z'),
          startsAtText: '2026-06-13 16:00:00+02',
          day: '2026-06-13',
          dayAsDate: new Date('2026-06-13T00:00:00Z'),
          duration: '5 hours 30 minutes',
          details: { venue: 'Barn', guests: 120 },
          budget: 15000,
        },
        { couple: 'Cy & Di', startsAt: new Date('2026-07-04T18:30:00.250Z'), day: '2026-07-04', duration: '1 day 02:00:00', details: null, budget: null },
      ])
      .returning();
    out.selected = await db.select().from(weddings).orderBy(asc(weddings.id));
    out.partial = await db.select({ couple: weddings.couple, guests: sql<number>`(${weddings.details}->>'guests')::int` }).from(weddings).where(eq(weddings.couple, 'Ada & Bo'));
    out.updated = await db.update(weddings).set({ budget: 17500, duration: '6 hours' }).where(eq(weddings.couple, 'Ada & Bo')).returning({ id: weddings.id, budget: weddings.budget, duration: weddings.duration });
    out.rolledBack = await db
      .transaction(async (tx) => {
        await tx.insert(weddings).values({ couple: 'Never', startsAt: new Date(), day: '2026-01-01' });
        tx.rollback();
      })
      .catch((e: Error) => e.constructor.name);
    out.committed = await db.transaction(async (tx) => {
      await tx.update(weddings).set({ budget: 1 }).where(eq(weddings.couple, 'Cy & Di'));
      return tx.select({ budget: weddings.budget }).from(weddings).where(eq(weddings.couple, 'Cy & Di'));
    });
    out.after = await db.select({ couple: weddings.couple, budget: weddings.budget }).from(weddings).orderBy(asc(weddings.id));
    out.rawRows = (await db.execute(sql`select count(*)::int as n, min(day) as first_day from drizzle_weddings`)).rows;
  } finally {
    await db.execute(sql`drop table if exists drizzle_weddings`).catch(() => undefined);
    await pool.end();
  }
  return out;
}

describe('Drizzle on wedpool/pg', () => {
  it('runs the same app with the same values as on pg', async () => {
    const onPg = await drizzleApp(new pg.Pool({ connectionString: DATABASE_URL(), max: 3 }));
    const onWedPool = await drizzleApp(new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, max: 3 }) as unknown as pg.Pool);
    expect(onPg.rolledBack).toBe('TransactionRollbackError');
    expect((onPg.after as unknown[]).length).toBe(2);
    expect(onWedPool).toEqual(onPg);
  });

  it('keeps the wedding context inside a Drizzle transaction', async () => {
    const pool = new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, max: 2 });
    const priorities: number[] = [];
    pool.on('acquire', (client) => priorities.push(client.wedpool!.priority));
    try {
      const db = drizzle(pool as unknown as pg.Pool);
      await withWeddingContext({ isWeddingCritical: true, isActiveWedding: true }, () =>
        db.transaction(async (tx) => {
          await tx.execute(sql`select 1`);
        }),
      );
      expect(priorities).toEqual([pool.wedpool.calculateConnectionPriority({ isWeddingCritical: true, isActiveWedding: true })]);
    } finally {
      await pool.end();
    }
  });
});
