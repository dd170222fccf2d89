// The fault matrix: every way a real call can go, for every operation of the spec, through the
// public client, on a loopback server. For each: the right outcome, settled in time, the right
// number of requests (createInstance exactly one, always; methods safe to retry again only on a
// transient failure), whether anything was sent, no unhandled rejection, and the partner token
// nowhere a person or a log could see it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type PartnerResult, type Sent, createPartnerClient } from "../src/index.js";
import { callOperation, pathOf } from "./helpers/call.js";
import { type Handler, answer, loopback } from "./helpers/server.js";
import { type SpecOperation, operations } from "./helpers/spec.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

const TIMEOUT_MS = 400;
const RETRY = { attempts: 2, delayMs: 1, maxDelayMs: 50 };

type Result = PartnerResult<unknown>;
interface Fault {
  name: string;
  handler: (op: SpecOperation) => Handler;
  expected: (result: Result, op: SpecOperation) => void;
  /** A transient failure: a method safe to retry sends it again. */
  transient?: boolean;
}

const success = (op: SpecOperation) => op.successes[0]!.value;
/** The operation's success answer with a field this contract does not name, wherever an object stands. */
const withUnknownField = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(withUnknownField) : { ...(value as object), apiUrl: "https://example.invalid" };

const kind = (k: string, sent: Sent, more: Record<string, unknown> = {}) => (result: Result) => {
  expect(result.data).toBeUndefined();
  expect(result.error).toMatchObject({ kind: k, sent, ...more });
};

const faults: Fault[] = [
  { name: "a success", handler: (op) => answer(200, success(op)), expected: (r, op) => expect(r).toEqual({ data: success(op) }) },
  {
    name: "a success with a field the contract does not name",
    handler: (op) => answer(200, withUnknownField(success(op))),
    expected: (r, op) => expect(r).toEqual({ data: withUnknownField(success(op)) }),
  },
  { name: "the failure inside HTTP 200", handler: () => answer(200, { code: 401, description: "Unauthorized" }), expected: kind("api", "yes", { code: 401, description: "Unauthorized", status: 200 }) },
  { name: "400 with a JSON error body", handler: () => answer(400, { code: 400, description: "bad request data" }), expected: kind("api", "yes", { code: 400, status: 400 }) },
  { name: "400 with plain text", handler: () => answer(400, "bad request data"), expected: kind("http", "yes", { status: 400, excerpt: "bad request data" }) },
  {
    name: "429 with a Retry-After longer than the client waits",
    handler: () => answer(429, "Too Many Requests", { "Retry-After": "10" }),
    expected: kind("http", "yes", { status: 429, retryAfterMs: 10_000 }),
  },
  {
    name: "429 with Retry-After 0",
    handler: () => answer(429, "Too Many Requests", { "Retry-After": "0" }),
    expected: kind("http", "yes", { status: 429, retryAfterMs: 0 }),
    transient: true,
  },
  {
    name: "466 with a quota body",
    handler: () => answer(466, { code: 466, description: "Quota exceeded", quota: { limit: 10 } }),
    expected: kind("api", "yes", { code: 466, status: 466, body: { code: 466, description: "Quota exceeded", quota: { limit: 10 } } }),
  },
  { name: "500 with no body", handler: () => answer(500, ""), expected: kind("http", "yes", { status: 500, excerpt: "" }), transient: true },
  { name: "500 inside HTTP 200", handler: () => answer(200, { code: 500, description: "Internal Server Error" }), expected: kind("api", "yes", { code: 500 }), transient: true },
  {
    name: "502 with an HTML page",
    handler: () => (_q, res) => (res.writeHead(502, { "Content-Type": "text/html" }), res.end("<html><h1>502 Bad Gateway</h1></html>")),
    expected: kind("http", "yes", { status: 502, excerpt: "<html><h1>502 Bad Gateway</h1></html>" }),
    transient: true,
  },
  {
    name: "404 from a proxy that echoes the URL, token and all",
    handler: () => (req, res) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end(`<p>Not found: ${req.url}</p>`)),
    expected: kind("http", "yes", { status: 404 }),
  },
  {
    name: "an error body that echoes the token",
    handler: () => answer(200, { code: 401, description: `Unauthorized: ${TOKEN}` }),
    expected: kind("api", "yes", { code: 401, description: "Unauthorized: ***" }),
  },
  { name: "200 that is not JSON", handler: () => answer(200, "<html>ok</html>"), expected: kind("unexpected-response", "yes", { status: 200 }) },
  { name: "200 with an empty body", handler: () => answer(200, ""), expected: kind("unexpected-response", "yes", { reason: "the body is empty" }) },
  { name: "200 with null", handler: () => answer(200, null), expected: kind("unexpected-response", "yes", { status: 200 }) },
  { name: "200 with an unknown shape", handler: () => answer(200, { ok: true }), expected: kind("unexpected-response", "yes", { status: 200 }) },
  {
    name: "a redirect, which is not followed",
    handler: () => (_q, res) => (res.writeHead(307, { Location: "/elsewhere" }), res.end()),
    expected: kind("http", "yes", { status: 307 }),
  },
  {
    name: "a body cut off mid-way",
    handler: () => (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "200" });
      res.write('{"idInstance": 31000');
      setTimeout(() => req.socket.destroy(), 20);
    },
    expected: kind("network", "maybe"),
    transient: true,
  },
  { name: "a connection reset", handler: () => (req) => req.socket.destroy(), expected: kind("network", "maybe"), transient: true },
  { name: "a server that never answers", handler: () => () => {}, expected: kind("timeout", "maybe", { by: "timeout", timeoutMs: TIMEOUT_MS }) },
  {
    name: "a server that sends headers and then never the body",
    handler: () => (_q, res) => (res.writeHead(200, { "Content-Type": "application/json" }), res.write("{")),
    expected: kind("timeout", "maybe", { by: "timeout" }),
  },
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => void process.on("unhandledRejection", onUnhandled));
afterAll(() => void process.off("unhandledRejection", onUnhandled));
afterEach(() => vi.restoreAllMocks());

