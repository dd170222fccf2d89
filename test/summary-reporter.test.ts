// The project's reporter, as CI sees it (output piped, not a terminal): a line as each file starts
// and ends, none of them like the closing line, which is exactly `N passed, N failed[, N skipped]`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { root } from "./helpers/run.js";

const dir = mkdtempSync(join(tmpdir(), "reporter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("prints progress per file when piped, and ends with CI's closing line", () => {
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(
    join(dir, "a.test.ts"),
    `import { it } from "vitest";\nit("passes", () => {});\nit.skip("is skipped", () => {});\n`,
  );
  writeFileSync(
    join(dir, "b.test.ts"),
    `import { expect, it } from "vitest";\nit("passes", () => {});\nit("fails", () => expect(1).toBe(2));\n`,
  );
  const result = spawnSync(
    "node",
    [
      join(root, "node_modules/vitest/vitest.mjs"),
      "run",
      "--root",
      dir,
      "--reporter",
      join(root, "test/summary-reporter.ts"),
    ],
    {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines = result.stdout.trim().split("\n");
  expect(lines.at(-1)).toBe("2 passed, 1 failed, 1 skipped");
  expect(result.stdout).toMatch(/^\[\d+:\d\d\] 2 test files to run$/m);
  for (const file of ["a.test.ts", "b.test.ts"])
    expect(result.stdout).toMatch(new RegExp(`^\\[\\d+:\\d\\d\\] started ${file}$`, "m"));
  expect(result.stdout).toMatch(/^\[\d+:\d\d\] file 1 of 2 done, /m);
  expect(result.stdout).toMatch(/^\[\d+:\d\d\] file 2 of 2 done, /m);
  expect(result.stdout).toMatch(/b\.test\.ts: FAILED \(1 of 2 tests\) in [\d.]+ s$/m);
  expect(result.stdout).toMatch(/a\.test\.ts: ok \(2 tests\) in [\d.]+ s$/m);
  // Only the last line may be read by CI as the run's count.
  expect(lines.slice(0, -1).filter((line) => /^(\w+:\s*)?\d+ passed, \d+ failed/.test(line))).toEqual([]);
  expect(result.status).toBe(1);
});
