// A fleet of separate processes started together against one small server (max_connections
// 100): each instance wants 50 × 3 connections on a Saturday with 40 busy callers (4 of them
// wedding-critical), far more than its share. Checked at the server, sampled every 25 ms: no
// caller error, no refused connection (server log and every pool's serverFull), the server never
// above max_connections − superuser_reserved_connections, and every live instance's connections
// within 0.5×–1.5× of an equal share from 2 s after a start or a stop.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { useThrowawayPostgres } from './support/throwaway';

const MAX_CONNECTIONS = 100;
const SUPERUSER_RESERVED = 3;
const MARGIN = 3;
const CALLERS = 40;
const CRITICAL_CALLERS = 4;
const SETTLE_MS = 2_000;

const db = useThrowawayPostgres({ settings: { max_connections: String(MAX_CONNECTIONS), log_min_messages: 'fatal' } });

interface InstanceResult {
  instanceId: string;
  errors: string[];
  errorCount: number;
  stats: { serverFull: number; connectFailures: number; budget: number | null };
  health: string;
  metrics: string;
}

interface Instance {
  id: string;
  ready: Promise<void>;
  result: Promise<InstanceResult>;
  send: (line: string) => void;
}

function startInstance(id: string): Instance {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(__dirname, 'support/fleet-instance.cjs'), db.url, id, String(CALLERS), String(CRITICAL_CALLERS)]);
  let out = '';
  let resolveReady: () => void;
  let rejectReady: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  const result = new Promise<InstanceResult>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) resolveReady();
      const line = out.split('\n').find((l) => l.startsWith('result '));
      if (line) resolve(JSON.parse(line.slice('result '.length)) as InstanceResult);
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const failure = new Error(`instance ${id} exited with ${code} before reporting: ${out.slice(-2000)}`);
      rejectReady(failure);
      reject(failure);
    });
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.on('close', () => clearTimeout(killer));
  return { id, ready, result, send: (line) => child.stdin.write(`${line}\n`) };
}

interface Sample {
  t: number;
  total: number;
  per: Map<string, number>;
}

/** Counts client backends every 25 ms, total and per WedPool instance, until stopped. */
async function sampleServer(): Promise<{ stop: () => Promise<Sample[]> }> {
  const client = await db.client({ applicationName: 'fleet-sampler' });
  const samples: Sample[] = [];
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const { rows } = await client.query<{ name: string; n: number }>(
        "select coalesce(application_name, '') as name, count(*)::int as n from pg_stat_activity where backend_type = 'client backend' group by 1",
      );
      const per = new Map(rows.filter((r) => r.name.startsWith('wedpool:fleet-proc:')).map((r) => [r.name.slice('wedpool:fleet-proc:'.length), r.n]));
      samples.push({ t: performance.now(), total: rows.reduce((a, r) => a + r.n, 0), per });
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      await client.end();
      return samples;
    },
  };
}

function refusalsInLog(fromByte: number): string[] {
  const text = readFileSync(join(db.dataDir, 'server.log')).subarray(fromByte).toString('utf8');
  return text.split('\n').filter((l) => /too many clients|remaining connection slots are reserved/.test(l));
}

interface Membership {
  /** When this set of live instances was complete (performance.now()). */
  at: number;
  /** When the next change began (stops sent, starts spawned). */
  until: number;
  live: string[];
}

/**
 * Runs `ids` together for `loadMs`; `changes` stop or start instances during the load.
 * Returns what the server and the instances saw.
 */
async function runFleet(ids: string[], loadMs: number, changes: { atMs: number; stop?: string[]; start?: string[] }[] = []) {
  const logStart = statSync(join(db.dataDir, 'server.log')).size;
  const instances = new Map(ids.map((id) => [id, startInstance(id)]));
  await Promise.all([...instances.values()].map((i) => i.ready));
  const sampler = await sampleServer();
  const goAt = performance.now();
  for (const i of instances.values()) i.send(`go ${loadMs}`);
  const membership: Membership[] = [{ at: goAt, until: Infinity, live: [...ids] }];
  const results: Promise<InstanceResult>[] = [...instances.values()].map((i) => i.result);
  for (const change of changes) {
    await new Promise((r) => setTimeout(r, goAt + change.atMs - performance.now()));
    membership[membership.length - 1].until = performance.now();
    let live = [...membership[membership.length - 1].live];
    const stopping = change.stop ?? [];
    for (const id of stopping) instances.get(id)!.send('stop');
    await Promise.all(stopping.map((id) => instances.get(id)!.result));
    live = live.filter((l) => !stopping.includes(l));
    const starting = (change.start ?? []).map((id) => startInstance(id));
    await Promise.all(starting.map((i) => i.ready));
    for (const inst of starting) {
      instances.set(inst.id, inst);
      inst.send(`go ${Math.max(500, loadMs - (performance.now() - goAt))}`);
      results.push(inst.result);
      live.push(inst.id);
    }
    membership.push({ at: performance.now(), until: Infinity, live });
  }
  const reported = await Promise.all(results);
  const samples = await sampler.stop();
  return { reported, samples, membership, refusals: refusalsInLog(logStart), goAt, endAt: goAt + loadMs };
}

