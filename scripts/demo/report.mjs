// report/weekend.html: one self-contained page (inline SVG and CSS, no scripts, no network) with
// the weekend's charts for WedPool next to the fixed pool.
import { BASE_POOL, CALENDAR, CLASSES, CLASS_KEYS, FIXED_EXTRA, PG_POOL, TIMEZONES, WEDPOOL_EXTRA, WEEKEND } from './config.mjs';
import { formatMs, percentile } from './stats.mjs';
import { chart, chartTop, esc } from './svg.mjs';
import { localTime } from './traffic.mjs';
import { utcLabel } from './run.mjs';

const HOUR = 3_600_000;
const START = WEEKEND.start.getTime();
const END = WEEKEND.end.getTime();

const X = (() => {
  const ticks = [];
  const minor = [];
  for (let t = Math.ceil(START / (6 * HOUR)) * 6 * HOUR; t <= END; t += 6 * HOUR) {
    const d = new Date(t);
    if (d.getUTCHours() % 12 === 0) ticks.push({ value: t, label: `${d.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' })} ${d.toISOString().slice(11, 16)}` });
    else minor.push(t);
  }
  return { min: START, max: END, ticks, minor, label: 'simulated time (UTC)' };
})();

const hourX = (h) => START + h * HOUR;
const fmtCount = (v) => (v >= 1000 ? `${v / 1000}k` : String(v));
const fmtWaitTick = (v) => (v < 1000 ? `${v} ms` : `${v / 1000} s`);

/** Local-time rows under the traffic chart: day and night, Saturday highlighted. */
function timezoneStrips() {
  return TIMEZONES.map((tz) => {
    const segments = [];
    let seg = null;
    for (let t = START; t <= END; t += 15 * 60_000) {
      const { weekday, hour } = localTime(t, tz.zone);
      const night = hour < 7 || hour >= 22;
      const key = `${weekday}-${night}`;
      if (!seg || seg.key !== key) {
        if (seg) seg.to = t;
        const sat = weekday === 'Sat';
        seg = {
          key,
          from: t,
          to: END,
          fill: sat ? (night ? '#e9a5b8' : '#f7cfdb') : night ? '#d5d5d5' : '#efefef',
          text: night ? '' : sat ? 'Saturday — wedding day' : { Fri: 'Friday', Sun: 'Sunday', Mon: 'Monday', Thu: 'Thursday' }[weekday] ?? weekday,
          short: night ? '' : weekday,
        };
        segments.push(seg);
      }
    }
    return { label: tz.city, segments };
  });
}

function trafficChart(result, yMax) {
  const series = CLASS_KEYS.map((cls) => ({
    name: `${CLASSES[cls].short} served`,
    color: CLASSES[cls].color,
    kind: 'bars',
    barWidth: HOUR,
    points: result.perHour[cls].arrived.map((n, h) => [hourX(h), n - result.perHour[cls].failed[h]]),
    tooltip: (x, y) => `${utcLabel(x)}: ${y} ${CLASSES[cls].label} served`,
  }));
  const failed = new Array(result.hours).fill(0);
  for (const cls of CLASS_KEYS) result.perHour[cls].failed.forEach((n, h) => (failed[h] += n));
  series.push({
    name: 'failed (timed out)',
    color: '#444',
    kind: 'bars',
    pattern: 'hatch',
    barWidth: HOUR,
    points: failed.map((n, h) => [hourX(h), n]),
    tooltip: (x, y) => `${utcLabel(x)}: ${y} requests failed`,
  });
  return ({
    id: `traffic-${result.key}`,
    title: `${result.name}: requests per simulated hour by class`,
    height: 250,
    x: X,
    y: { max: yMax, label: 'requests / simulated hour', format: fmtCount },
    series,
    strips: timezoneStrips(),
  });
}

function scaledBands(result) {
  const bands = [];
  let from = null;
  for (const s of result.samples) {
    const scaled = s.maxSize > BASE_POOL.max;
    if (scaled && from === null) from = s.sim;
    if (!scaled && from !== null) {
      bands.push({ from, to: s.sim, fill: '#fbeef2', label: 'wedding-day scaling' });
      from = null;
    }
  }
  if (from !== null) bands.push({ from, to: END, fill: '#fbeef2', label: 'wedding-day scaling' });
  return bands;
}

