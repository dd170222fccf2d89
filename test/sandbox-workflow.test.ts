// `npm run workflow` (the Arazzo journey, scripts/workflow.js over `redocly respect`) against the
// sandbox instead of fakes that answer examples: the instance it creates is really listed, moves
// null → starting → notAuthorized, answers a QR code, and is really deleted. The sandbox runs on
// the real clock with its own durations at 0 (each move happens at once, so no wait depends on
// time); the workflow's waits are cut 100-fold as in test/workflow.test.ts.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import YAML from "yaml";
import { startSandbox } from "../src/sandbox/index.js";
import { root } from "./helpers/run.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

const dir = mkdtempSync(join(tmpdir(), "sandbox-workflow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The journey's workflow with every `retryAfter` 100 times shorter. */
function quickWorkflow(): string {
  const copy = YAML.parse(readFileSync(join(root, "spec/partner-lifecycle.arazzo.yaml"), "utf8"));
  for (const source of copy.sourceDescriptions) source.url = join(root, "spec", source.url);
  for (const step of copy.workflows[0].steps as Array<{ onFailure?: Array<{ retryAfter?: number }> }>)
    for (const action of step.onFailure ?? []) if (action.retryAfter) action.retryAfter /= 100;
  const file = join(dir, "quick.arazzo.yaml");
  writeFileSync(file, YAML.stringify(copy));
  return file;
}

it("runs the partner workflow end to end against the sandbox, and leaves the instance deleted", async () => {
  const sandbox = await startSandbox({ partnerToken: TOKEN, durations: { creatingMs: 0, startingMs: 0 } });
  try {
    const { GREEN_API_INSTANCE_URL: _unset, ...inherited } = process.env;
    const result = await promisify(execFile)(process.execPath, [join(root, "scripts/workflow.js")], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...inherited,
        REDOCLY_TELEMETRY: "off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
        NO_COLOR: "1",
        GREEN_API_URL: sandbox.url,
        GREEN_API_PARTNER_TOKEN: TOKEN,
        GREEN_API_WORKFLOW_FILE: quickWorkflow(),
      },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const out = result.stdout + result.stderr;
    expect(out).toMatch(/Workflows: 1 passed, 1 total/);
    const [instance] = sandbox.instances();
    expect(sandbox.instances()).toHaveLength(1);
    expect(instance).toMatchObject({ name: "first instance", state: "notAuthorized", deleted: true });
    expect(instance!.settings).toMatchObject({ stateWebhook: "yes", incomingWebhook: "no" });
    expectNoToken(out, [TOKEN, instance!.apiTokenInstance]);
  } finally {
    await sandbox.stop();
  }
}, 120_000);
