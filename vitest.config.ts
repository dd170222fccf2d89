import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most files wait on servers, Chromium and tsc rather than compute: on 2 cores, three at a
    // time finish sooner than one (vitest's default there), and the slowest files start first.
    maxWorkers: 3,
    sequence: { shuffle: false },
    // typescript-min (the oldest TypeScript the package supports, for the consumer test) also
    // installs a `tsc` bin: the checker names the current one by path.
    typecheck: { enabled: true, checker: "node_modules/typescript/bin/tsc", include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
