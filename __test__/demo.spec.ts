// The wedding-weekend demo (`npm run demo -- --quick`): it runs to the end against the test
// server, prints its summary, and writes a self-contained report whose charts render in a real
// browser. The browser part needs Debian's chromium (.ci/run installs it); it is skipped without,
// except when WEDPOOL_REQUIRE_CHROMIUM=1 (set by .ci/run), where a missing browser fails it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { openPage } from '../scripts/demo/headless.mjs';
import { DATABASE_URL } from './support/pool';

const root = join(__dirname, '..');
const reportFile = join(root, 'report', 'weekend.html');
const screenshotFile = join(root, 'report', 'weekend.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const requireChromium = process.env.WEDPOOL_REQUIRE_CHROMIUM === '1';
if (!hasChromium && !requireChromium) {
  console.warn(`demo.spec: ${CHROMIUM} is not installed, so the report is not checked in a browser (apt-get install chromium; .ci/run does; CHROMIUM_PATH overrides the path).`);
}

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  millis: number;
}

/** Runs `node scripts/demo.mjs ...args` with the test server; SIGINT after `limitMillis`, SIGKILL 10 s later. */
function runDemo(args: string[], limitMillis = 150_000): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, 'scripts', 'demo.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: DATABASE_URL() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const interrupt = setTimeout(() => child.kill('SIGINT'), limitMillis);
    const kill = setTimeout(() => child.kill('SIGKILL'), limitMillis + 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      resolve({ code, stdout, stderr, millis: Date.now() - started });
    });
  });
}

interface ChartCheck {
  id: string;
  width: number;
  height: number;
  marks: number;
  visibleMarks: number;
  legend: number;
  labels: number;
}

interface PairCheck {
  figures: number;
  sideBySide: boolean;
  captions: string[];
}

// Runs in the page: what each chart drew, and whether each pair of charts sits side by side.
const CHECK_CHARTS = `(() => {
  const charts = [...document.querySelectorAll('svg[data-chart]')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll('.series path, .series rect, .series circle')].map((el) => el.getBBox());
    return {
      id: svg.dataset.chart,
      width: box.width,
      height: box.height,
      marks: marks.length,
      visibleMarks: marks.filter((b) => b.width > 0 && (b.height > 0 || b.width > 1)).length,
      legend: [...svg.querySelectorAll('.legend text')].filter((t) => t.getBBox().width > 0).length,
      labels: [...svg.querySelectorAll('text')].filter((t) => t.getBBox().width > 0).length,
    };
  });
  const pairs = [...document.querySelectorAll('.pair')].map((pair) => {
    const figures = [...pair.querySelectorAll(':scope > figure')];
    const [a, b] = figures.map((f) => f.getBoundingClientRect());
    return {
      figures: figures.length,
      sideBySide: Boolean(a && b && Math.abs(a.top - b.top) < 1 && a.right <= b.left && a.width > 300 && b.width > 300),
      captions: figures.map((f) => f.querySelector('figcaption')?.textContent ?? ''),
    };
  });
  return { charts, pairs, title: document.title };
})()`;

describe('wedding-weekend demo (npm run demo -- --quick)', () => {
  let run: DemoRun;
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    run = await runDemo(['--quick']);
  }, 180_000);

  it('runs the whole weekend on both pools and exits 0', () => {
    if (run.code !== 0) console.error(`demo output:\n${run.stdout}\n${run.stderr}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('== WedPool:');
    expect(run.stdout).toContain('== fixed pool:');
    // It says what it did on the way, even without a terminal.
    expect(run.stdout).toMatch(/WedPool +\w{3} \d\d:\d\d UTC \| pool +\d+\/24/);
    expect(run.stdout).toMatch(/max 8 → 24, min 2 → 6 — lead-in before wedding day/);
    expect(run.stderr).not.toMatch(/Warning|Error/);
  });

  it('prints the summary table and the path of the report', () => {
    const summary = run.stdout.slice(run.stdout.indexOf('== Summary'));
    expect(summary).toMatch(/^== Summary/);
    for (const label of ['guest RSVP (normal)', 'vendor check-in & timeline (wedding day)', 'payment & ceremony change (critical)', 'all requests']) {
      // label, requests, then p50 / p99 / failed for WedPool and for the fixed pool
      expect(summary).toMatch(new RegExp(`${label.replace(/[()&]/g, '\\$&')} +\\d+( +[\\d.]+ m?s +[\\d.]+ m?s +\\d+){2}`));
    }
    // WedPool scaled up for the Saturday; the fixed pool never exceeded its max.
    const wed = /WedPool: peak size (\d+) of max (\d+)/.exec(summary);
    const fixed = /Fixed: +peak size (\d+) of max (\d+)/.exec(summary);
    expect(wed && Number(wed[2])).toBe(24);
    expect(wed && Number(wed[1])).toBeGreaterThan(8);
    expect(fixed && Number(fixed[2])).toBe(8);
    expect(fixed && Number(fixed[1])).toBeLessThanOrEqual(8);
    expect(summary).toMatch(/Report: .*weekend\.html/);
  });

  it('writes report/weekend.html, self-contained', () => {
    expect(existsSync(reportFile)).toBe(true);
    expect(statSync(reportFile).mtimeMs).toBeGreaterThanOrEqual(startedAt - 1_000);
    const html = readFileSync(reportFile, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    for (const id of ['traffic', 'pool', 'waiters', 'p99']) {
      for (const run of ['wedpool', 'fixed']) expect(html).toContain(`data-chart="${id}-${run}"`);
    }
  });

  it.skipIf(!hasChromium && !requireChromium)(
    `renders every chart in headless Chromium, side by side, and saves report/weekend.png${hasChromium || requireChromium ? '' : ` (skipped: ${CHROMIUM} not installed)`}`,
    async () => {
      expect(existsSync(CHROMIUM), `${CHROMIUM} is required (WEDPOOL_REQUIRE_CHROMIUM=1) but not installed`).toBe(true);
      const page = await openPage(CHROMIUM, pathToFileURL(reportFile).href, { width: 1400, height: 900 });
      try {
        const result = (await page.evaluate(CHECK_CHARTS)) as { charts: ChartCheck[]; pairs: PairCheck[]; title: string };
        expect(result.title).toContain('WedPool');
        const ids = result.charts.map((c) => c.id).sort();
        expect(ids).toEqual(
          ['traffic', 'pool', 'waiters', 'p99'].flatMap((id) => [`${id}-fixed`, `${id}-wedpool`]).sort(),
        );
        for (const c of result.charts) {
          expect.soft(c.width, `${c.id} width`).toBeGreaterThan(300);
          expect.soft(c.height, `${c.id} height`).toBeGreaterThan(100);
          expect.soft(c.visibleMarks, `${c.id}: drawn series with a non-zero size`).toBeGreaterThan(0);
          expect.soft(c.legend, `${c.id}: legend entries`).toBeGreaterThan(0);
          expect.soft(c.labels, `${c.id}: axis labels`).toBeGreaterThan(6);
        }
        expect(result.pairs.length).toBe(4);
        for (const p of result.pairs) {
          expect(p.figures).toBe(2);
          expect(p.sideBySide).toBe(true);
          expect(p.captions).toEqual(['WedPool', 'fixed pool']);
        }
        const shot = await page.screenshot(screenshotFile);
        expect(shot.height).toBeGreaterThan(1500);
      } finally {
        await page.close();
      }
      const png = readFileSync(screenshotFile);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(50_000);
    },
    60_000,
  );
});
