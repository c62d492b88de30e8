// Replays the weekend's schedule against one pool: advances the pool's calendar with the
// simulated clock, launches every request at its moment, samples the pool, and records what
// each request waited for its connection. Bounded: the schedule is finite, every acquire has a
// timeout, and the run ends when the last request has settled.
import { CLASSES, CLASS_KEYS, TIMEZONES } from './config.mjs';
import { percentile, formatMs, SlidingWindow } from './stats.mjs';
import { localTime } from './traffic.mjs';

const HOUR = 3_600_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "Sat 15:40 UTC". */
export function utcLabel(ms) {
  const d = new Date(ms);
  const day = d.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  return `${day} ${d.toISOString().slice(11, 16)} UTC`;
}

/**
 * Runs one weekend. `useContext: false` sends `{}` for every request (a plain pool does not
 * know which request is a payment). Returns everything the summary and the report need.
 */
export async function runWeekend({ name, pool, schedule, weekend, runMillis, mode, ops, useContext, progress, signal }) {
  const start = weekend.start.getTime();
  const end = weekend.end.getTime();
  const hours = Math.ceil((end - start) / HOUR);
  const speed = (end - start) / runMillis;
  const perHour = Object.fromEntries(
    CLASS_KEYS.map((c) => [c, { arrived: new Array(hours).fill(0), failed: new Array(hours).fill(0), waits: Array.from({ length: hours }, () => []) }]),
  );
  const waits = Object.fromEntries(CLASS_KEYS.map((c) => [c, []]));
  const errors = Object.fromEntries(CLASS_KEYS.map((c) => [c, {}]));
  const live = Object.fromEntries(CLASS_KEYS.map((c) => [c, new SlidingWindow(Math.max(500, (2 * HOUR) / speed))]));
  const samples = [];
  const scaleEvents = [];
  let calendarSim = start;
  let reservedUses = 0;
  let launched = 0;
  let failedTotal = 0;
  let connects = 0;
  let removes = 0;

  const onScale = (e) => {
    scaleEvents.push({ sim: calendarSim, ...e });
    progress.log(`   ▲ ${utcLabel(calendarSim)}: max ${e.fromMax} → ${e.toMax}, min ${e.fromMin} → ${e.toMin} — ${e.reason}`);
  };
  const onConnect = () => (connects += 1);
  const onRemove = () => (removes += 1);
  pool.on('scale', onScale);
  pool.on('connect', onConnect);
  pool.on('remove', onRemove);

  pool.setCalendarTime(new Date(start));
  const plan = typeof pool.scalingPlan === 'function' ? await settle(() => pool.scalingPlan()) : null;

  const inflight = new Set();
  const launch = (r) => {
    launched += 1;
    const hour = Math.min(hours - 1, Math.floor((r.sim - start) / HOUR));
    const slot = perHour[r.cls];
    slot.arrived[hour] += 1;
    const ctx = useContext ? { ...CLASSES[r.cls].ctx, weddingId: `w-${r.weddingId}`, operation: r.op } : {};
    const fail = (err, waited) => {
      const code = err?.code ?? err?.name ?? 'Error';
      errors[r.cls][code] = (errors[r.cls][code] ?? 0) + 1;
      slot.failed[hour] += 1;
      failedTotal += 1;
      if (waited !== null) {
        waits[r.cls].push(waited);
        slot.waits[hour].push(waited);
        live[r.cls].push(performance.now(), waited);
      }
    };
    const job = (async () => {
      const t = performance.now();
      let conn;
      try {
        conn = await pool.getConnection(ctx, { timeoutMillis: mode.acquireTimeoutMillis, signal });
      } catch (err) {
        // A timed-out caller counts with the time it waited: that is what its user saw.
        fail(err, performance.now() - t);
        return;
      }
      const waited = performance.now() - t;
      waits[r.cls].push(waited);
      slot.waits[hour].push(waited);
      live[r.cls].push(performance.now(), waited);
      if (conn.reserved) reservedUses += 1;
      try {
        for (const [sql, params] of ops[r.op](r)) await conn.query(sql, params);
      } catch (err) {
        fail(err, null);
      } finally {
        conn.release();
      }
    })();
    inflight.add(job);
    job.finally(() => inflight.delete(job));
  };

  const sample = (sim) => {
    const s = pool.stats();
    samples.push({
      sim,
      size: s.size,
      idle: s.idle,
      inUse: s.inUse,
      waiting: s.waiting,
      minSize: s.minSize,
      maxSize: s.maxSize,
      reservedInUse: s.reserved?.inUse ?? 0,
      weddingDay: s.weddingDay,
      reason: s.scaling?.reason ?? '',
    });
    return s;
  };

  const show = (sim, s, force = false) => {
    const now = performance.now();
    const p99s = CLASS_KEYS.map((c) => formatMs(percentile(live[c].current(now), 99)));
    const p99 = CLASS_KEYS.map((c, i) => `${CLASSES[c].short} ${p99s[i]}`).join(' · ');
    const locals = TIMEZONES.map((tz) => {
      const l = localTime(sim, tz.zone);
      return `${tz.short} ${l.weekday} ${l.hhmm}`;
    }).join('  ');
    progress.update(
      [
        { text: `${name.padEnd(10)} ${utcLabel(sim)}`, alt: `${name} ${utcLabel(sim).replace(' UTC', '')}`, priority: 0 },
        { text: `pool ${String(s.size).padStart(2)}/${String(s.maxSize).padStart(2)} (min ${s.minSize})`, priority: 1 },
        { text: `waiting ${String(s.waiting).padStart(3)}`, priority: 2 },
        { text: `p99 ${p99}`, alt: `p99 ${p99s.map((v) => v.replace(' ', '')).join('/')}`, priority: 3 },
        { text: `${launched} requests, ${failedTotal} failed`, priority: 5 },
        { text: locals, priority: 4 },
      ],
      { force },
    );
  };

  const t0 = performance.now();
  let next = 0;
  let nextSample = 0;
  const requests = schedule.requests;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (signal.aborted || (elapsed >= runMillis && next >= requests.length)) break;
    const sim = start + Math.min(elapsed, runMillis) * speed;
    if (sim - calendarSim >= 60_000) {
      calendarSim = sim;
      pool.setCalendarTime(new Date(sim));
    }
    while (next < requests.length && requests[next].at <= elapsed) launch(requests[next++]);
    if (elapsed >= nextSample) {
      const s = sample(sim);
      show(sim, s);
      nextSample = elapsed + mode.sampleMillis;
    }
    await sleep(2);
  }
  if (!signal.aborted) {
    calendarSim = end;
    pool.setCalendarTime(new Date(end));
  }
  show(calendarSim, sample(calendarSim), true);
  const drainStarted = performance.now();
  await Promise.allSettled([...inflight]);
  const drainMillis = performance.now() - drainStarted;
  progress.done();

  const metrics = typeof pool.metrics === 'function' ? await settle(() => pool.metrics()) : null;
  const finalStats = pool.stats();
  pool.off('scale', onScale);
  pool.off('connect', onConnect);
  pool.off('remove', onRemove);
  return {
    name,
    hours,
    perHour,
    waits,
    errors,
    samples,
    scaleEvents,
    plan,
    metrics: typeof metrics === 'string' ? metrics : null,
    reservedUses,
    connects,
    removes,
    launched,
    failed: failedTotal,
    wallMillis: performance.now() - t0,
    drainMillis,
    finalStats,
    interrupted: signal.aborted,
  };
}

/** `fn()`'s value (awaited if it is a promise), or null if it throws or rejects. */
async function settle(fn) {
  try {
    return (await fn()) ?? null;
  } catch {
    return null;
  }
}
