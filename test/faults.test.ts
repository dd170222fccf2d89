// The fault matrix: every way a real call can go, for every operation of the spec, through the
// public client, on a loopback server. For each: the right outcome, settled in time, the right
// number of requests (createInstance exactly one, always; methods safe to retry again only on a
// transient failure), whether anything was sent, no unhandled rejection, and the partner token
// nowhere a person or a log could see it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type PartnerResult, type Sent, createPartnerClient } from "../src/index.js";
import { callOperation, pathOf, secretOf, sentBody } from "./helpers/call.js";
import { type Handler, answer, loopback } from "./helpers/server.js";
import { type SpecOperation, compile, namedExamples, operations, specAjv } from "./helpers/spec.js";
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

/** The operation's first success example that is a value (getStateInstance's first is `null`: still being created). */
const success = (op: SpecOperation) => op.successes.find((e) => e.value !== null)!.value;
/** The operation's success answer with a field this contract does not name, wherever an object stands. */
const withUnknownField = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(withUnknownField) : { ...(value as object), apiUrl: "https://example.invalid" };

/** An answer written byte for byte, status line included: what node:http will not write (a UTF-8 reason phrase). */
const rawAnswer =
  (status: number, reason: string, body: unknown): Handler =>
  (req) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = typeof body === "string" ? "text/plain" : "application/json";
    const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n`;
    req.socket.end(Buffer.from(head + text, "utf8"));
  };

const acceptsNull = (op: SpecOperation) => compile(specAjv(), op.successSchema)(null);

/** The spec's own example of a 466's body (GREEN-API's quota objects). */
const quotaBody = namedExamples().find((e) => e.status === "466" && e.mediaType === "application/json")!
  .value as Record<string, unknown>;

const kind =
  (k: string, sent: Sent, more: Record<string, unknown> = {}) =>
  (result: Result) => {
    expect(result.data).toBeUndefined();
    expect(result.error).toMatchObject({ kind: k, sent, ...more });
  };

const faults: Fault[] = [
  {
    name: "a success",
    handler: (op) => answer(200, success(op)),
    expected: (r, op) => expect(r).toEqual({ data: success(op) }),
  },
  {
    name: "a success with a field the contract does not name",
    handler: (op) => answer(200, withUnknownField(success(op))),
    expected: (r, op) => expect(r).toEqual({ data: withUnknownField(success(op)) }),
  },
  {
    name: "the failure inside HTTP 200",
    handler: () => answer(200, { code: 401, description: "Unauthorized" }),
    expected: kind("api", "yes", { code: 401, description: "Unauthorized", status: 200 }),
  },
  {
    name: "400 with a JSON error body",
    handler: () => answer(400, { code: 400, description: "bad request data" }),
    expected: kind("api", "yes", { code: 400, status: 400 }),
  },
  {
    name: "400 with plain text",
    handler: () => answer(400, "bad request data"),
    expected: kind("http", "yes", { status: 400, excerpt: "bad request data" }),
  },
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
    expected: kind("api", "yes", {
      code: 466,
      status: 466,
      body: { code: 466, description: "Quota exceeded", quota: { limit: 10 } },
    }),
  },
  {
    name: "500 with no body",
    handler: () => answer(500, ""),
    expected: kind("http", "yes", { status: 500, excerpt: "" }),
    transient: true,
  },
  {
    name: "500 inside HTTP 200",
    handler: () => answer(200, { code: 500, description: "Internal Server Error" }),
    expected: kind("api", "yes", { code: 500 }),
    transient: true,
  },
  {
    name: "502 with an HTML page",
    handler: () => (_q, res) => (
      res.writeHead(502, { "Content-Type": "text/html" }),
      res.end("<html><h1>502 Bad Gateway</h1></html>")
    ),
    expected: kind("http", "yes", { status: 502, excerpt: "<html><h1>502 Bad Gateway</h1></html>" }),
    transient: true,
  },
  {
    name: "404 from a proxy that echoes the URL, token and all",
    handler: () => (req, res) => (
      res.writeHead(404, { "Content-Type": "text/html" }),
      res.end(`<p>Not found: ${req.url}</p>`)
    ),
    expected: kind("http", "yes", { status: 404 }),
  },
  {
    name: "an error body that echoes the token",
    handler: (op) => answer(200, { code: 401, description: `Unauthorized: ${secretOf(op, TOKEN)}` }),
    expected: kind("api", "yes", { code: 401, description: "Unauthorized: ***" }),
  },
  {
    name: "200 that is not JSON",
    handler: () => answer(200, "<html>ok</html>"),
    expected: kind("unexpected-response", "yes", { status: 200 }),
  },
  {
    name: "200 with an empty body",
    handler: () => answer(200, ""),
    expected: kind("unexpected-response", "yes", { reason: "the body is empty" }),
  },
  {
    name: "200 with null",
    handler: () => answer(200, null),
    // null is a result only where the spec says so (getStateInstance: still being created; receiveNotification: no notification).
    expected: (r, op) =>
      acceptsNull(op) ? expect(r).toEqual({ data: null }) : kind("unexpected-response", "yes", { status: 200 })(r),
  },
  {
    name: "200 with an unknown shape",
    handler: () => answer(200, { ok: true }),
    expected: kind("unexpected-response", "yes", { status: 200 }),
  },
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
    // The status line arrived: GREEN-API received the request, whatever happened to the body.
    expected: kind("network", "yes"),
    transient: true,
  },
  {
    name: "a connection reset",
    handler: () => (req) => req.socket.destroy(),
    expected: kind("network", "maybe"),
    transient: true,
  },
  {
    name: "a server that never answers",
    handler: () => () => {},
    expected: kind("timeout", "maybe", { by: "timeout", timeoutMs: TIMEOUT_MS }),
  },
  {
    name: "a server that sends headers and then never the body",
    handler: () => (_q, res) => (res.writeHead(200, { "Content-Type": "application/json" }), res.write("{")),
    expected: kind("timeout", "yes", { by: "timeout" }),
  },
  {
    name: "466 with GREEN-API's documented quota body",
    handler: () => answer(466, quotaBody),
    expected: (r) => {
      kind("api", "yes", { code: 466, status: 466, quota: quotaBody })(r);
      expect(r.error!.message).toContain(String((quotaBody.invokeStatus as { status: string }).status));
    },
  },
  {
    name: "400 whose reason phrase is not Latin-1",
    handler: () => rawAnswer(400, "Неверный запрос", { code: 400, description: "bad request data" }),
    expected: kind("api", "yes", { code: 400, status: 400 }),
  },
  {
    name: "503 whose reason phrase is not Latin-1",
    handler: () => rawAnswer(503, "Сервис недоступен", "try later"),
    expected: kind("http", "yes", { status: 503, excerpt: "try later" }),
    transient: true,
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
  for (const method of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, method).mockImplementation(record);
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
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        timeoutMs: TIMEOUT_MS,
        retry: RETRY,
      });
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
        else expect(await sentBody(op, seen)).toEqual(op.request);
      }
      expectNoToken(result.error);
      expect(printed).not.toContain(TOKEN);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it.each(operations.map((op) => [op.operationId, op] as const))(
    "%s: a refused connection is a network error, nothing sent, no token",
    async (_, op) => {
      const server = await loopback(answer(200, {}));
      await server.close();
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        timeoutMs: TIMEOUT_MS,
        retry: false,
      });
      const result = await callOperation(partner, op);
      expect(result.error).toMatchObject({ kind: "network", sent: "no", url: `${server.url}${pathOf(op, "***")}` });
      expect(result.error!.message).toMatch(/nothing was sent/);
      expectNoToken(result.error);
    },
  );

  it.each(operations.map((op) => [op.operationId, op] as const))(
    "%s: the caller's signal ends the call as a timeout by signal, sent once",
    async (_, op) => {
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
    },
  );
});

describe("what happened on the wire decides, never an error's shape", () => {
  const listOp = operations.find((op) => op.retrySafe && op.request === undefined)!;
  const badRequest = { code: 400, description: "bad request data" };

  it.each([
    ["a non-2xx", 400, badRequest, { kind: "api", code: 400, status: 400 }],
    ["a 2xx", 200, null, { kind: "unexpected-response", status: 200 }],
  ] as const)(
    "the caller's middleware that throws on %s: answered, sent once, its error kept as the cause",
    async (_, status, body, expected) => {
      const server = await loopback(answer(status, body ?? success(listOp)));
      try {
        const partner = createPartnerClient({
          partnerToken: TOKEN,
          baseUrl: server.url,
          timeoutMs: TIMEOUT_MS,
          retry: RETRY,
        });
        // The pattern openapi-fetch's own docs show, and one that throws on every answer.
        partner.raw.use({
          onResponse({ response }) {
            if (!response.ok || status === 200)
              throw new Error(`middleware refused ${response.status} from ${response.url}`);
            return undefined;
          },
        });
        const result = await callOperation(partner, listOp);
        expect(result.error).toMatchObject({ ...expected, sent: "yes", attempts: 1 });
        expect(server.requests).toHaveLength(1);
        expect((result.error!.cause as Error).message).toMatch(/^middleware refused/);
        expectNoToken(result.error);
      } finally {
        await server.close();
      }
    },
  );

  it.each([
    ["a fetch that passes its Request on", (request: Request) => fetch(request)],
    ["a fetch that never settles", () => new Promise<Response>(() => {})],
  ] as const)("the deadline holds with %s", async (_, customFetch) => {
    const server = await loopback(() => {});
    try {
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        timeoutMs: TIMEOUT_MS,
        fetch: customFetch as typeof fetch,
      });
      const started = performance.now();
      const result = await partner.getInstances();
      expect(result.error).toMatchObject({ kind: "timeout", by: "timeout" });
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const aborted = await partner.getInstances({ signal: controller.signal, timeoutMs: 10_000 });
      expect(aborted.error).toMatchObject({ kind: "timeout", by: "signal" });
    } finally {
      await server.close();
    }
  });

  it("a fetch given its Request aborts it: the server sees the connection closed", async () => {
    let closed = false;
    const server = await loopback((req) => req.socket.on("close", () => (closed = true)));
    try {
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        timeoutMs: TIMEOUT_MS,
        fetch: (request) => fetch(request as Request),
      });
      await partner.getInstances();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("many calls sharing one signal print nothing (no MaxListenersExceededWarning)", async () => {
    const server = await loopback(answer(200, success(listOp)));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url });
      const { signal } = new AbortController();
      const results = await Promise.all(Array.from({ length: 30 }, () => partner.getInstances({ signal })));
      expect(results.every((r) => r.data)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await server.close();
    }
  });

  it("a URL fetch refuses before connecting (a bad port) sent nothing", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: "http://127.0.0.1:9", retry: false });
    const result = await partner.getInstances();
    expect(result.error).toMatchObject({ kind: "network", sent: "no" });
    expect(result.error!.message).toMatch(/nothing was sent/);
  });

  it("a request the caller's middleware refuses before sending: sent no, no request", async () => {
    const server = await loopback(answer(200, success(listOp)));
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: RETRY });
      partner.raw.use({
        onRequest() {
          throw new Error("not today");
        },
      });
      const result = await partner.getInstances();
      expect(result.error).toMatchObject({ kind: "network", sent: "no", attempts: 1 });
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});
