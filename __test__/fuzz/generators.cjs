// Seeded generators of careless and hostile input for the fuzz suite. Same seed, same cases.
'use strict';

const { rng } = require('../../scripts/lib/rng.cjs');

const CANARY = 'CaNaRy7';

function tools(random) {
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const number = () =>
    pick([0, 1, -1, 0.5, 2, 10, 1e3, 1e6, 1e9, 1e300, 2 ** 31, 2 ** 31 - 1, 32_767_001, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, -0, 5e-324]);
  const junk = () => pick([undefined, null, '', '10', true, {}, [], 5n, () => 1, Symbol('s'), new Date(NaN), number()]);
  const value = () => (random() < 0.6 ? number() : junk());
  const sparse = (xs) => {
    const out = [...xs];
    delete out[Math.floor(random() * out.length)];
    return out;
  };
  return { pick, number, junk, value, sparse };
}

const NUMBER_FIELDS = [
  'port', 'connectTimeoutMillis', 'weddingDayMultiplier', 'emergencyReservedConnections', 'priorityAgingPerSecond',
  'maintenanceIntervalMillis', 'statementCacheSize', 'keepaliveMillis', 'tcpUserTimeoutMillis', 'maxLifetimeMillis',
  'queryTimeoutMillis', 'maxWaiting', 'unavailableGraceMillis', 'leakDetectionThresholdMillis',
];

/** Pool options: numbers at and beyond every bound, wrong types, sparse arrays, getters. */
function options(random) {
  const { pick, value, sparse, junk } = tools(random);
  const o = { connectionString: 'postgres://fuzz:' + CANARY + '@127.0.0.1:1/db', fleetBudget: false };
  for (let i = 0; i < 1 + Math.floor(random() * 4); i++) o[pick(NUMBER_FIELDS)] = value();
  if (random() < 0.5) o.basePoolSize = { min: value(), max: value(), acquireTimeoutMillis: value(), idleTimeoutMillis: value() };
  if (random() < 0.3) o.weddingCalendar = { weekdays: random() < 0.5 ? sparse(['saturday', 'sunday']) : [junk()], timezones: pick([['UTC'], sparse(['UTC', 'Europe/London']), ['Mars/Base'], junk(), new Proxy(['UTC'], { get: () => { throw new Error('hostile'); } })]), dates: pick([[{ date: '2026-02-30' }], sparse([{ date: '2026-06-13' }, { date: '2026-06-14' }]), [junk()], junk()]), leadMinutes: value() };
  if (random() < 0.2) o.types = { int8: pick(['string', 'float', 5n, junk()]) };
  if (random() < 0.2) o.trafficLearning = { table: pick([true, 'ok_name', 'x; DROP TABLE t', junk()]), alpha: value(), saveIntervalMillis: value() };
  if (random() < 0.2) {
    let reads = 0;
    Object.defineProperty(o, 'basePoolSize', { enumerable: true, get: () => (++reads === 1 ? { max: 2 } : { max: 1e9 }) });
  }
  if (random() < 0.1) o.fleetBudget = { enabled: junk(), safetyMargin: value(), refreshMillis: value() };
  return o;
}

/** Connection strings with the canary as password in every shape that has broken redaction. */
function connectionString(random) {
  const { pick } = tools(random);
  const p = pick(['', '@', '/', '?', '#', ' ', "'", '\\', '&']) + CANARY + pick(['', '@', '/', '?', '#', ' ', '&', "\\'"]);
  const bogus = pick(['bogus=1', 'port=notaport', 'sslmode=nonsense', 'target_session_attrs=maybe', '=', "'", '']);
  return pick([
    `postgres://u:${p}@h:5432/db?${bogus}`,
    `postgres://u@h/db?password=${encodeURIComponent(p)}&${bogus}`,
    `postgres://u@h/db?password=${p}&${bogus}`,
    `postgresql://u:${p}@h:notaport/db`,
    `host=h password=${p.replace(/[\s'\\]/g, '')} ${bogus}`,
    `host=h password = '${p.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' ${bogus}`,
    `host=h password=${p.replace(/([\s'\\])/g, '\\$1')} ${bogus}`,
    `password ${CANARY} ${bogus}`,
  ]);
}

/** Calendar times, valid Dates included, across and beyond the representable range. */
function calendarTime(random) {
  const { pick } = tools(random);
  const millis = pick([8.64e15, -8.64e15, 253402300800000, -62135596800001, 0, Date.now(), 8.64e15 * random(), -8.64e15 * random(), NaN]);
  const boom = () => {
    throw new Error('hostile');
  };
  return pick([
    () => new Date(millis), () => new Date(millis), () => new Date(millis), () => new Proxy(new Date(millis), {}),
    () => Object.assign(new Date(millis), { getTime: boom, valueOf: boom }), () => hostile(random, ['getTime']), () => ({ getTime: () => millis }),
  ])();
}

