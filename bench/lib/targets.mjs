// The targets, evaluated on the medians of one run. Each gives WedPool's measured
// value, the reference (a peer's median or a fixed bound), the ratio measured/reference and
// whether the required ratio is met. Relative targets only compare figures taken side by side.

const ratioTarget = (workload, text, id, refLib, op, need, unit) => ({ workload, text, id, refLib, op, need, unit });
/** Reference: whichever of pg-pool and postgres.js did better on that figure in this run. */
const FASTER_PEER = 'fasterPeer';
const PEERS = ['pg', 'postgresjs'];
const boundTarget = (workload, text, id, op, bound, unit) => ({ workload, text, id, op, bound, unit });

export const TARGETS = [
  ratioTarget('W1', 'W1 acquire+release p50 no slower than pg-pool', 'W1.p50', 'pg', '<=', 1, 'µs'),
  boundTarget('W1', 'W1 acquire+release p99 ≤ 10 µs', 'W1.p99', '<=', 10, 'µs'),
  ratioTarget('W3', "W3 serial SELECT 1 p50 no slower than the faster peer's", 'W3.p50', FASTER_PEER, '<=', 1, 'µs'),
  ratioTarget('W3', "Node CPU per query (W3, serial) ≤ pg-pool's", 'W3.cpu', 'pg', '<=', 1, 'ms/1k'),
  ratioTarget('W4', 'W4 SELECT 1 q/s ≥ 1.5× the faster peer (64 callers)', 'W4.qps', FASTER_PEER, '>=', 1.5, 'q/s'),
  ratioTarget('W4', 'W4 SELECT 1 q/s ≥ 60% of pgbench (10 clients, prepared)', 'W4.qps', 'pgbench', '>=', 0.6, 'q/s'),
  ratioTarget('W4', "Node CPU per query (W4, 64 callers) ≤ pg-pool's", 'W4.cpu', 'pg', '<=', 1, 'ms/1k'),
  boundTarget('W5', 'W5 critical acquire wait p99 ≤ 2 ms', 'W5.critical.p99', '<=', 2, 'ms'),
  ratioTarget('W5', "W5 normal acquire wait p99 ≤ 1.2× pg-pool's", 'W5.normal.p99', 'pg', '<=', 1.2, 'ms'),
  ratioTarget('W6', "W6 100 rows p50 no slower than the faster peer's", 'W6.100.p50', FASTER_PEER, '<=', 1, 'µs'),
  ratioTarget('W6', "W6 1,000 rows p50 no slower than the faster peer's", 'W6.1000.p50', FASTER_PEER, '<=', 1, 'µs'),
  boundTarget('W7', 'W7 normal acquire wait p99 ≤ 25 ms', 'W7.normal.p99', '<=', 25, 'ms'),
  boundTarget('W7', 'W7 active-wedding acquire wait p99 ≤ 25 ms', 'W7.active.p99', '<=', 25, 'ms'),
  boundTarget('W7', 'W7 critical acquire wait p99 ≤ 25 ms', 'W7.critical.p99', '<=', 25, 'ms'),
];

/** The peer with the better figure: lower for `<=`/`<` targets, higher for `>=`. */
function fasterPeer(op, value) {
  const known = PEERS.filter((lib) => Number.isFinite(value(lib)));
  if (known.length === 0) return PEERS[0];
  const better = op === '>=' ? (a, b) => value(a) >= value(b) : (a, b) => value(a) <= value(b);
  return known.reduce((best, lib) => (better(lib, best) ? lib : best));
}

const compare = (op, a, b) => (op === '<=' ? a <= b : op === '<' ? a < b : a >= b);

/** `rows` from aggregate(); returns one result per target whose workload ran. */
export function evaluateTargets(rows, workloadsRun) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const get = (lib, id) => byId.get(id)?.values[lib]?.median ?? NaN;
  return TARGETS.filter((t) => workloadsRun.includes(t.workload)).map((t) => {
    const measured = get('wedpool', t.id);
    const peer = t.refLib === FASTER_PEER ? fasterPeer(t.op, (lib) => get(lib, t.id)) : t.refLib;
    const reference = peer ? get(peer, t.id) : t.bound;
    const ratio = measured / reference;
    const need = t.refLib ? t.need : 1;
    const known = Number.isFinite(ratio);
    return {
      target: t.text,
      unit: t.unit,
      measured,
      reference,
      referenceName: peer ?? 'bound',
      required: `${t.op} ${need}×`,
      ratio,
      status: !known ? 'n/a' : compare(t.op, ratio, need) ? 'met' : 'missed',
    };
  });
}
