// README's "A sandbox for your integration tests" example, run as a partner's vitest suite would
// run it: its own vitest process, the package's names resolved to src/ (the packed package is
// tried in consumer.test.ts).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function block(marker: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const found = new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`).exec(
    readme,
  );
  if (!found) throw new Error(`README has no ${marker} block`);
  return found[1]!;
}

it("README's sandbox example passes as a partner's own vitest suite", async () => {
  // Inside the repository (hidden), so that vitest and the package's dependencies resolve.
  const dir = mkdtempSync(join(root, ".sandbox-readme-"));
  try {
    writeFileSync(join(dir, "app.sandbox.ts"), block("sandbox-example"));
    const alias = (name: string, file: string) =>
      `{ find: /^${name.replace(/[/-]/g, "\\$&")}$/, replacement: ${JSON.stringify(join(root, file))} }`;
    writeFileSync(
      join(dir, "vitest.config.mjs"),
      `export default { test: { include: ["app.sandbox.ts"], testTimeout: 30000 }, resolve: { alias: [${[
        alias("green-api-partner/testing", "src/testing.ts"),
        alias("green-api-partner/webhooks", "src/webhooks.ts"),
        alias("green-api-partner", "src/index.ts"),
      ].join(", ")}] } };`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--config", join(dir, "vitest.config.mjs")],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, timeout: 90_000 },
    ).catch((error: { stdout: string; stderr: string }) => ({ stdout: error.stdout + error.stderr }));
    expect(stdout).toMatch(/1 passed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
