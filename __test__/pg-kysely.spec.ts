// A Kysely app (schema builder, Migrator, insert … returning, selects, transactions) runs
// unchanged on wedpool/pg with the values it gets on pg; withWeddingContext reaches Kysely's
// acquires, so a wedding-critical query jumps the queue on a saturated Saturday.
import { Kysely, Migrator, NO_MIGRATIONS, PostgresDialect, sql, type Generated, type Migration } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { Pool, withWeddingContext } from '../dist/pg/index.js';
import { wedPgPool } from './support/pg-compat';
import { DATABASE_URL, SATURDAY, eventually } from './support/pool';

interface Database {
  kysely_guests: { id: Generated<number>; name: string; rsvp_at: Date | null; seats: Generated<number>; meta: unknown; balance: string | null };
  kysely_tables: { id: Generated<number>; label: string; guest_id: number | null };
}

const migrations: Record<string, Migration> = {
  '001_guests': {
    up: async (db) => {
      await db.schema
        .createTable('kysely_guests')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('rsvp_at', 'timestamptz')
        .addColumn('seats', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('meta', 'jsonb')
        .addColumn('balance', 'numeric(10, 2)')
        .execute();
    },
    down: async (db) => {
      await db.schema.dropTable('kysely_guests').execute();
    },
  },
  '002_tables': {
    up: async (db) => {
      await db.schema
        .createTable('kysely_tables')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('guest_id', 'integer', (c) => c.references('kysely_guests.id').onDelete('cascade'))
        .execute();
      await db.schema.createIndex('kysely_tables_guest').on('kysely_tables').column('guest_id').execute();
    },
    down: async (db) => {
      await db.schema.dropTable('kysely_tables').execute();
    },
  },
};

/** The app: everything it observes, for comparison between drivers. */
async function kyselyApp(pool: pg.Pool): Promise<Record<string, unknown>> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'kysely_spec_migration',
    migrationLockTableName: 'kysely_spec_migration_lock',
  });
  const out: Record<string, unknown> = {};
  try {
    const up = await migrator.migrateToLatest();
    out.migratedUp = up.results?.map((r) => [r.migrationName, r.direction, r.status]);
    out.migrateError = up.error === undefined ? null : String(up.error);
    out.inserted = await db
      .insertInto('kysely_guests')
      .values([
        { name: 'Ada', rsvp_at: new Date('2026-06-01T10:00:00Z'), meta: JSON.stringify({ diet: 'vegan' }), balance: '12.50' },
        { name: 'Bob', rsvp_at: null, seats: 2, meta: JSON.stringify({ plusOne: true }), balance: null },
      ])
      .returning(['id', 'name', 'seats'])
      .execute();
    out.selected = await db.selectFrom('kysely_guests').selectAll().orderBy('id').execute();
    out.counted = await db.selectFrom('kysely_guests').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    out.joined = await db.transaction().execute(async (trx) => {
      const guest = await trx.selectFrom('kysely_guests').select('id').where('name', '=', 'Ada').executeTakeFirstOrThrow();
      await trx.insertInto('kysely_tables').values({ label: 'Table 1', guest_id: guest.id }).execute();
      return trx
        .selectFrom('kysely_tables')
        .innerJoin('kysely_guests', 'kysely_guests.id', 'kysely_tables.guest_id')
        .select(['kysely_tables.label', 'kysely_guests.name'])
        .execute();
    });
    out.rolledBack = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('kysely_guests').values({ name: 'Ghost' }).execute();
        throw new Error('cancel the ghost');
      })
      .catch((e: Error) => e.message);
    out.ghosts = await db.selectFrom('kysely_guests').select('name').where('name', '=', 'Ghost').execute();
    const updated = await db.updateTable('kysely_guests').set({ seats: 3 }).where('name', '=', 'Bob').executeTakeFirst();
    out.updated = updated.numUpdatedRows;
    out.duplicate = await db
      .insertInto('kysely_guests')
      .values({ name: 'Ada' })
      .execute()
      .catch((e: { code?: string; constraint?: string }) => [e.code, e.constraint]);
    out.raw = (await sql<{ n: number }>`select ${3}::int + 4 as n`.execute(db)).rows;
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    out.migratedDown = down.results?.map((r) => [r.migrationName, r.direction, r.status]);
  } finally {
    await sql`drop table if exists kysely_tables, kysely_guests, kysely_spec_migration, kysely_spec_migration_lock`.execute(db).catch(() => undefined);
    await db.destroy();
  }
  return out;
}

describe('Kysely on wedpool/pg', () => {
  it('runs the same app with the same values as on pg', async () => {
    const onPg = await kyselyApp(new pg.Pool({ connectionString: DATABASE_URL(), max: 3 }));
    const onWedPool = await kyselyApp(new Pool({ connectionString: DATABASE_URL(), fleetBudget: false, max: 3 }) as unknown as pg.Pool);
    expect(onPg.migrateError).toBeNull();
    expect(onPg.rolledBack).toBe('cancel the ghost');
    expect(onPg.ghosts).toEqual([]);
    expect(onWedPool).toEqual(onPg);
  });

  it('serves a wedding-critical query before earlier normal waiters on a saturated Saturday', async () => {
    const pool = wedPgPool({ max: 2, weddingDayMultiplier: 1, emergencyReservedConnections: 0, priorityAgingPerSecond: 0 });
    pool.wedpool.setCalendarTime(SATURDAY);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    const held = [await pool.connect(), await pool.connect()];
    const served: string[] = [];
    const ask = (name: string) => sql<{ who: string }>`select ${name}::text as who`.execute(db).then((r) => served.push(r.rows[0].who));
    const normal = [ask('normal-1'), ask('normal-2'), ask('normal-3')];
    await eventually(() => pool.waitingCount === 3);
    const critical = withWeddingContext({ isWeddingCritical: true, isActiveWedding: true, weddingId: 'w-1' }, () => ask('critical'));
    await eventually(() => pool.waitingCount === 4);
    held[0].release();
    await critical;
    expect(served[0]).toBe('critical');
    held[1].release();
    await Promise.all(normal);
    expect(served).toHaveLength(4);
    await db.destroy();
  });

  it('a per-pool default context applies outside withWeddingContext', async () => {
    const pool = wedPgPool({ defaultContext: { isCriticalOperation: true } });
    const client = await pool.connect();
    expect(client.wedpool?.priority).toBe(pool.wedpool.calculateConnectionPriority({ isCriticalOperation: true }));
    client.release();
    const inside = await withWeddingContext({ isActiveWedding: true }, async () => {
      const c = await pool.connect();
      const p = c.wedpool?.priority;
      c.release();
      return p;
    });
    expect(inside).toBe(pool.wedpool.calculateConnectionPriority({ isActiveWedding: true }));
  });
});
