// Ends every run with the plain line `N passed, N failed[, N skipped]` that CI counts.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") count.passed++;
        else if (state === "failed") (count.failed++, failedHere++);
        else count.skipped++;
      }
      // A file that failed outside any test (an import error, a failing hook) is a failure too.
      if (testModule.state() === "failed" && failedHere === 0) count.failed++;
    }
    count.failed += unhandledErrors.length;
    const skipped = count.skipped ? `, ${count.skipped} skipped` : "";
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed${skipped}\n`);
  }
}
