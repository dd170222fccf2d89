// The partner lifecycle as an Arazzo 1.0 workflow (spec/partner-lifecycle.arazzo.yaml), run by
// `redocly respect`: against the mock it passes; against a server that answers the failure
// inside HTTP 200 it fails, so its checks bite. The token never shows in its output.
import { join } from "node:path";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { answer, loopback } from "./helpers/server.js";
import { root } from "./helpers/run.js";
import { TOKEN } from "./helpers/token.js";

const workflow = join(root, "spec/partner-lifecycle.arazzo.yaml");

async function respect(serverUrl: string) {
  const args = ["respect", workflow, "--server", `partner=${serverUrl}`, "--input", `partnerToken=${TOKEN}`];
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
  try {
    const { stdout, stderr } = await promisify(execFile)(join(root, "node_modules/.bin/redocly"), args, { env, cwd: root });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe("the partner lifecycle workflow", () => {
  it("creates, finds in the list and deletes an instance on the mock", async () => {
    const { code, out } = await respect(inject("mockUrl"));
    expect(out).toMatch(/Workflows: 1 passed, 1 total/);
    expect(out).toMatch(/Steps: 3 passed, 3 total/);
    expect(code).toBe(0);
    expect(out).not.toContain(TOKEN);
  }, 60_000);

  it("fails when createInstance answers the failure inside HTTP 200", async () => {
    const server = await loopback(answer(200, { code: 401, description: "Unauthorized" }));
    try {
      const { code, out } = await respect(server.url);
      expect(out).toMatch(/Workflows: 1 failed/);
      expect(code).not.toBe(0);
      expect(server.requests).toHaveLength(1); // it stops at the failed create: nothing is deleted
      expect(out).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  }, 60_000);
});
