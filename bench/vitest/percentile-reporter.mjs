// Prints p50/p99 (and p999, mean, samples) per benchmark after `vitest bench`, in µs: the
// built-in table shows p75/p99 but not the median this project compares with its peers.
const micros = (ms) => (ms * 1000).toFixed(ms < 0.01 ? 2 : 1);

function* benchmarks(task, prefix = '') {
  const name = prefix ? `${prefix} > ${task.name}` : task.name;
  if (task.meta?.benchmark && task.result?.benchmark) yield { name, stats: task.result.benchmark };
  for (const child of task.tasks ?? []) yield* benchmarks(child, task.type === 'suite' && task.name && !task.filepath ? name : prefix);
}

export default class PercentileReporter {
  onTestRunEnd(testModules) {
    const rows = testModules.flatMap((m) => [...benchmarks(m.task)]);
    if (rows.length === 0) return;
    const width = Math.max(...rows.map((r) => r.name.length));
    const lines = rows.map(({ name, stats }) => {
      const cells = [stats.median, stats.p99, stats.p999, stats.mean].map((v) => micros(v ?? 0).padStart(9));
      return `${name.padEnd(width)}  ${cells.join(' ')}  ${String(stats.sampleCount ?? stats.samples?.length ?? 0).padStart(8)}`;
    });
    const header = `${'benchmark (µs per operation)'.padEnd(width)}  ${['p50', 'p99', 'p999', 'mean'].map((h) => h.padStart(9)).join(' ')}  ${'samples'.padStart(8)}`;
    process.stdout.write(`\n${header}\n${lines.join('\n')}\n`);
  }
}
