// `green-api-partner sandbox`: the bin, bundled with src/ in place of dist/ (no build needed),
// serving on 127.0.0.1, and its control verbs calling it. Nothing waits on the wall clock: the
// durations that would move are set far beyond the test's length, and output lines are awaited.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { PluginBuild } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForNode } from "../scripts/bench-sandbox.js";
import { createPartnerClient } from "../src/index.js";
import { MAX_TIMER_MS } from "../src/timing.js";

const root = fileURLToPath(new URL("..", import.meta.url));
let outfile = "";
const TOKEN = "gac.sandbox-cli-test";

let child: ChildProcess;
let url = "";
const run = (args: string[]) =>
  promisify(execFile)("node", [outfile, "sandbox", ...args, "--url", url]).then(
    (done) => ({ code: 0, ...done }),
    (failed: { code: number; stdout: string; stderr: string }) => failed,
  );

beforeAll(async () => {
  // The bin, with dist/ imports read from src/ (no build needed).
  outfile = await bundleForNode("bin/green-api-partner.js", "green-api-partner-sandbox-cli.mjs", [
    {
      name: "src",
      setup(b: PluginBuild) {
        b.onResolve({ filter: /dist\/testing\.js$/ }, () => ({ path: join(root, "src/testing.ts") }));
        b.onResolve({ filter: /dist\/sandbox\/cli\.js$/ }, () => ({ path: join(root, "src/sandbox/cli.ts") }));
      },
    },
  ]);
  child = spawn("node", [outfile, "sandbox", "--port", "0", "--partner-token", TOKEN, "--creating-ms", "3600000"]);
  let output = "";
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /GREEN-API sandbox at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Ctrl-C stops it/.exec(output);
      if (found) resolve(found[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}): ${output}`)));
  });
  expect(output).toContain(`partner token: ${TOKEN}`);
}, 60_000);
afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0); // Ctrl-C stops it cleanly
  }
});

describe("green-api-partner sandbox", () => {
  it("serves GREEN-API to the package's client, and the verbs see and drive it", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: url });
    const created = await partner.createInstance({ name: "from the CLI test" });
    const { idInstance } = created.data!;
    const listed = await run(["instances"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ idInstance, state: null })]);

    const early = await run(["link", String(idInstance)]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`instance ${idInstance} is still being created`);
    const bad = await run(["state", String(idInstance), "asleep"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"asleep" is not a state of the contract');
    expect((await run(["state", String(idInstance), "blocked"])).code).toBe(0);
    expect((await partner.instance(created.data!).getStateInstance()).data).toEqual({ stateInstance: "blocked" });

    expect((await run(["no-account", "79000000000@c.us"])).code).toBe(0);
    expect((await run(["reset"])).code).toBe(0);
    expect((await partner.getInstances()).data).toEqual([]);
  });

  it("says in one line what a verb did, prints no secret, and refuses advance on the real clock with a 400", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: url });
    const webhookUrlToken = "FAKE-WEBHOOK-TOKEN-cli-0a1b2c3d4e5f";
    const created = await partner.createInstance({
      name: "secrets",
      webhookUrl: "http://127.0.0.1:9/hook",
      webhookUrlToken,
    });
    const { idInstance, apiTokenInstance } = created.data!;
    const listed = await run(["instances"]);
    expect(listed.stdout).not.toContain(webhookUrlToken);
    expect(listed.stdout).not.toContain(apiTokenInstance);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({
      apiTokenInstance: "***",
      settings: { webhookUrlToken: "***" },
    });

    expect(await run(["state", String(idInstance), "notAuthorized"])).toMatchObject({
      code: 0,
      stdout: `instance ${idInstance} is now notAuthorized\n`,
    });
    expect(await run(["link", String(idInstance)])).toMatchObject({
      code: 0,
      stdout: `instance ${idInstance} linked: authorized\n`,
    });
    expect((await run(["no-account", "79000000000@c.us"])).stdout).toBe(
      "79000000000@c.us has no account: a message sent to it gets noAccount\n",
    );
    const noId = await run(["link"]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("this verb needs <idInstance>");
    expect(noId.stderr).toContain("Usage:");
    expect(noId.stderr).not.toContain("undefined");

    // The CLI's sandbox runs on the real clock: a clear 400, not a 500 kept as a drift (afterAll's Ctrl-C exits 0).
    const advanced = await run(["advance", "1000"]);
    expect(advanced).toMatchObject({ code: 1 });
    expect(advanced.stderr).toBe(
      "green-api-partner: advance needs clock: manual; this sandbox runs on the real clock\n",
    );
    expect((await run(["reset"])).stdout).toBe("sandbox reset: every instance and notification forgotten\n");
  });

  it("refuses an unknown verb and a sandbox that is not there, saying what to do", async () => {
    const unknown = await run(["fly"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown sandbox verb "fly"');
    const none = await promisify(execFile)("node", [outfile, "sandbox", "reset", "--url", "http://127.0.0.1:9"]).catch(
      (failed: { code: number; stderr: string }) => failed,
    );
    expect(none.stderr).toContain("start one with `green-api-partner sandbox`");
  });

  it("refuses a duration that would busy-loop or overflow setTimeout, naming the flag", async () => {
    const rule = `from 1 to ${MAX_TIMER_MS}`;
    for (const [flag, value] of [
      ["--resend-after-ms", "0"],
      ["--answer-within-ms", String(MAX_TIMER_MS + 1)],
    ] as const)
      // Refused before it serves: the process exits 2 (were it accepted, it would serve until killed).
      expect(await run(["--port", "0", flag, value])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining(`${flag} must be a whole number of milliseconds ${rule}`),
      });
  });
});