function poolChart(result, yMax) {
  const pts = (key) => result.samples.map((s) => [s.sim, s[key]]);
  const series = [
    { name: 'in use', color: '#59a14f', kind: 'area', points: pts('inUse'), opacity: 0.22, strokeWidth: 0.8 },
    { name: 'open connections (size)', color: '#2e7d32', kind: 'line', points: pts('size'), strokeWidth: 2 },
    { name: 'target max', color: '#333', kind: 'step', points: pts('maxSize'), dash: '7 4', strokeWidth: 1.6 },
    { name: 'target min', color: '#888', kind: 'step', points: pts('minSize'), dash: '2 3', strokeWidth: 1.6 },
  ];
  if (result.samples.some((s) => s.reservedInUse > 0)) {
    series.push({ name: 'emergency reserve in use', color: '#e15759', kind: 'area', points: pts('reservedInUse'), opacity: 0.45, strokeWidth: 0.8 });
  }
  return ({
    id: `pool-${result.key}`,
    title: `${result.name}: pool size against target`,
    height: 230,
    x: X,
    y: { max: yMax * 1.15, label: 'connections', format: String },
    series,
    bands: scaledBands(result),
    annotations: planEntries(result.plan).length
      ? planEntries(result.plan).map((n, i) => ({ x: n.at, label: String(i + 1), title: `${utcLabel(n.at)}: max ${n.max}, min ${n.min} — ${n.reason}` }))
      : result.scaleEvents.map((e, i) => ({ x: e.sim, label: String(i + 1), title: scaleText(e) })),
  });
}

function waitersChart(result, yMax) {
  return ({
    id: `waiters-${result.key}`,
    title: `${result.name}: callers waiting for a connection`,
    height: 200,
    x: X,
    y: { max: yMax, label: 'waiting callers', format: fmtCount },
    series: [{ name: 'waiting for a connection', color: '#9c5fb5', kind: 'area', points: result.samples.map((s) => [s.sim, s.waiting]), opacity: 0.35, strokeWidth: 1.5 }],
  });
}

function p99ByHour(result, cls) {
  return result.perHour[cls].waits.map((w, h) => [hourX(h + 0.5), w.length ? percentile(w, 99) : null]);
}

function p99Chart(result, yMax, timeoutMillis) {
  return ({
    id: `p99-${result.key}`,
    title: `${result.name}: p99 wait for a connection per simulated hour`,
    height: 240,
    x: X,
    y: { log: true, min: 0.1, max: yMax, label: 'p99 wait (log scale)', format: (v) => (v === 0.1 ? '≤0.1 ms' : fmtWaitTick(v)) },
    series: CLASS_KEYS.map((cls) => ({
      name: CLASSES[cls].label,
      color: CLASSES[cls].color,
      kind: 'line',
      markers: true,
      strokeWidth: 1.6,
      points: p99ByHour(result, cls),
      tooltip: (x, y) => `${utcLabel(x - HOUR / 2)}: p99 ${formatMs(y)} (${CLASSES[cls].label})`,
    })),
    hlines: [{ y: timeoutMillis, label: `acquire timeout ${formatMs(timeoutMillis)}`, color: '#c0392b' }],
  });
}

function scaleText(e) {
  return `${utcLabel(e.sim)}: max ${e.fromMax} → ${e.toMax}, min ${e.fromMin} → ${e.toMin} — ${e.reason}`;
}

const toMs = (at) => (at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at));

/** The entries of `pool.scalingPlan().next`, when the pool has that method. */
function planEntries(plan) {
  if (!plan || !Array.isArray(plan.next)) return [];
  return plan.next
    .map((n) => ({ at: toMs(n.at), min: n.min, max: n.max, reason: n.reason ?? '' }))
    .filter((n) => Number.isFinite(n.at));
}

/** Under WedPool's pool chart: the plan the markers show, then the scale events seen. */
function scalingNotes(result) {
  const entries = planEntries(result.plan);
  const events = result.scaleEvents.map((e) => `<li>${esc(scaleText(e))}</li>`).join('');
  if (!entries.length) {
    return events
      ? `<p class="note">Markers: the pool's <code>scale</code> events.</p><ol class="events">${events}</ol>`
      : '<p class="note">No scaling: the target stays at the base size all weekend.</p>';
  }
  const t = result.plan.target;
  const now = t ? ` Target at the start: max ${esc(t.max)}, min ${esc(t.min)} (${esc(t.reason ?? '')}).` : '';
  const fixed = result.options.weddingDayMultiplier === 1
    ? ' With weddingDayMultiplier 1 the calendar still sees the wedding days, but the size never changes.'
    : '';
  return `<p class="note">Markers: <code>pool.scalingPlan()</code> asked at ${esc(utcLabel(START))}.${now}${fixed}</p>
<ol class="events">${entries.map((n) => `<li>${esc(utcLabel(n.at))}: max ${esc(n.max)}, min ${esc(n.min)} — ${esc(n.reason)}</li>`).join('')}</ol>
${events ? `<p class="note"><code>scale</code> events seen during the run:</p><ul class="plan">${events}</ul>` : ''}`;
}

