// Runs a Node script in a child process with DATABASE_URL set, for behaviour that only a whole
// process shows (exiting by itself, shutdown). Killed after 15 s.
import { spawn } from 'node:child_process';

import { DATABASE_URL } from './pool';

/** What the child did. */
export interface ChildResult {
  code: number | null;
  signal: string | null;
  ms: number;
  out: string;
}

/** Runs `source` with `node -e` (with `env` added); stdout and stderr are collected in `out`. */
export function runNodeScript(source: string, env: Record<string, string> = {}): Promise<ChildResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', source], { env: { ...process.env, DATABASE_URL: DATABASE_URL(), ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, ms: performance.now() - started, out });
    });
  });
}
