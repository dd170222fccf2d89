// README's journey example, run as a reader would paste it: against the package's mock, with no
// token set. The package's names resolve to src/ (the packed package is tried in consumer.test.ts).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
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

it("README's \"Connecting a customer's phone\" runs end to end against the mock", async () => {
  const dir = mkdtempSync(join(tmpdir(), "readme-journey-"));
  try {
    writeFileSync(join(dir, "journey.ts"), block("journey-example"));
    await build({
      entryPoints: [join(dir, "journey.ts")],
      outfile: join(dir, "journey.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      alias: {
        "green-api-partner/testing": join(root, "src/testing.ts"),
        "green-api-partner": join(root, "src/index.ts"),
      },
      logLevel: "error",
    });
    const env = { ...process.env, GREEN_API_PARTNER_TOKEN: "", PATH: process.env.PATH };
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "journey.mjs")], {
      cwd: root,
      env,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/state: null\nstate: starting\nstate: notAuthorized\n/);
    expect(stdout).toMatch(/<img src="data:image\/png;base64,/);
    expect(stdout).toMatch(/linked and configured: \d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
