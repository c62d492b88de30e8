import { it } from 'vitest';
import { WeddingAwareConnectionPool } from '../../dist/index.js';
it('diag', async () => {
  const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL!, basePoolSize: { max: 8 }, weddingDayMultiplier: 1 });
  const counts: Record<string, number> = {};
  for (let round = 0; round < 6; round++) {
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const viaConn = i % 2 === 0;
      const started = performance.now();
      let key: string;
      try {
        if (viaConn) {
          const c = await pool.getConnection();
          try { await c.query('select pg_sleep(2)', [], { queryTimeoutMillis: 100 + (i * 37) % 200 } as never); key = 'ok'; } finally { c.release(); }
        } else {
          await pool.query('select pg_sleep(2)', [], {}, { queryTimeoutMillis: 100 + (i * 37) % 200 } as never); key = 'ok';
        }
      } catch (e: any) { key = `${viaConn ? 'conn' : 'pool'}:${e.name}:${e.code}`; }
      counts[key] = (counts[key] ?? 0) + 1;
      if (performance.now() - started > 1000) counts['slow'] = (counts['slow'] ?? 0) + 1;
    }));
  }
  console.log('COUNTS', JSON.stringify(counts));
  await pool.end();
}, 60000);
