// The release workflow cannot run here, so it is read with a real YAML parser and checked
// against the repository: the build matrix is the napi-rs target list, every target gets the
// install test, the commands it runs exist, and publishing uses provenance.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

import { repoRoot } from '../support/packaged';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Array<Record<string, unknown>> } };
  steps: Step[];
}

const workflowFile = join(repoRoot, '.github', 'workflows', 'release.yml');
const document = parseDocument(readFileSync(workflowFile, 'utf8'));
const workflow = document.toJS() as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const allRuns = Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps.map((s) => s.run ?? ''));
const targetsOf = (job: Job) => (job.strategy?.matrix.include ?? []).map((m) => m.target as string).sort();

describe('.github/workflows/release.yml', () => {
  it('is valid YAML with jobs that each run somewhere and have steps', () => {
    expect(document.errors).toEqual([]);
    expect(Object.keys(workflow.jobs)).toEqual(['build', 'install-test', 'publish']);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect(job['runs-on'], name).toBeTruthy();
      expect(job.steps.length, name).toBeGreaterThan(0);
      for (const step of job.steps) expect(Boolean(step.uses) !== Boolean(step.run), `${name}: a step has uses or run`).toBe(true);
    }
  });

  it('builds every napi target in package.json, and only those', () => {
    expect(targetsOf(workflow.jobs.build)).toEqual([...manifest.napi.targets].sort());
  });

  it('installs and queries on every target it builds', () => {
    const test = workflow.jobs['install-test'];
    expect(targetsOf(test)).toEqual(targetsOf(workflow.jobs.build));
    expect(test.needs).toBe('build');
    const specRuns = test.steps.map((s) => s.run ?? '').filter((r) => r.includes('__test__/package/install.spec.ts'));
    expect(specRuns.length).toBeGreaterThanOrEqual(2);
  });

  it('packs the root package exactly once (linux-x64-gnu), the rest platform-only', () => {
    const full = workflow.jobs.build.strategy!.matrix.include.filter((m) => !String(m.pack).includes('--platform-only'));
    expect(full.map((m) => m.target)).toEqual(['x86_64-unknown-linux-gnu']);
  });

  it('runs only npm scripts and spec files that exist, and actions by release tag', () => {
    for (const run of allRuns) {
      for (const m of run.matchAll(/npm run (\S+)/g)) expect(manifest.scripts, `npm run ${m[1]}`).toHaveProperty(m[1]);
      for (const m of run.matchAll(/(__test__\/\S+\.spec\.ts)/g)) expect(existsSync(join(repoRoot, m[1])), m[1]).toBe(true);
    }
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+|stable)$/);
    }
  });

  it('publishes on version tags only, after the install tests, with provenance', () => {
    const publish = workflow.jobs.publish;
    expect(publish.needs).toEqual(expect.arrayContaining(['build', 'install-test']));
    expect(publish.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    expect(publish.permissions).toMatchObject({ 'id-token': 'write' });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const script = publish.steps.map((s) => s.run ?? '').join('\n');
    const publishes = script.split('\n').filter((l) => l.includes('npm publish'));
    expect(publishes.length).toBe(2);
    for (const line of publishes) expect(line).toContain('--provenance');
    expect(script).toContain('GITHUB_REF_NAME');
  });
});