type FleetRun = Awaited<ReturnType<typeof runFleet>>;

function checkFleet(run: FleetRun): void {
  const { reported, samples, membership, refusals } = run;
  // No caller error, no refusal.
  expect(reported.flatMap((r) => r.errors.map((e) => `${r.instanceId}: ${e}`))).toEqual([]);
  expect(reported.map((r) => r.stats.serverFull).reduce((a, b) => a + b, 0), 'attempts refused by the server (serverFull)').toBe(0);
  expect(refusals, 'refusals in the server log').toEqual([]);
  expect(reported.filter((r) => r.health === 'down').map((r) => r.instanceId)).toEqual([]);
  // The server never above what non-superusers may use (the sampler's own session included).
  const peak = Math.max(...samples.map((s) => s.total));
  expect(peak, 'client backends at the server, sampled every 25 ms').toBeLessThanOrEqual(MAX_CONNECTIONS - SUPERUSER_RESERVED);
  // Shares: from SETTLE_MS after each change until the load ends, each live instance within
  // 0.5×–1.5× of equal (usable slots ÷ live instances; the sampler is another application).
  const usable = MAX_CONNECTIONS - SUPERUSER_RESERVED - MARGIN - 1;
  const report: string[] = [];
  let outside = 0;
  let checked = 0;
  membership.forEach((m, k) => {
    const from = m.at + SETTLE_MS;
    const to = Math.min(m.until, run.endAt - 200);
    const equal = usable / m.live.length;
    const window = samples.filter((s) => s.t >= from && s.t <= to);
    for (const id of m.live) {
      const counts = window.map((s) => s.per.get(id) ?? 0);
      const bad = counts.filter((c) => c < 0.5 * equal || c > 1.5 * equal);
      outside += bad.length;
      checked += counts.length;
      if (bad.length) report.push(`${id}: ${counts.join(',')}`);
    }
    report.unshift(`window ${k}: ${window.length} samples, ${m.live.length} instances, equal ${equal.toFixed(1)}`);
  });
  expect(checked, `samples checked for shares\n${report.join('\n')}`).toBeGreaterThan(0);
  expect(outside, report.join('\n')).toBe(0);
  const metric = (name: string) => reported.map((r) => Number(new RegExp(`^${name}\\{[^}]*\\} ([\\d.e-]+)$`, 'm').exec(r.metrics)?.[1] ?? 0)).reduce((a, b) => a + b, 0);
  const claimed = metric('wedpool_fleet_claimed_connections_total');
  const perConnection = (name: string) => ((1000 * metric(name)) / Math.max(1, claimed)).toFixed(2);
  console.log(
    `fleet of ${reported.length}: peak ${peak} client backends (limit ${MAX_CONNECTIONS - SUPERUSER_RESERVED}), ${refusals.length} refusals, ` +
      `${claimed} connections claimed in ${metric('wedpool_fleet_claims_total')} claims; per connection claimed: ` +
      `${perConnection('wedpool_fleet_claim_overhead_seconds_total')} ms added, of which lock wait ${perConnection('wedpool_fleet_claim_lock_wait_seconds_total')} ms, ` +
      `lock held ${perConnection('wedpool_fleet_claim_lock_held_seconds_total')} ms`,
  );
}

describe('a fleet of separate processes started together', () => {
  it('12 instances: no caller error, no refusal, never above the limit, fair shares', async () => {
    const run = await runFleet(Array.from({ length: 12 }, (_, i) => `i${String(i).padStart(2, '0')}`), 4_000);
    checkFleet(run);
  }, 90_000);

  it('32 instances: no caller error, no refusal, never above the limit, fair shares', async () => {
    const run = await runFleet(Array.from({ length: 32 }, (_, i) => `i${String(i).padStart(2, '0')}`), 4_000);
    checkFleet(run);
  }, 120_000);

  it('instances stopping and starting during the load: departed shares are reclaimed, newcomers get theirs', async () => {
    const run = await runFleet(Array.from({ length: 10 }, (_, i) => `c${String(i).padStart(2, '0')}`), 11_000, [
      { atMs: 1_000, stop: ['c00', 'c01', 'c02', 'c03'] },
      { atMs: 4_000, start: ['n00', 'n01'] },
    ]);
    // Every phase was checked: 10 instances, 6 after the stops, 8 after the starts.
    expect(run.membership.map((m) => m.live.length)).toEqual([10, 6, 8]);
    checkFleet(run);
  }, 120_000);
});
