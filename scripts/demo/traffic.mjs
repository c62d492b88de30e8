// The weekend's traffic: how busy each kind of request is at a local hour of a local day, and a
// deterministic schedule of every request (same seed → same weekend for both pools).
import { CLASSES, CLASS_KEYS, TIMEZONES } from './config.mjs';
import { rng } from '../lib/rng.cjs';

/** Poisson-distributed count with mean `mean` (Knuth; means here are small). */
function poisson(random, mean) {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

function gaussian(random) {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const formatters = new Map();
/** Local weekday ('Fri', 'Sat', …) and fractional hour of `ms` in `zone`. */
export function localTime(ms, zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour) + Number(parts.minute) / 60;
  return { weekday: parts.weekday, hour, hhmm: `${parts.hour}:${parts.minute}` };
}

// Relative intensity (busiest = 1) at each local hour 0..23, per local day, per class.
// Values are interpolated between hours, so the curves are smooth.
const NIGHT = 0.02;
const CURVES = {
  normal: {
    // Guests: RSVPs, seating questions, directions. Evenings are busiest; Saturday daytime too.
    Fri: [3, 2, 2, 2, 2, 3, 6, 12, 18, 22, 24, 26, 28, 28, 28, 30, 34, 42, 52, 58, 60, 55, 35, 12],
    Sat: [6, 3, 2, 2, 2, 3, 6, 14, 26, 36, 44, 50, 54, 56, 56, 56, 58, 58, 56, 52, 44, 36, 24, 12],
    Sun: [6, 3, 2, 2, 2, 3, 5, 10, 16, 22, 26, 28, 28, 28, 26, 26, 26, 28, 30, 30, 26, 20, 12, 6],
    other: [3, 2, 2, 2, 2, 3, 6, 12, 18, 22, 24, 26, 28, 28, 28, 28, 28, 30, 32, 32, 28, 22, 12, 6],
    scale: 100,
  },
  weddingDay: {
    // Vendors and planners: set-up from the morning, ceremony mid-afternoon, reception at night.
    Fri: [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 16, 15, 12, 8, 4, 1, 0],
    Sat: [2, 1, 0, 0, 0, 1, 4, 10, 20, 34, 52, 72, 90, 100, 100, 94, 80, 62, 46, 34, 24, 16, 8, 3],
    Sun: [3, 1, 0, 0, 0, 0, 1, 3, 8, 12, 12, 10, 8, 5, 3, 2, 2, 1, 1, 1, 0, 0, 0, 0],
    other: new Array(24).fill(0),
    scale: 100,
  },
  critical: {
    // Day-of payments and ceremony changes: Saturday late morning to early evening.
    Fri: [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 3, 2, 1, 0, 0, 0],
    Sat: [0, 0, 0, 0, 0, 0, 1, 4, 10, 22, 38, 56, 75, 92, 100, 96, 80, 60, 40, 26, 14, 6, 2, 0],
    Sun: [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    other: new Array(24).fill(0),
    scale: 100,
  },
};
/** Share of the peak rate each class gets at its own busiest moment. */
const SHARE = { normal: 0.4, weddingDay: 0.75, critical: 0.15 };

/** Requests per wall-clock second of `cls` from one timezone, at local `weekday`/`hour`. */
export function intensity(cls, weekday, hour) {
  const curve = CURVES[cls][weekday] ?? CURVES[cls].other;
  const h0 = Math.floor(hour) % 24;
  const h1 = (h0 + 1) % 24;
  const f = hour - Math.floor(hour);
  const v = (curve[h0] * (1 - f) + curve[h1] * f) / CURVES[cls].scale;
  return Math.max(v, cls === 'normal' ? NIGHT : 0) * SHARE[cls];
}

function pick(random, weights) {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [key, w] of entries) {
    r -= w;
    if (r < 0) return key;
  }
  return entries[entries.length - 1][0];
}

/**
 * Every request of the weekend, sorted by time: { at (ms since run start, wall clock), sim (ms
 * since epoch, simulated), cls, op, tz, weddingId, guest, vendor, event }.
 * `runMillis` is the wall-clock length of the run; traffic rates are per wall-clock second so
 * that the pool's load does not depend on how much the weekend is compressed.
 */
export function buildSchedule({ start, end, runMillis, peakRate, seed, weddingsPerZone }) {
  const random = rng(seed);
  const simSpan = end.getTime() - start.getTime();
  const speed = simSpan / runMillis; // simulated ms per wall ms
  const stepSim = 60_000; // one simulated minute
  const stepWall = stepSim / speed;
  const requests = [];
  for (let sim = start.getTime(); sim < end.getTime(); sim += stepSim) {
    TIMEZONES.forEach((tz, tzIndex) => {
      const { weekday, hour } = localTime(sim + stepSim / 2, tz.zone);
      for (const cls of CLASS_KEYS) {
        const mean = peakRate * tz.weight * intensity(cls, weekday, hour) * (stepWall / 1000);
        const n = poisson(random, mean);
        for (let i = 0; i < n; i++) {
          const offset = random() * stepSim;
          const wedding = 1 + Math.floor(random() * weddingsPerZone);
          requests.push({
            sim: sim + offset,
            at: (sim + offset - start.getTime()) / speed,
            cls,
            op: pick(random, CLASSES[cls].operations),
            tz: tzIndex,
            weddingId: (tzIndex + 1) * 100 + wedding,
            guest: 1 + Math.floor(random() * 100),
            vendor: 1 + Math.floor(random() * 8),
            event: 1 + Math.floor(random() * 10),
            minutes: 5 + 5 * Math.floor(random() * 6),
          });
        }
      }
    });
  }
  requests.sort((a, b) => a.at - b.at);
  return { requests, speed };
}

/** Expected requests per wall second at a simulated moment, per class (for tuning and docs). */
export function expectedRate(ms, peakRate) {
  const out = Object.fromEntries(CLASS_KEYS.map((c) => [c, 0]));
  for (const tz of TIMEZONES) {
    const { weekday, hour } = localTime(ms, tz.zone);
    for (const cls of CLASS_KEYS) out[cls] += peakRate * tz.weight * intensity(cls, weekday, hour);
  }
  return out;
}
