// The fault matrix: every way a real createInstance call can go, through the public client, on a
// loopback server. For each: the right outcome, settled in time, exactly one request (never a
// resend), no unhandled rejection, and the partner token nowhere a person or a log could see it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type CreateInstanceResult, createPartnerClient } from "../src/index.js";
import { type Handler, answer, loopback } from "./helpers/server.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";
import { namedExamples } from "./helpers/spec.js";

const TIMEOUT_MS = 400;
const settings = namedExamples().find((e) => e.where.endsWith("request"))!.value as { name: string };
const instance = namedExamples().find((e) => e.where.endsWith(" 200") && (e.value as object) && "idInstance" in (e.value as object))!.value;

interface Fault {
  name: string;
  handler: Handler;
  expected: (result: CreateInstanceResult) => void;
}

const kind = (k: string, more: Record<string, unknown> = {}) => (result: CreateInstanceResult) => {
  expect(result.data).toBeUndefined();
  expect(result.error).toMatchObject({ kind: k, ...more });
};

const faults: Fault[] = [
  { name: "a created instance", handler: answer(200, instance), expected: (r) => expect(r).toEqual({ data: instance }) },
  {
    name: "a created instance with fields and a messenger this version does not know",
    handler: answer(200, { ...(instance as object), typeInstance: "newmessenger", timeCreated: 1 }),
    expected: (r) => expect(r.data?.typeInstance).toBe("newmessenger"),
  },
  { name: "the failure inside HTTP 200", handler: answer(200, { code: 401, description: "Unauthorized" }), expected: kind("api", { code: 401, description: "Unauthorized", status: 200 }) },
  { name: "400 with a JSON error body", handler: answer(400, { code: 400, description: "bad request data" }), expected: kind("api", { code: 400, status: 400 }) },
  { name: "400 with plain text", handler: answer(400, "bad request data"), expected: kind("http", { status: 400, excerpt: "bad request data" }) },
  { name: "429 with Retry-After", handler: answer(429, "Too Many Requests", { "Retry-After": "10" }), expected: kind("http", { status: 429, retryAfter: "10" }) },
  {
    name: "466 with a quota body",
    handler: answer(466, { code: 466, description: "Quota exceeded", quota: { limit: 10 } }),
    expected: kind("api", { code: 466, status: 466, body: { code: 466, description: "Quota exceeded", quota: { limit: 10 } } }),
  },
  { name: "500 with no body", handler: answer(500, ""), expected: kind("http", { status: 500, excerpt: "" }) },
  {
    name: "502 with an HTML page",
    handler: (_q, res) => (res.writeHead(502, { "Content-Type": "text/html" }), res.end("<html><h1>502 Bad Gateway</h1></html>")),
    expected: kind("http", { status: 502, excerpt: "<html><h1>502 Bad Gateway</h1></html>" }),
  },
  {
    name: "404 from a proxy that echoes the URL, token and all",
    handler: (req, res) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end(`<p>Not found: ${req.url}</p>`)),
    expected: kind("http", { status: 404 }),
  },
  {
    name: "an error body that echoes the token",
    handler: answer(200, { code: 401, description: `Unauthorized: ${TOKEN}` }),
    expected: kind("api", { code: 401, description: "Unauthorized: ***" }),
  },
  { name: "200 that is not JSON", handler: answer(200, "<html>ok</html>"), expected: kind("unexpected-response", { status: 200 }) },
  { name: "200 with an empty body", handler: answer(200, ""), expected: kind("unexpected-response", { reason: "the body is empty" }) },
  { name: "200 with null", handler: answer(200, null), expected: kind("unexpected-response", { status: 200 }) },
  { name: "200 with an unknown shape", handler: answer(200, { ok: true }), expected: kind("unexpected-response", { status: 200 }) },
  {
    name: "a redirect, which is not followed",
    handler: (_q, res) => (res.writeHead(307, { Location: "/elsewhere" }), res.end()),
    expected: kind("http", { status: 307 }),
  },
  {
    name: "a body cut off mid-way",
    handler: (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "200" });
      res.write('{"idInstance": 31000');
      setTimeout(() => req.socket.destroy(), 20);
    },
    expected: kind("network"),
  },
  { name: "a connection reset", handler: (req) => req.socket.destroy(), expected: kind("network") },
  { name: "a server that never answers", handler: () => {}, expected: kind("timeout", { by: "timeout", timeoutMs: TIMEOUT_MS }) },
  {
    name: "a server that sends headers and then never the body",
    handler: (_q, res) => (res.writeHead(200, { "Content-Type": "application/json" }), res.write("{")),
    expected: kind("timeout", { by: "timeout" }),
  },
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => void process.on("unhandledRejection", onUnhandled));
afterAll(() => void process.off("unhandledRejection", onUnhandled));
afterEach(() => vi.restoreAllMocks());

/** Everything written to the console or the standard streams while `run` runs. */
async function printedDuring<T>(run: () => Promise<T>): Promise<{ value: T; printed: string }> {
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

describe("fault matrix", () => {
  it("has at least 14 faults", () => expect(faults.length).toBeGreaterThanOrEqual(14));

  it.each(faults.map((f) => [f.name, f] as const))("%s", async (_, fault) => {
    const server = await loopback(fault.handler);
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: TIMEOUT_MS });
      const started = performance.now();
      const { value: result, printed } = await printedDuring(() => partner.createInstance(settings));
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      fault.expected(result);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]).toMatchObject({ method: "POST", url: `/partner/createInstance/${TOKEN}` });
      expect(JSON.parse(server.requests[0]!.body)).toEqual(settings);
      expectNoToken(result.error);
      expect(printed).not.toContain(TOKEN);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a refused connection is a network error that names no token", async () => {
    const server = await loopback(answer(200, instance));
    await server.close();
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: TIMEOUT_MS });
    const result = await partner.createInstance(settings);
    expect(result.error).toMatchObject({ kind: "network", url: `${server.url}/partner/createInstance/***` });
    expectNoToken(result.error);
  });

  it("the caller's signal ends the call as a timeout by signal, sent once", async () => {
    const server = await loopback(() => {});
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const result = await partner.createInstance(settings, { signal: controller.signal });
      expect(result.error).toMatchObject({ kind: "timeout", by: "signal" });
      expect(server.requests).toHaveLength(1);
      expectNoToken(result.error);
    } finally {
      await server.close();
    }
  });
});
