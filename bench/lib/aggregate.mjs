// Turns the per-process results into one row per figure: for each library the median,
// min and max over repetitions (plus the raw values), in the order figures first appeared.

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `runs`: [{ workload, library, rep, figures?, error? }] → [{ id, workload, label, unit, better, values: { lib: { median, min, max, reps } } }] */
export function aggregate(runs) {
  const rows = new Map();
  for (const run of runs) {
    for (const f of run.figures ?? []) {
      if (!rows.has(f.id)) rows.set(f.id, { id: f.id, workload: run.workload, label: f.label, unit: f.unit, better: f.better, values: {} });
      const row = rows.get(f.id);
      (row.values[run.library] ??= { reps: [] }).reps.push(f.value);
    }
  }
  for (const row of rows.values()) {
    for (const v of Object.values(row.values)) {
      const finite = v.reps.filter(Number.isFinite);
      v.median = finite.length ? median(finite) : NaN;
      v.min = finite.length ? Math.min(...finite) : NaN;
      v.max = finite.length ? Math.max(...finite) : NaN;
    }
  }
  return [...rows.values()];
}
