// Child-process steps for scripts/test.mjs: each step streams its output, is killed (with its
// whole process group) when the run's overall time limit passes, and reports why it ended.
import { spawn } from 'node:child_process';

/**
 * An overall time limit shared by every step. `expired` turns true once it has passed; the
 * running step is then killed and no further step starts.
 */
export function createDeadline(minutes) {
  const deadline = { minutes, expired: false, current: null, timer: null };
  deadline.timer = setTimeout(() => {
    deadline.expired = true;
    console.error(`\n!! npm test exceeded its time limit of ${minutes} min (WEDPOOL_TEST_TIMEOUT_MINUTES): stopping.`);
    if (deadline.current) killGroup(deadline.current);
  }, minutes * 60_000);
  deadline.timer.unref();
  return deadline;
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Runs `cmd args` in `root`, streaming its output; resolves `{ code, output, timedOut }`.
 * After the deadline it does not start and resolves `{ code: 1, timedOut: true }`.
 */
export function runStep(deadline, root, cmd, args, env = {}) {
  if (deadline.expired) return Promise.resolve({ code: 1, output: '', timedOut: true });
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    deadline.current = child;
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on('error', (err) => {
      output += String(err);
    });
    child.on('close', (code, signal) => {
      if (deadline.current === child) deadline.current = null;
      resolve({ code: code ?? 1, signal, output, timedOut: deadline.expired });
    });
  });
}