function summaryTableHtml(a, b) {
  const rows = [...a.rows, a.total].map((r, i) => {
    const f = [...b.rows, b.total][i];
    const cls = r.cls === 'all' ? ' class="total"' : '';
    const swatch = r.cls === 'all' ? '' : `<span class="swatch" style="background:${CLASSES[r.cls].color}"></span>`;
    const failed = (n) => `<td class="num${n > 0 ? ' bad' : ''}">${n}</td>`;
    return `<tr${cls}><th scope="row">${swatch}${esc(r.label)}</th><td class="num">${r.requests}</td>` +
      `<td class="num">${formatMs(r.p50)}</td><td class="num">${formatMs(r.p99)}</td>${failed(r.failed)}` +
      `<td class="num sep">${formatMs(f.p50)}</td><td class="num">${formatMs(f.p99)}</td>${failed(f.failed)}</tr>`;
  });
  return `<table class="summary">
  <thead><tr><th></th><th></th><th colspan="3">WedPool</th><th colspan="3" class="sep">fixed pool (max ${BASE_POOL.max}, first come first served)</th></tr>
  <tr><th scope="col">class</th><th scope="col" class="num">requests</th><th class="num">p50 wait</th><th class="num">p99 wait</th><th class="num">failed</th><th class="num sep">p50 wait</th><th class="num">p99 wait</th><th class="num">failed</th></tr></thead>
  <tbody>${rows.join('\n')}</tbody></table>`;
}

/** "Why not just a bigger pg pool?": the three contenders on what the question is about. */
function biggerPoolCard(runs) {
  const critical = (s) => s.rows.find((r) => r.cls === 'critical');
  const row = ({ name, summary: s }) => {
    const c = critical(s);
    return `<tr><th scope="row">${esc(name)}</th><td class="num">${formatMs(c.p50)}</td><td class="num">${formatMs(c.p99)}</td>` +
      `<td class="num${c.failed > 0 ? ' bad' : ''}">${c.failed}</td><td class="num sep">${formatMs(s.total.p99)}</td>` +
      `<td class="num${s.total.failed > 0 ? ' bad' : ''}">${s.total.failed}</td><td class="num sep">${s.peakSize}</td>` +
      `<td class="num">${s.connectionHours.toFixed(0)}</td><td class="num">${s.connects}</td></tr>`;
  };
  return `<section class="card">
<h2>Why not just a bigger pg pool?</h2>
<p class="caption">The same requests on a real node-postgres <code>pg.Pool</code> with max ${PG_POOL.max} (WedPool's Saturday
peak: ${BASE_POOL.max} × ${WEDPOOL_EXTRA.weddingDayMultiplier} plus ${WEDPOOL_EXTRA.emergencyReservedConnections} reserved) all weekend.
Connection-hours: open connections integrated over the simulated weekend — what the server carries.</p>
<table class="summary">
  <thead><tr><th></th><th colspan="3">payment &amp; ceremony change (critical)</th><th colspan="2" class="sep">all requests</th><th colspan="3" class="sep">connections</th></tr>
  <tr><th scope="col">pool</th><th class="num">p50 wait</th><th class="num">p99 wait</th><th class="num">failed</th><th class="num sep">p99 wait</th><th class="num">failed</th><th class="num sep">peak open</th><th class="num">connection-hours</th><th class="num">opened</th></tr></thead>
  <tbody>${runs.map(row).join('\n')}</tbody></table>
</section>`;
}

function facts(s, result) {
  const t = result.tables ?? {};
  return `<ul class="facts">
    <li>peak <b>${s.peakSize}</b> open connections (target max ${s.peakMax}); peak <b>${s.peakWaiting}</b> callers waiting</li>
    <li>${s.connects} connections opened${result.options.emergencyReservedConnections ? `; emergency reserve used <b>${s.reservedUses}</b> times` : ''}</li>
    <li>database work done: ${t.rsvps ?? '?'} RSVPs, ${t.vendors_checked_in ?? '?'} vendor check-ins, ${t.events_updated ?? '?'} timeline events updated, ${t.payments ?? '?'} payments</li>
  </ul>`;
}

