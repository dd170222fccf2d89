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

/** Bundles a README block as a reader would paste it (the package's names resolving to src/) and runs it with `env`. */
async function runBlock(marker: string, env: Record<string, string | undefined>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `readme-${marker}-`));
  try {
    writeFileSync(join(dir, "block.ts"), block(marker));
    await build({
      entryPoints: [join(dir, "block.ts")],
      outfile: join(dir, "block.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      alias: {
        "green-api-partner/testing": join(root, "src/testing.ts"),
        "green-api-partner/webhooks": join(root, "src/webhooks.ts"),
        "green-api-partner": join(root, "src/index.ts"),
      },
      logLevel: "error",
    });
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "block.mjs")], {
      cwd: root,
      env: { ...process.env, ...env, PATH: process.env.PATH },
      timeout: 60_000,
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it("README's \"Connecting a customer's phone\" runs end to end against the mock", async () => {
  const stdout = await runBlock("journey-example", { GREEN_API_PARTNER_TOKEN: "" });
  expect(stdout).toMatch(/state: null\nstate: starting\nstate: notAuthorized\n/);
  expect(stdout).toMatch(/<img src="data:image\/png;base64,/);
  expect(stdout).toMatch(/linked and configured: \d+/);
}, 90_000);

it("README's \"The customer's first message\" sends, sees the queue, reads the status and receives the webhooks", async () => {
  const { examples } = await import("../generated/examples.js");
  const stdout = await runBlock("first-message-example", {
    GREEN_API_ID_INSTANCE: undefined,
    GREEN_API_TOKEN_INSTANCE: undefined,
    CUSTOMER_CHAT_ID: undefined,
    PORT: undefined,
  });
  const { idMessage } = examples.sendMessage.messageQueued.value as { idMessage: string };
  const { statusMessage } = examples.getMessage.firstMessageDelivered.value as { statusMessage: string };
  expect(stdout).toContain(`sent: ${idMessage}\n`);
  expect(stdout).toContain(`queued: [ '${idMessage}' ]\n`);
  expect(stdout).toContain(`status: ${statusMessage}\n`);
  expect(stdout).toMatch(
    new RegExp(`webhook: ${idMessage} sent\\nwebhook: ${idMessage} delivered\\nwebhook: ${idMessage} read\\n`),
  );
}, 90_000);
