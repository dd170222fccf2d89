// The partner's journey as an Arazzo 1.0 workflow (spec/partner-lifecycle.arazzo.yaml), run the way
// `npm run workflow` runs it (scripts/workflow.js over `redocly respect`), against loopback fakes of
// GREEN-API that answer from the spec's named examples (mockFetch): it passes when the story goes
// well, fails where it must, still deletes what it created, sends the partner token whole, and no
// secret shows in what it prints or writes. The tests run a copy of the workflow whose waits are
// 100 times shorter; a test checks the real waits cover GREEN-API's "up to about 5 minutes".
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { type ExampleChoice, mockFetch } from "../src/testing.js";
import { root, run } from "./helpers/run.js";
import { loopback } from "./helpers/server.js";
import { byId, operations } from "./helpers/spec.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

type Step = {
  stepId: string;
  operationId: string;
  onFailure?: { type: string; retryAfter?: number; retryLimit?: number }[];
};
const workflowFile = join(root, "spec/partner-lifecycle.arazzo.yaml");
const arazzo = YAML.parse(readFileSync(workflowFile, "utf8"));
const steps: Step[] = arazzo.workflows[0].steps;
const retryOf = (operationId: string) =>
  steps.find((step) => step.operationId === operationId)?.onFailure?.find((action) => action.type === "retry");

/** The workflow with every `retryAfter` 100 times shorter, all else the same: what the tests run. */
const dir = mkdtempSync(join(tmpdir(), "workflow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quickWorkflow = join(dir, "quick.arazzo.yaml");
{
  const copy = structuredClone(arazzo);
  for (const source of copy.sourceDescriptions) source.url = join(root, "spec", source.url);
  for (const step of copy.workflows[0].steps as Step[])
    for (const action of step.onFailure ?? []) if (action.retryAfter) action.retryAfter /= 100;
  writeFileSync(quickWorkflow, YAML.stringify(copy));
}

/** The operation a request path belongs to (instance paths are matched whole, tokens and ids as any segment). */
const operationOf = (url: string) =>
  operations.find((op) =>
    new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]*")}$`).test(url),
  )?.operationId;

/**
 * A fake GREEN-API on loopback: mockFetch (the spec's named examples, requests checked against the
 * contract) behind node:http. `secrets` gathers every apiTokenInstance it answered.
 */
async function fakeGreenApi(choice: ExampleChoice = {}) {
  const fetch = mockFetch(choice);
  const secrets = new Set<string>([TOKEN]);
  const gather = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(gather);
    else if (node && typeof node === "object")
      for (const [key, value] of Object.entries(node))
        key === "apiTokenInstance" && typeof value === "string" ? secrets.add(value) : gather(value);
  };
  const server = await loopback(async (req, res, body) => {
    const headers = Object.fromEntries(
      ["content-type", "accept"].filter((name) => req.headers[name]).map((name) => [name, String(req.headers[name])]),
    );
    const answer = await fetch(`http://fake${req.url}`, {
      method: req.method,
      headers,
      body: ["GET", "HEAD"].includes(req.method!) ? undefined : body,
    });
    const text = await answer.text();
    try {
      gather(JSON.parse(text));
    } catch {
      // not JSON: no token to gather
    }
    res.writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") ?? "text/plain" }).end(text);
  });
  return { ...server, secrets: () => [...secrets], operations: () => server.requests.map((r) => operationOf(r.url)) };
}

// GREEN_API_INSTANCE_URL only where a test sets it.
const { GREEN_API_INSTANCE_URL: _unset, ...inherited } = process.env;
const env = { ...inherited, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };

async function outcome(command: string, args: string[], extraEnv: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, {
      env: { ...env, ...extraEnv },
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** `npm run workflow -- ...args` on the quick copy, with the URL(s) and the token in the environment. */
const runWorkflow = (url: string, args: string[] = [], token = TOKEN, extraEnv: Record<string, string> = {}) =>
  outcome(process.execPath, [join(root, "scripts/workflow.js"), ...args], {
    GREEN_API_URL: url,
    GREEN_API_PARTNER_TOKEN: token,
    GREEN_API_WORKFLOW_FILE: quickWorkflow,
    ...extraEnv,
  });

async function withFake(
  choice: ExampleChoice,
  test: (server: Awaited<ReturnType<typeof fakeGreenApi>>) => Promise<void>,
) {
  const server = await fakeGreenApi(choice);
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

/** The journey: the state is `null`, then `starting`, then `notAuthorized`; qr shows a QR code. */
const STORY: ExampleChoice = { getStateInstance: ["creating", "starting", "notAuthorized"], qr: "qrCode" };
const JOURNEY = [
  "createInstance",
  "getInstances",
  ...Array(3).fill("getStateInstance"),
  "qr",
  "logout",
  "deleteInstanceAccount",
];
const remove = byId("deleteInstanceAccount");

describe("the partner journey workflow", () => {
  it("is a valid Arazzo description (redocly lint)", () => {
    // The house rule asks an OpenAPI schema property for an `example`; Respect's strict schema
    // compiler refuses that keyword in a workflow's inputs.
    const { code, out } = run("redocly", ["lint", workflowFile, "--skip-rule", "rule/property-has-example"]);
    expect(out).toMatch(/valid/);
    expect(code).toBe(0);
  });

  it("waits for notAuthorized as long as the spec says a new instance may take, and ends with delete", () => {
    const minutes = Number(/up to about (\d+) minutes/.exec(byId("getStateInstance").operation.description)![1]);
    const wait = retryOf("getStateInstance")!;
    expect(wait.retryAfter! * wait.retryLimit!).toBeGreaterThanOrEqual(minutes * 60);
    expect(steps.at(-1)!.operationId).toBe("deleteInstanceAccount");
  });

  it("goes create, list, state x3 (null, starting, notAuthorized), qr, logout, delete, and passes", async () => {
    await withFake(STORY, async (server) => {
      const { code, out } = await runWorkflow(server.url);
      expect(out).toMatch(/Workflows: 1 passed, 1 total/);
      expect(code).toBe(0);
      expect(server.operations()).toEqual(JOURNEY);
      // The instance steps reached the created instance with its real token, swapped back by the relay.
      const [created] = server.secrets().slice(1);
      for (const request of server.requests.filter((r) => r.url.startsWith("/waInstance")))
        expect(request.url).toContain(`/${created}`);
      expectNoToken(out, server.secrets());
    });
  }, 60_000);

  it("sends instance methods to GREEN_API_INSTANCE_URL when it is set, partner methods to GREEN_API_URL", async () => {
    await withFake(STORY, (instances) =>
      withFake(STORY, async (partner) => {
        const { code, out } = await runWorkflow(partner.url, [], TOKEN, { GREEN_API_INSTANCE_URL: instances.url });
        expect(out).toMatch(/Workflows: 1 passed/);
        expect(code).toBe(0);
        expect(partner.operations()).toEqual(JOURNEY.filter((id) => byId(id).family === "partner"));
        expect(instances.operations()).toEqual(JOURNEY.filter((id) => byId(id).family === "instance"));
      }),
    );
  }, 60_000);

  it("still deletes the instance when its state never becomes notAuthorized, and fails", async () => {
    await withFake({ getStateInstance: ["creating", "starting"] }, async (server) => {
      const { code, out } = await runWorkflow(server.url);
      expect(code).not.toBe(0);
      expect(out).toMatch(/Workflows: 1 failed/);
      const seen = server.operations();
      expect(seen.filter((id) => id === "getStateInstance")).toHaveLength(1 + retryOf("getStateInstance")!.retryLimit!);
      expect(seen.filter((id) => id === "qr" || id === "logout")).toEqual([]);
      expect(seen.at(-1)).toBe("deleteInstanceAccount");
      expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ idInstance: expect.any(Number) });
      expectNoToken(out, server.secrets());
    });
  }, 90_000);

  it("does not wait out a refused instance token (401): deletes the instance at once, and fails", async () => {
    await withFake({ ...STORY, getStateInstance: "wrongApiTokenInstance" }, async (server) => {
      const { code } = await runWorkflow(server.url);
      expect(code).not.toBe(0);
      const seen = server.operations();
      expect(seen.filter((id) => id === "getStateInstance")).toHaveLength(1);
      expect(seen.at(-1)).toBe("deleteInstanceAccount");
    });
  }, 60_000);

  it("still deletes the instance when qr answers neither a QR code nor alreadyLogged, and fails", async () => {
    await withFake({ ...STORY, qr: "error" }, async (server) => {
      const { code } = await runWorkflow(server.url);
      expect(code).not.toBe(0);
      expect(server.operations().slice(-2)).toEqual(["qr", "deleteInstanceAccount"]);
    });
  }, 60_000);

  it("reads the list again, then still deletes the instance it created when it is never listed, and fails", async () => {
    await withFake({ getInstances: "noInstances" }, async (server) => {
      const { code, out } = await runWorkflow(server.url);
      expect(code).not.toBe(0);
      expect(out).toMatch(/Workflows: 1 failed/);
      expect(server.operations()).toEqual([
        "createInstance",
        ...Array(1 + retryOf("getInstances")!.retryLimit!).fill("getInstances"),
        "deleteInstanceAccount",
      ]);
    });
  }, 60_000);

  it("fails when createInstance answers the failure inside HTTP 200, and has nothing to delete", async () => {
    await withFake({ createInstance: "unauthorizedInside200" }, async (server) => {
      const { code, out } = await runWorkflow(server.url);
      expect(out).toMatch(/Workflows: 1 failed/);
      expect(code).not.toBe(0);
      expect(server.operations()).toEqual(["createInstance"]); // it stops at the failed create
      expectNoToken(out, server.secrets());
    });
  }, 60_000);

  it("names the instance it could not delete, and fails", async () => {
    await withFake({ ...STORY, deleteInstanceAccount: "unauthorizedInside200" }, async (server) => {
      const { code, out } = await runWorkflow(server.url);
      expect(code).not.toBe(0);
      const { idInstance } = JSON.parse(server.requests.at(-1)!.body);
      expect(out).toContain(`Instance ${idInstance} was created and not deleted`);
      expectNoToken(out, server.secrets());
    });
  }, 60_000);

  it("sends a partner token holding = and , whole, in every request", async () => {
    const token = `${TOKEN}=fake,token`;
    await withFake(STORY, async (server) => {
      const { code, out } = await runWorkflow(server.url, [], token);
      expect(out).toMatch(/Workflows: 1 passed/);
      expect(code).toBe(0);
      const partnerRequests = server.requests.filter((r) => byId(operationOf(r.url)!).family === "partner");
      expect(partnerRequests.map((r) => r.url.split("/").at(-1))).toEqual(
        Array(JOURNEY.filter((id) => byId(id).family === "partner").length).fill(token),
      );
      expectNoToken(out, [token, ...server.secrets()]);
    });
  }, 60_000);

  it("keeps every secret, the instance token in the instance steps' paths included, out of --verbose output, --json-output and --har-output", async () => {
    const flags = (name: string) => [
      "--verbose",
      "--json-output",
      join(dir, `${name}.json`),
      "--har-output",
      join(dir, `${name}.har`),
    ];
    const texts = (name: string, out: string) => [
      out,
      readFileSync(join(dir, `${name}.json`), "utf8"),
      readFileSync(join(dir, `${name}.har`), "utf8"),
    ];
    await withFake(STORY, async (server) => {
      const { code, out } = await runWorkflow(server.url, [...flags("run"), "--no-secrets-masking"]);
      expect(code).toBe(0);
      expect(server.operations()).toEqual(JOURNEY);
      const written = texts("run", out);
      for (const text of written.slice(1)) expect(text).toMatch(/apiTokenInstance/); // the answers were written
      for (const text of written.slice(1)) expect(text).toMatch(/\/waInstance\d+\/getStateInstance\/\*\*\*\d+\*\*\*/); // a stand-in in the path
      for (const text of written) expectNoToken(text, server.secrets());
    });
    // Respect alone, the token given as it advises: it writes the instance tokens in clear.
    await withFake(STORY, async (server) => {
      const bare = await outcome(
        join(root, "node_modules/.bin/redocly"),
        ["respect", quickWorkflow, "--server", `partner=${server.url}`, ...flags("bare")],
        {
          REDOCLY_CLI_RESPECT_INPUT: JSON.stringify({ partnerToken: TOKEN }),
        },
      );
      const [, created] = server.secrets();
      expect(texts("bare", bare.out).some((text) => text.includes(created!))).toBe(true);
    });
  }, 90_000);

  it("refuses a partner token that is not one path segment, naming the rule and not the token", async () => {
    const token = `${TOKEN}/../x`;
    const { code, out } = await runWorkflow("http://127.0.0.1:9", [], token);
    expect(code).not.toBe(0);
    expect(out).toMatch(/GREEN_API_PARTNER_TOKEN must be one URL path segment/);
    expectNoToken(out, token);
  });
});