/** Traffic profiles: malformed parts, non-JSON values. */
function profile(random) {
  const { pick, junk, value } = tools(random);
  const hours = () => Array.from({ length: pick([168, 167, 0]) }, () => (random() < 0.9 ? Math.abs(random() * 10) : value()));
  return pick([
    { version: 1, timezones: { UTC: { critical: hours(), wedding: hours(), normal: hours() } }, hoursObserved: pick([1, -1, 1.5, 'x']) },
    { version: pick([1, 2, '1']), timezones: junk() },
    junk(),
    'not json {',
    { version: 1, timezones: { UTC: { critical: hours(), wedding: junk(), normal: hours() } } },
  ]);
}

/** Query parameters: every JavaScript kind, deep nesting, circular values. */
function parameter(random) {
  const { pick, junk, number } = tools(random);
  const deep = () => {
    let v = [1];
    for (let i = 0, n = pick([5, 200, 100_000]); i < n; i++) v = [v];
    return v;
  };
  const circular = () => {
    const o = { a: 1 };
    o.self = o;
    return o;
  };
  const boom = () => {
    throw new Error('hostile');
  };
  const hostileDate = () => Object.assign(new Date(), { getTime: boom, toISOString: boom });
  return pick([
    junk, number, deep, circular, () => 2n ** 64n, () => new Date(8.64e15), () => ({ toPostgres: () => circular() }), () => Buffer.from([0, 1]),
    () => hostile(random, ['a', 'toPostgres', 'toJSON']), () => ({ toPostgres: boom }), () => ({ toJSON: boom }), () => new Proxy(Buffer.from('a'), {}),
    () => new Proxy(new Date(), {}), hostileDate,
  ])();
}

/** Statement texts and non-strings. */
function statement(random) {
  const { pick, junk } = tools(random);
  return pick([
    'SELECT 1\0', 'COPY (SELECT 1) TO STDOUT', 'copy pg_class from stdin', 'DISCARD ALL', 'DEALLOCATE ALL', '', ' ', ';',
    'SELECT $1', 'SELECT 1; SELECT 2', 'BEGIN', 'ROLLBACK', 'SELECT pg_sleep(0.01)', 'SELEC', junk(), 'SELECT ' + "'x'".repeat(2000),
  ]);
}

/** A value whose every read throws: a throwing getter, or a Proxy whose traps throw. */
function hostile(random, fields) {
  const { pick } = tools(random);
  const boom = () => {
    throw new Error('hostile');
  };
  const getters = () => Object.defineProperty({}, pick(fields), { enumerable: true, get: boom });
  const proxy = () => new Proxy({}, { get: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, has: boom });
  const flipping = () => {
    let reads = 0;
    return Object.defineProperty({}, pick(fields), { enumerable: true, get: () => (++reads === 1 ? true : boom()) });
  };
  return pick([getters, proxy, flipping])();
}

const CONTEXT_FIELDS = ['isActiveWedding', 'isWeddingDay', 'isCriticalOperation', 'isWeddingCritical', 'weddingId', 'operation'];

/** Query options (`rowMode`, deadlines, `signal`) as careless and hostile callers pass them. */
function queryOptions(random) {
  const { pick, junk, number } = tools(random);
  return pick([undefined, {}, { rowMode: junk() }, { rowMode: 'array' }, { queryTimeoutMillis: number() }, { queryTimeoutMillis: junk() }, junk(), hostile(random, ['rowMode', 'queryTimeoutMillis', 'timeoutMillis', 'signal'])]);
}

/** Contexts as careless and hostile callers pass them. */
function context(random) {
  const { pick, junk } = tools(random);
  return pick([undefined, null, {}, { isActiveWedding: junk(), isWeddingCritical: junk() }, junk(), 'critical', [true], hostile(random, CONTEXT_FIELDS)]);
}

/** Acquire options: bad signals (look-alikes, Proxies, overridden methods), bad timeouts, hostile reads. */
function acquireOptions(random) {
  const { pick, junk, number } = tools(random);
  const boom = () => {
    throw new Error('hostile');
  };
  const overridden = () => {
    const signal = new AbortController().signal;
    signal[pick(['addEventListener', 'removeEventListener'])] = boom;
    return signal;
  };
  const proxied = () => new Proxy(new AbortController().signal, { get: (t, k) => (k === 'aborted' ? false : Reflect.get(t, k)) });
  const throwingAborted = () => Object.defineProperty(new AbortController().signal, 'aborted', { get: boom });
  return pick([
    undefined, {}, { signal: junk() }, { signal: { aborted: false } }, { signal: overridden() }, { signal: proxied() },
    { signal: throwingAborted() }, { timeoutMillis: number() }, { timeoutMillis: junk() }, junk(), hostile(random, ['signal', 'timeoutMillis']),
  ]);
}

module.exports = { rng, CANARY, options, connectionString, calendarTime, profile, parameter, statement, queryOptions, context, acquireOptions };
