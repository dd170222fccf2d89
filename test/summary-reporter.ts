// Ends every run with the plain line `N passed, N failed[, N skipped]` that CI counts. When the
// output is not a terminal (CI, a pipe), it also prints a line as each file starts and ends, so a
// person watching a long run sees it move. No such line may read like the closing one.
import { relative } from "node:path";
import type { Reporter, TestModule, TestSpecification } from "vitest/node";

export default class SummaryReporter implements Reporter {
  private readonly progress = !process.stdout.isTTY;
  private readonly started = Date.now();
  private files = 0;
  private ended = 0;

  private static count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

  private line(text: string) {
    const elapsed = Math.round((Date.now() - this.started) / 1000);
    process.stdout.write(`[${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, "0")}] ${text}\n`);
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>) {
    this.files = specifications.length;
    if (this.progress) this.line(`${SummaryReporter.count(this.files, "test file")} to run`);
  }

  onTestModuleStart(testModule: TestModule) {
    if (this.progress) this.line(`started ${relative(process.cwd(), testModule.moduleId)}`);
  }

  onTestModuleEnd(testModule: TestModule) {
    if (!this.progress) return;
    const tests = [...testModule.children.allTests()];
    const failed = tests.filter((test) => test.result().state === "failed").length;
    const verdict =
      testModule.state() === "failed"
        ? `FAILED (${failed} of ${SummaryReporter.count(tests.length, "test")})`
        : `ok (${SummaryReporter.count(tests.length, "test")})`;
    const seconds = (testModule.diagnostic().duration / 1000).toFixed(1);
    this.line(
      `file ${++this.ended} of ${this.files} done, ${relative(process.cwd(), testModule.moduleId)}: ${verdict} in ${seconds} s`,
    );
  }

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
