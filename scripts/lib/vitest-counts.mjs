// A vitest reporter that counts honestly and writes the counts to the file named by
// WEDPOOL_COUNTS_FILE (scripts/test.mjs reads it). vitest's own JSON report marks the tests of a
// suite whose `beforeAll` threw as "skipped", which would add 0 failures; here a test counts as:
// - passed: it ran and passed;
// - skipped: it was skipped on purpose (`it.skip`, `it.skipIf(true)`, `-t` filters, `ctx.skip()`);
// - failed: it failed, or it was meant to run but never did (a hook of its suite failed, its
//   file failed to load, the run was interrupted).
// A file that failed with no test in it, a hook that failed after its tests passed, and every
// unhandled error count as one failure each.
import { writeFileSync } from 'node:fs';

/** Relative, readable name of a test: `file > describe > it`. */
function fullName(test, root) {
  return [test.module.moduleId.replace(`${root}/`, ''), test.fullName].join(' > ');
}

/** Counts tests as described above and writes `{ passed, failed, skipped, notRun, ... }`. */
export default class CountsReporter {
  onInit(vitest) {
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    const counts = { passed: 0, failed: 0, skipped: 0, failedTests: [], notRun: [], skippedTests: [], brokenFiles: [], failedHooks: [], unhandledErrors: unhandledErrors.length, reason };
    for (const mod of testModules) {
      const tests = [...mod.children.allTests()];
      if (tests.length === 0 && (mod.state() === 'failed' || (mod.errors?.() ?? []).length > 0)) {
        counts.failed += 1;
        counts.brokenFiles.push(mod.moduleId.replace(`${this.root}/`, ''));
        continue;
      }
      for (const test of tests) {
        const result = test.result();
        const name = fullName(test, this.root);
        if (result.state === 'passed') counts.passed += 1;
        else if (result.state === 'failed') {
          counts.failed += 1;
          counts.failedTests.push(name);
        } else if (result.state === 'skipped' && (test.options.mode === 'skip' || test.options.mode === 'todo' || result.note !== undefined || this.skippedOnPurpose(test))) {
          counts.skipped += 1;
          counts.skippedTests.push(result.note ? `${name} (${result.note})` : name);
        } else {
          counts.failed += 1;
          counts.notRun.push(name);
        }
      }
      // A hook that failed after its tests passed (`afterAll`, `afterEach`) is one failure more.
      for (const holder of [mod, ...mod.children.allSuites()]) {
        const holderTests = holder === mod ? tests : [...holder.children.allTests()];
        if ((holder.errors?.() ?? []).length > 0 && holderTests.every((t) => t.result().state === 'passed')) {
          counts.failed += 1;
          counts.failedHooks.push(holder === mod ? holder.moduleId.replace(`${this.root}/`, '') : `${holder.module.moduleId.replace(`${this.root}/`, '')} > ${holder.fullName}`);
        }
      }
    }
    counts.failed += unhandledErrors.length;
    const file = process.env.WEDPOOL_COUNTS_FILE;
    if (file) writeFileSync(file, `${JSON.stringify(counts, null, 2)}\n`);
  }

  /** A test skipped at run time by `ctx.skip()`: none of its suites nor its file reported an error. */
  skippedOnPurpose(test) {
    for (let parent = test.parent; parent; parent = parent.type === 'module' ? undefined : parent.parent) {
      if ((parent.errors?.() ?? []).length > 0) return false;
    }
    return true;
  }
}
