import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the test output with one line of counts, after vitest's own summary (which ends with its
 * start time and duration), so whoever reads only the tail of a CI log still sees the result.
 */
export default class CountsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    let brokenFiles = 0;
    for (const module of testModules) {
      if (module.errors().length > 0) brokenFiles++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    const failing = counts.failed > 0 || brokenFiles > 0 || unhandledErrors.length > 0;
    const extras = [
      brokenFiles > 0 ? `${brokenFiles} test file(s) failed to run` : '',
      unhandledErrors.length > 0 ? `${unhandledErrors.length} unhandled error(s)` : '',
    ].filter(Boolean);
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${testModules.length} files` +
        `${extras.length > 0 ? `; ${extras.join(', ')}` : ''}: ${failing ? 'FAILED' : 'all passed'}\n`,
    );
  }
}
