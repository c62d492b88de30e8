import { it } from 'vitest';
import { WeddingAwareConnectionPool } from '../../dist/index.js';
import { startProxy } from '../../__test__/support/proxy';
it('diag', async () => {
  const proxy = await startProxy({ port: Number(new URL(process.env.DATABASE_URL!).port) });
  await proxy.blackhole();
  const pool = new WeddingAwareConnectionPool({ connectionString: proxy.url(process.env.DATABASE_URL!), basePoolSize: { max: 2 }, connectTimeoutMillis: 500 });
  const t0 = performance.now();
  const log = () => console.log(Math.round(performance.now() - t0), JSON.stringify(proxy.stats()), JSON.stringify({size: pool.stats().size, pending: pool.stats().pending, cf: pool.stats().connectFailures}));
  const iv = setInterval(log, 250);
  await pool.ready().catch((e) => console.log('ready', Math.round(performance.now() - t0), e.code, e.kind));
  await pool.getConnection({}, { timeoutMillis: 1500 }).catch((e) => console.log('acq', Math.round(performance.now() - t0), e.code, e.cause?.kind));
  await new Promise((r) => setTimeout(r, 4000));
  clearInterval(iv);
  await pool.end(); await proxy.close();
}, 20000);
