// What the wedding-weekend demo simulates: the weekend, the timezones, the request classes,
// the pools it compares, and how much wall-clock time it all takes.

/** Simulated weekend, in UTC: Friday 11:00 in London to Sunday 23:00 in London (60 hours). */
export const WEEKEND = {
  start: new Date('2026-06-12T10:00:00Z'),
  end: new Date('2026-06-14T22:00:00Z'),
};

/**
 * Where the weddings are. `weight` scales the traffic of that timezone (June is winter in
 * Sydney: fewer weddings). `short` labels the live line and the charts.
 */
export const TIMEZONES = [
  { zone: 'Australia/Sydney', city: 'Sydney', short: 'SYD', weight: 0.8 },
  { zone: 'Europe/London', city: 'London', short: 'LON', weight: 1.0 },
  { zone: 'America/New_York', city: 'New York', short: 'NYC', weight: 1.0 },
];

/**
 * Request classes, by what the pool is told about them. `ctx` goes to getConnection on the
 * WedPool run; the fixed pool gets `{}` for everyone (a plain pool knows no priorities).
 * `operations` are picked at random by weight; `holdMs` is the pg_sleep that stands in for the
 * application's work while it holds the connection.
 */
export const CLASSES = {
  normal: {
    label: 'guest RSVP (normal)',
    short: 'RSVP',
    color: '#4e79a7',
    ctx: {},
    operations: { rsvp: 3, guestView: 1 },
  },
  weddingDay: {
    label: 'vendor check-in & timeline (wedding day)',
    short: 'wedding-day',
    color: '#f28e2b',
    ctx: { isActiveWedding: true },
    operations: { vendorCheckIn: 1, timelineUpdate: 1 },
  },
  critical: {
    label: 'payment & ceremony change (critical)',
    short: 'critical',
    color: '#e15759',
    ctx: { isWeddingCritical: true, isActiveWedding: true, isCriticalOperation: true },
    operations: { payment: 1, ceremonyChange: 1 },
  },
};
export const CLASS_KEYS = Object.keys(CLASSES);

/** Pool options shared by both runs (wall-clock timings are filled in per mode). */
export const BASE_POOL = { min: 2, max: 8 };
export const WEDPOOL_EXTRA = { weddingDayMultiplier: 3, emergencyReservedConnections: 2, priorityAgingPerSecond: 100 };
export const FIXED_EXTRA = { weddingDayMultiplier: 1, emergencyReservedConnections: 0, priorityAgingPerSecond: 0 };
/** The third contender, a real `pg.Pool` sized to WedPool's Saturday peak (scaled max plus the reserve), all week. */
export const PG_POOL = {
  min: BASE_POOL.min,
  max: BASE_POOL.max * WEDPOOL_EXTRA.weddingDayMultiplier + WEDPOOL_EXTRA.emergencyReservedConnections,
};
export const CALENDAR = {
  weekdays: ['saturday'],
  timezones: TIMEZONES.map((t) => t.zone),
  leadMinutes: 60,
};

/**
 * Wall-clock budget per run. `peakRate` is requests per wall-clock second at the busiest
 * moment of one timezone with weight 1; the rest of the weekend is shaped by traffic.mjs.
 */
export const MODES = {
  full: { runSeconds: 27, peakRate: 330, acquireTimeoutMillis: 2_000, sampleMillis: 100, printEverySeconds: 3 },
  quick: { runSeconds: 6, peakRate: 330, acquireTimeoutMillis: 2_000, sampleMillis: 50, printEverySeconds: 2 },
};

/** Parses argv: `--quick`, `--seed N`, `--out DIR`. */
export function parseArgs(argv) {
  const args = { quick: false, seed: 20260613, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a.startsWith('--seed=')) args.seed = Number(a.slice(7));
    else if (a === '--out') args.out = argv[++i];
    else if (a.startsWith('--out=')) args.out = a.slice(6);
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (!Number.isInteger(args.seed)) throw new Error('--seed needs an integer');
  return args;
}

export const USAGE = `usage: npm run demo [-- [--quick] [--seed N] [--out DIR]]

Simulates a wedding weekend (Friday to Sunday, weddings in ${TIMEZONES.map((t) => t.city).join(', ')})
against PostgreSQL, first on WedPool, then on a fixed-size pool, then on a pg.Pool sized to
WedPool's Saturday peak, and writes DIR/weekend.html
(default: report/). --quick compresses each weekend into ${MODES.quick.runSeconds} s instead of ${MODES.full.runSeconds} s.
Uses DATABASE_URL when set, else a throwaway PostgreSQL server.`;
