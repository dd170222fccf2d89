// test/sandbox.test-d.ts type-checks under exactOptionalPropertyTypes (the repository's tsconfig
// leaves it off, a strict consumer turns it on): the sandbox's optional options take `undefined`.
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

describe("the sandbox's public types under exactOptionalPropertyTypes", () => {
  it("accept undefined for every optional option", () => {
    const file = fileURLToPath(new URL("./sandbox.test-d.ts", import.meta.url));
    const config = ts.getParsedCommandLineOfConfigFile(
      fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    )!;
    const program = ts.createProgram([file], { ...config.options, exactOptionalPropertyTypes: true, noEmit: true });
    // Only the test file's own errors: src/ is not written for this option (a consumer reads its .d.ts, skipLibCheck).
    const errors = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