/** Everything written to the console or the standard streams while `run` runs. */
export async function printedDuring<T>(run: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const printed: string[] = [];
  const record = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation(record);
  const write = (chunk: unknown) => (printed.push(String(chunk)), true);
  vi.spyOn(process.stdout, "write").mockImplementation(write);
  vi.spyOn(process.stderr, "write").mockImplementation(write);
  try {
    return { value: await run(), printed: printed.join("\n") };
  } finally {
    vi.restoreAllMocks();
  }
}

const cases = operations.flatMap((op) => faults.map((fault) => [op.operationId, fault.name, op, fault] as const));

describe("fault matrix", () => {
  it("covers every operation of the spec with at least 20 faults", () => {
    expect(faults.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(operations.map((o) => o.operationId)));
  });

  it.each(cases)("%s: %s", async (_, __, op, fault) => {
    const server = await loopback(fault.handler(op));
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: TIMEOUT_MS, retry: RETRY });
      const started = performance.now();
      const { value: result, printed } = await printedDuring(() => callOperation(partner, op));
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      fault.expected(result, op);
      const requests = op.retrySafe && fault.transient ? RETRY.attempts : 1;
      expect(server.requests).toHaveLength(requests);
      if (result.error) expect(result.error).toMatchObject({ operationId: op.operationId, attempts: requests });
      for (const seen of server.requests) {
        expect(seen).toMatchObject({ method: op.method.toUpperCase(), url: pathOf(op, TOKEN) });
        if (op.request === undefined) expect(seen.body).toBe("");
        else expect(JSON.parse(seen.body)).toEqual(op.request);
      }
      expectNoToken(result.error);
      expect(printed).not.toContain(TOKEN);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it.each(operations.map((op) => [op.operationId, op] as const))("%s: a refused connection is a network error, nothing sent, no token", async (_, op) => {
    const server = await loopback(answer(200, {}));
    await server.close();
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: TIMEOUT_MS, retry: false });
    const result = await callOperation(partner, op);
    expect(result.error).toMatchObject({ kind: "network", sent: "no", url: `${server.url}${pathOf(op, "***")}` });
    expect(result.error!.message).toMatch(/nothing was sent/);
    expectNoToken(result.error);
  });

  it.each(operations.map((op) => [op.operationId, op] as const))("%s: the caller's signal ends the call as a timeout by signal, sent once", async (_, op) => {
    const server = await loopback(() => {});
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const result = await callOperation(partner, op, { signal: controller.signal });
      expect(result.error).toMatchObject({ kind: "timeout", by: "signal", sent: "maybe" });
      expect(server.requests).toHaveLength(1);
      expectNoToken(result.error);
    } finally {
      await server.close();
    }
  });
});
