// A blackhole made by the kernel: inside a network namespace this spec creates, nftables drops
// every packet of the pool's connections, so nothing is acknowledged and no reset ever comes
// (the userland proxy's blackhole cannot do that: its kernel still ACKs). This exercises what
// only the kernel can: TCP_USER_TIMEOUT (tcpUserTimeoutMillis) ending a statement whose bytes go
// unacknowledged, TCP keepalive finding an idle connection dead with no traffic from the pool,
// and connect attempts whose SYN is never answered. Needs root, iproute2 and nftables (.ci/run
// installs them); where a namespace cannot be made, every test here is skipped and its name
// says why. See __test__/support/netns.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ConnectionError } from '../../dist/index.js';
import { describeError, expectBaseline, expectWedPoolError, faultPool, track, until, within } from '../support/faults';
import { createKernelBlackhole, netnsUnavailable, type KernelBlackhole } from '../support/netns';
import { DATABASE_URL } from '../support/pool';
import { useProcessGuards } from '../support/process-guards';

useProcessGuards();

const unavailable = netnsUnavailable();
const skipped = unavailable ? ` (skipped: no network namespace here — ${unavailable})` : '';
if (unavailable) console.warn(`kernel-blackhole.spec: not run — ${unavailable}`);

let hole: KernelBlackhole | null = null;
beforeAll(async () => {
  if (unavailable) return;
  const made = await createKernelBlackhole(Number(new URL(DATABASE_URL()).port || 5432));
  // Root with the tools but no namespace (a restricted container): fail loudly, never pass.
  if ('unavailable' in made) throw new Error(made.unavailable);
  hole = made;
}, 30_000);
afterEach(async () => {
  await hole?.heal();
});
afterAll(async () => {
  await hole?.close();
});

const url = () => hole!.url(DATABASE_URL());

describe('kernel blackhole (packets dropped in a network namespace)', () => {
  it.skipIf(!!unavailable)(
    `a statement sent into the blackhole ends at tcpUserTimeoutMillis with ConnectionLostError; without the option it hangs${skipped}`,
    async () => {
      const common = { connectionString: url(), serverUrl: DATABASE_URL(), connectTimeoutMillis: 2_000, keepaliveMillis: 60_000, queryTimeoutMillis: 0, serverSlack: 1 };
      const { pool } = faultPool({ ...common, basePoolSize: { min: 1, max: 1 }, tcpUserTimeoutMillis: 1_500 });
      const { pool: control } = faultPool({ ...common, basePoolSize: { min: 1, max: 1 }, tcpUserTimeoutMillis: 0 });
      await Promise.all([pool.ready(), control.ready()]);
      const [conn, controlConn] = await Promise.all([pool.getConnection(), control.getConnection()]);

      await hole!.drop();
      const started = performance.now();
      const sent = track(conn.query('select 1 as ok'), started);
      const controlSent = track(controlConn.query('select 1 as ok'), started);

      const out = await within(sent, 15_000);
      expect(out, 'the statement never ended: TCP_USER_TIMEOUT did not apply').not.toBeNull();
      expect(out!.ok).toBe(false);
      expectWedPoolError(out!.error, 'CONNECTION_LOST', 'ConnectionLostError');
      expect(out!.ms, 'not before tcpUserTimeoutMillis').toBeGreaterThanOrEqual(1_200);
      expect(out!.ms, 'about tcpUserTimeoutMillis (generous: retransmission timers, loaded machine)').toBeLessThan(8_000);
      conn.release();

      // The control pool (tcpUserTimeoutMillis 0: the kernel default of ~15 minutes) is still waiting.
      expect(await within(controlSent, Math.max(0, 3_000 - (performance.now() - started))), 'control statement ended without TCP_USER_TIMEOUT').toBeNull();
      await hole!.heal();
      const controlOut = await within(controlSent, 20_000);
      expect(controlOut, 'the control statement completes once packets flow again').not.toBeNull();
      controlConn.release();

      const after = await track(pool.query('select 1 as ok', [], {}, { timeoutMillis: 5_000 }));
      expect(after.ok, describeError(after.error)).toBe(true);
      await expectBaseline(pool, { timeoutMs: 10_000 });
      await expectBaseline(control, { timeoutMs: 10_000 });
    },
    60_000,
  );

  it.skipIf(!!unavailable)(
    `an idle connection is found dead by TCP keepalive (with TCP_USER_TIMEOUT) with no traffic from the pool${skipped}`,
    async () => {
      const { pool } = faultPool({
        connectionString: url(),
        serverUrl: DATABASE_URL(),
        basePoolSize: { min: 1, max: 1 },
        connectTimeoutMillis: 2_000,
        // Kernel keepalive starts after 1 s idle; the pool's own probe would run only at the
        // next maintenance pass, a minute away: whatever finds the connection dead is the kernel.
        keepaliveMillis: 1_000,
        tcpUserTimeoutMillis: 2_000,
        maintenanceIntervalMillis: 60_000,
        serverSlack: 1,
      });
      const removed: Array<{ processId: number; reason: string }> = [];
      pool.on('remove', (e: { processId: number; reason: string }) => removed.push(e));
      await pool.ready();
      const conn = await pool.getConnection();
      const pid = conn.processId;
      conn.release();

      await hole!.drop();
      const started = performance.now();
      await until(() => removed.some((r) => r.processId === pid), 25_000, 'the idle connection is removed once the kernel gives up on it');
      const ms = performance.now() - started;
      // Idle 1 s, then unanswered probes (5 s apart) until TCP_USER_TIMEOUT has passed.
      expect(ms).toBeGreaterThanOrEqual(1_000);
      expect(pool.stats().idle, 'no dead connection stays idle').toBe(0);

      await hole!.heal();
      const after = await track(pool.query<{ pid: number }>('select pg_backend_pid() as pid', [], {}, { timeoutMillis: 5_000 }));
      expect(after.ok, describeError(after.error)).toBe(true);
      expect(after.value!.rows[0].pid).not.toBe(pid);
      await expectBaseline(pool, { timeoutMs: 10_000 });
    },
    60_000,
  );

  it.skipIf(!!unavailable)(
    `a connect attempt whose SYN is never answered ends at connectTimeoutMillis with kind timeout${skipped}`,
    async () => {
      await hole!.drop();
      const { pool } = faultPool({ connectionString: url(), serverUrl: DATABASE_URL(), basePoolSize: { max: 1 }, connectTimeoutMillis: 800 });
      const out = await track(pool.ready());
      expect(out.ok).toBe(false);
      expectWedPoolError(out.error, 'CONNECT_FAILED', 'ConnectionError');
      expect((out.error as ConnectionError).kind).toBe('timeout');
      expect(out.ms).toBeGreaterThanOrEqual(700);
      expect(out.ms).toBeLessThan(3_000);
      await hole!.heal();
      const ok = await track(pool.query('select 1 as ok', [], { isWeddingCritical: true }, { timeoutMillis: 5_000 }));
      expect(ok.ok, describeError(ok.error)).toBe(true);
      await expectBaseline(pool);
    },
    30_000,
  );
});
