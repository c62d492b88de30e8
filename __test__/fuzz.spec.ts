// Seeded fuzz suite: careless and hostile options, connection strings, calendar times,
// profiles, parameters, statements, contexts and acquire options. Each category runs in a
// child process (a crash there fails the test instead of the run), bounded in time. The seed
// is fixed by default, so `npm test` and CI are reproducible; WEDPOOL_FUZZ_SEED=random explores
// new cases (the seed is printed), WEDPOOL_FUZZ_SEED=<seed> reruns one (WEDPOOL_FUZZ_CASES=<n>).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DATABASE_URL } from './support/pool';

/** The default seed: fixed, so a run that passed once passes again on the same code. */
const DEFAULT_SEED = 20261130;
const requested = process.env.WEDPOOL_FUZZ_SEED;
const SEED = requested === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(requested ?? DEFAULT_SEED);
const CASES = Number(process.env.WEDPOOL_FUZZ_CASES ?? 40);
console.log(`fuzz seed ${SEED} (${CASES} cases per category; rerun with WEDPOOL_FUZZ_SEED=${SEED})`);

interface Line {
  case: number | string;
  state: 'start' | 'ok' | 'bad';
  why?: string;
}

function runCategory(category: string, seed: number): Promise<{ code: number | null; signal: string | null; lines: Line[]; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, 'fuzz', 'child.cjs'), category, String(seed), String(CASES)], {
      env: { ...process.env, DATABASE_URL: DATABASE_URL() },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const lines = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line);
      resolve({ code, signal, lines, err });
    });
  });
}

describe(`fuzz (seed ${SEED})`, () => {
  it.each(['options', 'connectionStrings', 'calendarTimes', 'profiles', 'parameters', 'statements', 'contexts'])(
    '%s: no crash, only typed errors, no password shown, nothing leaked',
    async (category) => {
      // Each category gets its own stream, so one can be rerun alone with the same seed.
      const seed = SEED + category.length * 7919;
      const { code, signal, lines, err } = await runCategory(category, seed);
      const last = lines.filter((l) => l.state === 'start').at(-1);
      const context = `category ${category}, seed ${SEED}, last case started ${String(last?.case)}; stderr: ${err.slice(-2000)}`;
      expect(signal, context).toBeNull();
      expect(code, context).toBe(0);
      expect(lines.filter((l) => l.state === 'bad'), context).toEqual([]);
      expect(lines.filter((l) => l.state === 'ok').length, context).toBeGreaterThanOrEqual(CASES);
    },
    120_000,
  );
});
