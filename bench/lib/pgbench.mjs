// pgbench as the floor for W4: a custom script containing `select 1;` run with
// `-n -M prepared -c 10 -j 2 -T <secs>` (C + libpq, 10 clients like the pools' 10
// connections). Finds the binary on PATH or under /usr/lib/postgresql/*/bin (PGBENCH=/path
// picks one, PGBENCH=none skips it); null when absent.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { POOL_SIZE } from '../config.mjs';

/** { path, version } of pgbench, or null. */
export function findPgbench() {
  if (process.env.PGBENCH === 'none') return null;
  const candidates = [process.env.PGBENCH ?? 'pgbench'];
  if (!process.env.PGBENCH && existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) {
      candidates.push(`/usr/lib/postgresql/${v}/bin/pgbench`);
    }
  }
  for (const path of candidates) {
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { path, version };
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Runs pgbench for `seconds`; resolves to the W4 figures (queries/s, latency average). */
export async function runPgbench(pgbench, url, seconds) {
  const dir = mkdtempSync(join(tmpdir(), 'wedpool-pgbench-'));
  const script = join(dir, 'select1.sql');
  writeFileSync(script, 'select 1;\n');
  const args = ['-n', '-M', 'prepared', '-c', String(POOL_SIZE), '-j', '2', '-T', String(seconds), '-f', script, url];
  try {
    const out = await new Promise((resolve, reject) => {
      const child = spawn(pgbench.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (b) => (text += b));
      child.stderr.on('data', (b) => (text += b));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text.trim()}`))));
    });
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench output: ${out.trim()}`);
    return [
      { id: 'W4.qps', label: 'queries/s', unit: 'q/s', value: tps, better: 'higher' },
      { id: 'W4.avg', label: 'query latency average', unit: 'ms', value: latency, better: 'lower' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pgbenchCommand = (seconds) => `pgbench -n -M prepared -c ${POOL_SIZE} -j 2 -T ${seconds} -f select1.sql  # select1.sql: "select 1;"`;