/** Two charts side by side, their plot areas aligned. */
function pair(title, caption, leftSpec, rightSpec, extraLeft = '', extraRight = '') {
  const top = Math.max(chartTop(leftSpec), chartTop(rightSpec));
  const left = chart({ ...leftSpec, top });
  const right = chart({ ...rightSpec, top });
  return `<section class="row">
  <h2>${esc(title)}</h2>
  <p class="caption">${caption}</p>
  <div class="pair">
    <figure><figcaption>WedPool</figcaption>${left}${extraLeft}</figure>
    <figure><figcaption>fixed pool</figcaption>${right}${extraRight}</figure>
  </div>
</section>`;
}

export function renderReport({ wedpool, fixed, bigPg, summaries, meta }) {
  wedpool.key = 'wedpool';
  fixed.key = 'fixed';
  const runs = [wedpool, fixed];
  const hourlyTotal = (r, h) => CLASS_KEYS.reduce((s, c) => s + r.perHour[c].arrived[h], 0);
  const trafficMax = Math.max(...runs.flatMap((r) => Array.from({ length: r.hours }, (_, h) => hourlyTotal(r, h))));
  const poolMax = Math.max(...runs.flatMap((r) => r.samples.map((s) => Math.max(s.size, s.maxSize))));
  const waitMax = Math.max(1, ...runs.flatMap((r) => r.samples.map((s) => s.waiting)));
  const p99Max = Math.max(meta.acquireTimeoutMillis, ...runs.flatMap((r) => CLASS_KEYS.flatMap((c) => p99ByHour(r, c).map((p) => p[1] ?? 0))));

  const metrics = runs
    .filter((r) => r.metrics)
    .map((r) => `<details><summary>pool.metrics() at the end of the ${esc(r.name)} run (Prometheus text)</summary><pre>${esc(r.metrics)}</pre></details>`)
    .join('');
  const zones = TIMEZONES.map((t) => `${esc(t.city)} (${esc(t.zone)})`).join(', ');
  const a = summaries.wedpool;
  const b = summaries.fixed;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WedPool — a wedding weekend, compressed</title>
<style>
  :root { color-scheme: light; }
  body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #222; margin: 0; background: #f6f6f4; }
  main { max-width: 1400px; margin: 0 auto; padding: 20px 24px 40px; }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 0 0 2px; }
  .lede { margin: 0 0 14px; color: #444; max-width: 1100px; }
  .card, .row { background: #fff; border: 1px solid #e2e2de; border-radius: 8px; padding: 14px 16px; margin: 0 0 16px; }
  .caption { margin: 0 0 8px; color: #555; font-size: 13px; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
  figure { margin: 0; min-width: 0; }
  figcaption { font-weight: 600; font-size: 14px; margin: 0 0 2px; }
  svg.chart { width: 100%; height: auto; display: block; }
  table.summary { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 6px 0 8px; }
  table.summary th, table.summary td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }
  table.summary thead th { font-size: 12px; color: #555; border-bottom: 1px solid #ccc; }
  table.summary .num { text-align: right; }
  table.summary .sep { border-left: 2px solid #ddd; }
  table.summary tr.total th, table.summary tr.total td { font-weight: 600; border-top: 1px solid #bbb; }
  table.summary td.bad { color: #c0392b; font-weight: 600; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
  .facts-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
  .facts { margin: 4px 0 0; padding-left: 18px; }
  .note, ol.events, ul.plan { font-size: 12px; color: #555; margin: 4px 0 0; }
  ol.events, ul.plan { padding-left: 22px; }
  dl.config { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 13px; margin: 6px 0 0; }
  dl.config dt { color: #666; }
  dl.config dd { margin: 0; }
  details { margin-top: 8px; font-size: 12px; }
  pre { background: #f7f7f7; padding: 8px; overflow: auto; max-height: 320px; }
  @media (max-width: 900px) { .pair, .facts-grid { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<main>
<h1>WedPool — a wedding weekend, compressed</h1>
<p class="lede">${meta.hours} simulated hours, ${esc(utcLabel(START))} to ${esc(utcLabel(END))}, with weddings in ${zones},
replayed in ${meta.runSeconds} s of real time per pool against ${esc(meta.database)}. The same ${meta.requests} requests —
guest RSVPs, vendor check-ins and timeline updates, day-of payments and ceremony changes — went first to WedPool, then to a
fixed-size pool that serves callers first come, first served, as a plain pool does, and last to a real <code>pg.Pool</code> as large as WedPool's Saturday peak.</p>

<section class="card">
<h2>Time to get a connection, whole weekend</h2>
<p class="caption">p50 and p99 of the time from asking for a connection to getting one; a caller that timed out after
${formatMs(meta.acquireTimeoutMillis)} counts with the time it waited, and as failed.</p>
${summaryTableHtml(a, b)}
<div class="facts-grid">
  <div><b>WedPool</b>${facts(a, wedpool)}</div>
  <div><b>fixed pool</b>${facts(b, fixed)}</div>
</div>
</section>

${biggerPoolCard([
  { name: 'WedPool', summary: a },
  { name: `fixed pool (max ${BASE_POOL.max})`, summary: b },
  { name: `pg.Pool (max ${PG_POOL.max})`, summary: summaries.bigPg },
])}

${pair(
  'Traffic: requests per simulated hour',
  'Stacked by class, served and failed. The rows underneath show the local day in each city (darker: night, pink: Saturday) — the Saturday peak rolls from Sydney to London to New York, where London and New York overlap.',
  trafficChart(wedpool, trafficMax),
  trafficChart(fixed, trafficMax),
)}

${pair(
  'Pool size against target',
  `Open connections, connections in use, and the pool's target min and max. WedPool scales ×${WEDPOOL_EXTRA.weddingDayMultiplier} from ${CALENDAR.leadMinutes} minutes before Saturday begins in the first city until it ends in the last, and keeps ${WEDPOOL_EXTRA.emergencyReservedConnections} connections for wedding-critical work; the fixed pool stays at ${BASE_POOL.max}.`,
  poolChart(wedpool, poolMax),
  poolChart(fixed, poolMax),
  scalingNotes(wedpool),
  scalingNotes(fixed),
)}

${pair(
  'Callers waiting for a connection',
  'Queued callers, sampled every few simulated minutes (same scale on both sides).',
  waitersChart(wedpool, waitMax),
  waitersChart(fixed, waitMax),
  `<p class="note">peak ${a.peakWaiting} waiting</p>`,
  `<p class="note">peak ${b.peakWaiting} waiting</p>`,
)}

${pair(
  'p99 wait for a connection, by class',
  'Per simulated hour, on a log scale. On the fixed pool every class waits in the same queue; on WedPool critical work is served first and can use the emergency reserve.',
  p99Chart(wedpool, p99Max, meta.acquireTimeoutMillis),
  p99Chart(fixed, p99Max, meta.acquireTimeoutMillis),
)}

<section class="card">
<h2>How this was run</h2>
<dl class="config">
  <dt>command</dt><dd><code>npm run demo${meta.mode === 'quick' ? ' -- --quick' : ''}</code> (seed ${meta.seed}), ${esc(meta.generatedAt.toISOString())}</dd>
  <dt>WedPool</dt><dd>basePoolSize min ${BASE_POOL.min}, max ${BASE_POOL.max}; weddingDayMultiplier ${WEDPOOL_EXTRA.weddingDayMultiplier}; emergencyReservedConnections ${WEDPOOL_EXTRA.emergencyReservedConnections}; priorityAgingPerSecond ${WEDPOOL_EXTRA.priorityAgingPerSecond}; each request's context as below</dd>
  <dt>fixed pool</dt><dd>the same class with weddingDayMultiplier ${FIXED_EXTRA.weddingDayMultiplier}, emergencyReservedConnections ${FIXED_EXTRA.emergencyReservedConnections}, priorityAgingPerSecond ${FIXED_EXTRA.priorityAgingPerSecond}, and an empty context for every request (a plain pool does not know which request is a payment)</dd>
  <dt>pg.Pool</dt><dd>node-postgres <code>pg.Pool</code> with max ${PG_POOL.max}, min ${PG_POOL.min}, the same idle timeout and <code>connectionTimeoutMillis</code> ${formatMs(meta.acquireTimeoutMillis)}; first come first served (${esc(bigPg.name)} run)</dd>
  <dt>calendar</dt><dd>Saturday in ${zones}; the pool's calendar follows the simulated clock through <code>pool.setCalendarTime()</code></dd>
  <dt>acquire timeout</dt><dd>${formatMs(meta.acquireTimeoutMillis)} (real time)</dd>
  ${CLASS_KEYS.map((c) => `<dt><span class="swatch" style="background:${CLASSES[c].color}"></span>${esc(CLASSES[c].label)}</dt><dd>context <code>${esc(JSON.stringify(CLASSES[c].ctx))}</code>; operations: ${esc(Object.keys(CLASSES[c].operations).join(', '))}</dd>`).join('\n  ')}
  <dt>work per request</dt><dd>one real statement on the demo's tables (weddings, guests, vendors, timeline events, payments) and a pg_sleep of 12–30 ms standing in for application work while the connection is held</dd>
</dl>
${metrics}
</section>
</main>
</body>
</html>
`;
}
