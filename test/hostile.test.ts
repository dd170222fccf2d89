// The fault matrix, part two: hostile answers and hostile callers, for every operation of the
// spec. Each case is a promise the client keeps: no piece of a secret in any outcome, the body
// validated is the body sent, nothing unvetted from headers, no id handed back rounded, answers
// bounded in size with the connection closed, `sent` told truthfully, bad configuration refused
// at once, and a settled promise whatever the server or the caller does.
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type PartnerResult, createPartnerClient, parseRetryAfter } from "../src/index.js";
import { callOperation, pathOf, sentBody } from "./helpers/call.js";
import { drive, holdClock } from "./helpers/clock.js";
import { type Handler, answer, loopback } from "./helpers/server.js";
import { type SpecOperation, operations, spec } from "./helpers/spec.js";
import { INSTANCE_TOKEN, TOKEN, expectNoToken, textsOf } from "./helpers/token.js";

const withBody = operations.filter((op) => op.request !== undefined);
const each = (ops: SpecOperation[]) => ops.map((op) => [op.operationId, op] as const);
const EXCERPT = 200; // the client's excerpt length, an input of these tests, not a fact of the API
/** The answer field the spec marks `x-secret`: an instance's token. */
const SECRET = Object.values(
  spec.components.schemas as Record<string, { properties?: Record<string, { "x-secret"?: boolean }> }>,
)
  .flatMap((schema) => Object.entries(schema.properties ?? {}))
  .find(([, property]) => property["x-secret"])![0];

async function through(
  handler: Handler,
  op: SpecOperation,
  options: Parameters<typeof callOperation>[2] = {},
  body?: unknown,
  timeoutMs = 2000,
) {
  const server = await loopback(handler);
  // The clock is held: the deadline never passes while the server is still at work, however slow
  // the machine; `ms` is the time the call's own timers let pass (none, for a call that ends on what it read).
  const release = holdClock();
  try {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs, retry: false });
    const started = performance.now();
    const result = await drive(() => callOperation(partner, op, options, body ?? op.request));
    return { result, server, ms: performance.now() - started };
  } finally {
    release();
    await server.close();
  }
}

afterEach(() => void vi.useRealTimers());

function errorOf(result: PartnerResult<unknown>) {
  expect(result.data).toBeUndefined();
  return result.error!;
}

describe("1. no piece of the partner token survives an excerpt's cut", () => {
  it.each(each(operations))("%s: a page that echoes the URL where the excerpt is cut", async (_, op) => {
    for (const [status, at] of [
      [404, EXCERPT - 20],
      [200, EXCERPT - 5],
      [502, EXCERPT - 40],
    ] as const) {
      const handler: Handler = (req, res) => {
        const page = `${"x".repeat(at - "/partner//".length - op.operationId.length)}${req.url} and more text after it`;
        res.writeHead(status, { "Content-Type": "text/html" }).end(page);
      };
      const { result } = await through(handler, op);
      expect(errorOf(result).kind).toBe(status === 200 ? "unexpected-response" : "http");
      expectNoToken(result.error); // no 12-character piece, raw or URL-encoded
    }
  });
});

describe("2. the body validated is the body sent", () => {
  const hostile = (op: SpecOperation) => {
    const valid = op.request as Record<string, unknown>;
    let reads = 0;
    return {
      "a toJSON that sends a misspelt field": { toJSON: () => ({ ...valid, stateWebhok: "yes" }) },
      "a toJSON that sends a valid body for an invalid object": Object.assign(Object.create({ toJSON: () => valid }), {
        bogus: true,
      }),
      "a getter that answers differently each time": Object.defineProperty({ ...valid }, Object.keys(valid)[0]!, {
        enumerable: true,
        get: () => (reads++ === 0 ? valid[Object.keys(valid)[0]!] : { not: "valid" }),
      }),
      "a Proxy that hides a field from validation": new Proxy(
        { ...valid, extra: 1 },
        { ownKeys: (t) => Reflect.ownKeys(t), get: (t, k) => Reflect.get(t, k) },
      ),
    };
  };

  it.each(each(withBody))("%s: whatever is sent is exactly what the validator passed", async (_, op) => {
    for (const [name, body] of Object.entries(hostile(op))) {
      const { result, server } = await through(answer(200, op.successes[0]!.value), op, {}, body);
      if (result.error) {
        expect(result.error, name).toMatchObject({ kind: "invalid-request", sent: "no" });
        expect(server.requests, name).toHaveLength(0);
      } else {
        // Sent once, and what was sent is the body the validator passed: the valid example.
        expect(server.requests, name).toHaveLength(1);
        expect(await sentBody(op, server.requests[0]!), name).toEqual(op.request);
      }
    }
  });

  it.each(each(withBody))(
    "%s: a body that cannot be written as JSON is an invalid request, nothing sent",
    async (_, op) => {
      const cycle: Record<string, unknown> = { ...(op.request as object) };
      cycle.self = cycle;
      for (const body of [
        { ...(op.request as object), big: 10n },
        cycle,
        {
          toJSON: () => {
            throw new Error(`no: ${TOKEN}`);
          },
        },
      ]) {
        const { result, server } = await through(answer(200, op.successes[0]!.value), op, {}, body);
        expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no", attempts: 0 });
        expect(result.error!.message).not.toMatch(/may have/);
        expect(server.requests).toHaveLength(0);
        expectNoToken(result.error);
      }
    },
  );
});

describe("3. a token JSON would escape cannot be configured", () => {
  it.each(['gac."quoted"', "gac.back\\slash", "gac.\u0001ctl", "gac.\ud800", "gac.ü"])(
    "%j is refused when the client is made",
    (token) => {
      expect(() => createPartnerClient({ partnerToken: token })).toThrow(TypeError);
    },
  );
});

describe("4. nothing unvetted from headers", () => {
  it("parses Retry-After as seconds or an HTTP date, and drops anything else", () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 11:00:00 GMT", now)).toBe(0);
    for (const junk of ["-1", "1.5", "soon", `10; ${TOKEN}`, "9".repeat(50), "", null])
      expect(parseRetryAfter(junk, now), String(junk)).toBeUndefined();
  });

  it.each(each(operations))("%s: an error keeps the parsed Retry-After, never the raw header", async (_, op) => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    for (const [header, expected] of [
      [date, "number"],
      [`soon ${TOKEN}`, "undefined"],
    ] as const) {
      const { result } = await through(answer(400, "bad", { "Retry-After": header }), op);
      expect(typeof (errorOf(result) as { retryAfterMs?: number }).retryAfterMs).toBe(expected);
      expect(JSON.stringify(result.error)).not.toContain(header);
    }
  });
});

describe("5. an id JSON cannot carry exactly is never handed back rounded", () => {
  const withId = operations.filter((op) => JSON.stringify(op.successes[0]!.value).includes('"idInstance":'));
  it.each(each(withId))(
    "%s: idInstance 9007199254740993 is an unexpected answer that keeps the digits",
    async (_, op) => {
      const text = JSON.stringify(op.successes[0]!.value).replace(/"idInstance":\d+/, '"idInstance":9007199254740993');
      const { result } = await through(
        (_q, res) => res.writeHead(200, { "Content-Type": "application/json" }).end(text),
        op,
      );
      expect(errorOf(result)).toMatchObject({ kind: "unexpected-response" });
      expect((result.error as { reason: string }).reason).toContain("9007199254740993");
    },
  );
});

describe("6. instance tokens stay out of errors", () => {
  it.each(each(operations))(
    "%s: in an unexpected answer, an error body, a plain-text page, and across the cut",
    async (_, op) => {
      const shape = Array.isArray(op.successes[0]!.value)
        ? [{ [SECRET]: INSTANCE_TOKEN, idInstance: "x" }]
        : { [SECRET]: INSTANCE_TOKEN };
      const handlers: Handler[] = [
        answer(200, shape),
        answer(403, {
          code: 403,
          description: `Forbidden ${INSTANCE_TOKEN}`,
          [SECRET]: INSTANCE_TOKEN,
          more: [{ [SECRET]: INSTANCE_TOKEN }],
        }),
        answer(400, `bad: {"${SECRET}": "${INSTANCE_TOKEN}"}`),
        answer(200, `${"x".repeat(EXCERPT - 30)}{"${SECRET}":"${INSTANCE_TOKEN}"}`),
      ];
      for (const handler of handlers) {
        const { result } = await through(handler, op);
        errorOf(result);
        expectNoToken(result.error, INSTANCE_TOKEN);
      }
    },
  );

  it.each(each(operations))(
    "%s: a secret field holding a lone surrogate (it cannot be URL-encoded) still resolves, masked",
    async (_, op) => {
      const text = `{"code":403,"description":"Forbidden","${SECRET}":"\\ud800${INSTANCE_TOKEN}"}`;
      const { result } = await through(answer(403, text, { "Content-Type": "application/json" }), op);
      expect(errorOf(result)).toMatchObject({ kind: "api", status: 403 });
      expectNoToken(result.error, INSTANCE_TOKEN);
    },
  );

  it("while idInstance, which a partner needs to recover, is kept", async () => {
    const op = operations.find((o) => o.operationId === "getInstances")!;
    const { result } = await through(answer(200, [{ idInstance: 1101000300, [SECRET]: INSTANCE_TOKEN }]), op);
    expect((errorOf(result) as { excerpt: string }).excerpt).toContain("1101000300");
  });
});

describe("7. answers are bounded in size, and the connection is closed", () => {
  const maxOf = (op: SpecOperation) => op.operation["x-max-response-bytes"] as number;

  /** A server that streams `chunk` until the client closes the connection, and records that. */
  function endless(status: number, headers: Record<string, string>, chunk: Buffer) {
    let onClosed!: () => void;
    const state = {
      closed: false,
      /** Resolves when the client has closed the connection (a test that never sees it times out). */
      whenClosed: new Promise<void>((resolve) => (onClosed = resolve)),
      handler: ((_q, res) => {
        res.writeHead(status, headers);
        res.on("close", () => ((state.closed = true), onClosed()));
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      }) as Handler,
    };
    return state;
  }

  it.each(each(operations))(
    "%s: a Content-Length beyond the method's limit is refused before reading",
    async (_, op) => {
      const stream = endless(
        200,
        { "Content-Type": "application/json", "Content-Length": String(maxOf(op) + 1) },
        Buffer.alloc(64 * 1024, 32),
      );
      const { result, ms } = await through(stream.handler, op);
      expect(errorOf(result)).toMatchObject({ kind: "unexpected-response", sent: "yes" });
      expect(result.error!.message).toContain(String(maxOf(op)));
      expect(ms).toBeLessThan(1500);
      await stream.whenClosed;
      expect(stream.closed).toBe(true);
    },
  );

  it.each(each(operations.filter((op) => maxOf(op) <= 1024 * 1024)))(
    "%s: a gzip body that inflates past the limit",
    async (_, op) => {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 48)); // 64 MB of zeros, about 64 KB on the wire
      const { result, ms } = await through(
        (_q, res) => res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" }).end(bomb),
        op,
      );
      expect(errorOf(result)).toMatchObject({ kind: "unexpected-response" });
      expect((result.error as { reason: string }).reason).toContain(String(maxOf(op)));
      expect(ms).toBeLessThan(1500);
    },
  );

  it.each(each(operations))("%s: an endless error page ends as an http error with a short excerpt", async (_, op) => {
    const stream = endless(500, { "Content-Type": "text/html" }, Buffer.alloc(64 * 1024, 65));
    const { result, ms } = await through(stream.handler, op);
    expect(errorOf(result)).toMatchObject({ kind: "http", status: 500 });
    expect(result.error!.message.length).toBeLessThan(600);
    expect(ms).toBeLessThan(1500);
    await stream.whenClosed;
    expect(stream.closed).toBe(true);
  });

  it.each(each(operations))("%s: a 20 MB error description gives a short message", async (_, op) => {
    const body = JSON.stringify({ code: 403, description: "D".repeat(20 * 1024 * 1024) });
    for (const status of [200, 403]) {
      const { result } = await through(
        (_q, res) => res.writeHead(status, { "Content-Type": "application/json" }).end(body),
        op,
        {},
        undefined,
        10_000,
      );
      const error = errorOf(result);
      expect(error.message.length, `HTTP ${status}`).toBeLessThan(600);
      expect(JSON.stringify(error).length, `HTTP ${status}`).toBeLessThan(5000);
    }
  });

  it("summarises ten thousand unknown fields instead of pasting them", async () => {
    const op = operations.find((o) => o.operationId === "createInstance")!;
    const body = {
      ...(op.request as object),
      ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field${i}`, "yes"])),
    };
    const { result, server } = await through(answer(200, {}), op, {}, body);
    expect(errorOf(result)).toMatchObject({ kind: "invalid-request", sent: "no" });
    expect(result.error!.message.length).toBeLessThan(600);
    expect(result.error!.message).toMatch(/and 999\d more/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("8. every error says whether anything was sent", () => {
  it.each(each(operations))("%s: a signal already aborted sends nothing and says so", async (_, op) => {
    const { result, server } = await through(answer(200, op.successes[0]!.value), op, { signal: AbortSignal.abort() });
    expect(errorOf(result)).toMatchObject({ kind: "timeout", by: "signal", sent: "no", attempts: 0 });
    expect(result.error!.message).not.toMatch(/may have/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("9. bad configuration is refused at once, and never printed; any abort reason settles the call", () => {
  it.each([
    ["credentials in baseUrl", { partnerToken: TOKEN, baseUrl: `https://partner:${TOKEN}@api.green-api.com` }],
    ["a token that is not well-formed Unicode", { partnerToken: `${TOKEN}\ud800` }],
    ["a javascript: baseUrl", { partnerToken: TOKEN, baseUrl: `javascript:alert('${TOKEN}')` }],
  ])("%s: a TypeError that holds no secret", (_, options) => {
    let thrown: unknown;
    try {
      createPartnerClient(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expectNoToken(thrown);
  });

  const reasons: Array<[string, unknown]> = [
    ["a Symbol", Symbol("stop")],
    ["an object with no prototype", Object.create(null)],
    [
      "an object whose toString throws",
      {
        toString: () => {
          throw new Error("no");
        },
      },
    ],
    ["undefined", undefined],
    ["a string holding the token", `stop ${TOKEN}`],
    ["a number", 42],
  ];
  it.each(each(operations))("%s: abort reasons of every type, before and during the call", async (_, op) => {
    for (const [name, reason] of reasons) {
      for (const when of ["before", "during"] as const) {
        const controller = new AbortController();
        if (when === "before") controller.abort(reason);
        // "during": once the server has the request, which it never answers.
        const { result } = await through(() => controller.abort(reason), op, { signal: controller.signal });
        expect(errorOf(result), `${name} ${when}`).toMatchObject({
          kind: "timeout",
          by: "signal",
          sent: when === "before" ? "no" : "maybe",
        });
        expectNoToken(result.error);
      }
    }
  });
});

describe("10. a deeply nested answer is an answer, not a network failure", () => {
  const deep = "[".repeat(200_000) + "]".repeat(200_000);
  it.each(each(operations))("%s: as a 5xx, a 200 and inside an error body", async (_, op) => {
    const json =
      (status: number, text: string): Handler =>
      (_q, res) =>
        res.writeHead(status, { "Content-Type": "application/json" }).end(text);
    const cases: Array<[Handler, string]> = [
      [json(503, deep), "http"],
      [json(200, deep), "unexpected-response"],
      [json(200, `{"code": 403, "description": "Forbidden", "detail": ${"[".repeat(5000)}${"]".repeat(5000)}}`), "api"],
    ];
    for (const [handler, kind] of cases) {
      const { result } = await through(handler, op);
      expect(errorOf(result).kind).toBe(kind);
      expect(JSON.stringify(result.error).length).toBeLessThan(5000);
    }
  });
});

describe("11. every written form of a secret is masked", () => {
  // Every punctuation character the token rule allows, so that every escape an encoder writes is met.
  const PUNCTUATED = "gac.FAKE:tok=en,0000$aaaa&'()*+;@!~_-1111bbbb";
  const percent = (text: string, lower: boolean) =>
    [...text]
      .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
      .map((e) => (lower ? e : e.toUpperCase()))
      .join("");
  const forms: Record<string, (token: string) => string> = {
    raw: (t) => t,
    "URL-encoded, upper case": (t) => encodeURIComponent(t).replace(/[!'()*~]/g, (c) => percent(c, false)),
    "URL-encoded, lower case": (t) => encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    "every character escaped": (t) => percent(t, true),
    "encoded twice": (t) => encodeURIComponent(encodeURIComponent(t)),
    "JSON-escaped": (t) =>
      [...t].map((c) => (/[a-z0-9]/i.test(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)).join(""),
    "form-encoded": (t) => new URLSearchParams({ t }).toString().slice(2),
    "HTML-escaped, as an error page writes it": (t) => t.replace(/&/g, "&amp;").replace(/'/g, "&#39;"),
    "HTML-escaped in hex": (t) => t.replace(/[^a-z0-9]/gi, (c) => `&#x${c.charCodeAt(0).toString(16)};`),
    "upper-cased by a server": (t) => t.toUpperCase(),
  };
  const noPiece = (value: unknown, written: string) => {
    for (const text of textsOf(value))
      for (let i = 0; i + 12 <= written.length; i++)
        expect(text.includes(written.slice(i, i + 12)), `a piece of ${written} is in: ${text.slice(0, 300)}`).toBe(
          false,
        );
  };

  it.each(Object.keys(forms))(
    "a server that echoes the token %s: masked in message, excerpt and cause",
    async (name) => {
      const written = forms[name]!(PUNCTUATED);
      const server = await loopback((_req, res) =>
        res
          .writeHead(502, { "Content-Type": "text/plain" })
          .end(`upstream failed for /partner/x/${written} (see ${written})`),
      );
      try {
        const partner = createPartnerClient({ partnerToken: PUNCTUATED, baseUrl: server.url, retry: false });
        const { error } = await partner.getInstances();
        expect(error).toMatchObject({ kind: "http", status: 502 });
        for (const form of Object.values(forms)) noPiece(error, form(PUNCTUATED));
      } finally {
        await server.close();
      }
    },
  );

  it("the partner token pasted as a settings key is masked in the invalid-request error", async () => {
    const op = operations.find((o) => o.operationId === "createInstance")!;
    const partner = createPartnerClient({ partnerToken: PUNCTUATED, baseUrl: "http://127.0.0.1:9" });
    const result = await callOperation(partner, op, {}, { [PUNCTUATED]: "yes" });
    expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no" });
    for (const form of Object.values(forms)) noPiece(result.error, form(PUNCTUATED));
    expect((result.error as { violations: { field: string }[] }).violations[0]!.field).toBe("***");
  });
});

describe("12. what a review found: secrets the body sent, hostile errors, deep answers", () => {
  const createOp = operations.find((o) => o.operationId === "createInstance")!;
  const WEBHOOK_TOKEN = "FAKE-webhook-token-0123456789";

  it("a webhookUrlToken the body sent is masked in an answer that echoes it", async () => {
    const handler: Handler = (_req, res) =>
      res
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ code: 400, description: `webhookUrlToken '${WEBHOOK_TOKEN}' is not allowed` }));
    const { result } = await through(handler, createOp, {}, { name: "shop", webhookUrlToken: WEBHOOK_TOKEN });
    expect(errorOf(result)).toMatchObject({ kind: "api", code: 400 });
    expectNoToken(result.error, WEBHOOK_TOKEN);
  });

  it("a secret field far down a long answer is still hunted for", async () => {
    const op = operations.find((o) => o.operationId === "getInstances")!;
    const body: Record<string, unknown> = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`field${i}`, i]));
    Object.assign(body, { code: 500, description: `failed for ${INSTANCE_TOKEN}`, [SECRET]: INSTANCE_TOKEN });
    const { result } = await through(answer(500, body), op);
    expectNoToken(result.error, INSTANCE_TOKEN);
  });

  it("a fetch error whose name, code or message getter is hostile still resolves, masked", async () => {
    const op = operations.find((o) => o.operationId === "getInstances")!;
    const hostile = Object.assign(new Error("x"), {
      name: `Error at /partner/getInstances/${TOKEN}`,
      code: `E_${TOKEN}`,
    });
    const throwing = new Error("y");
    Object.defineProperty(throwing, "message", {
      get: () => {
        throw new Error("getter");
      },
    });
    for (const thrown of [hostile, throwing]) {
      const partner = createPartnerClient({ partnerToken: TOKEN, retry: false, fetch: () => Promise.reject(thrown) });
      const result = await callOperation(partner, op);
      expect(errorOf(result).kind).toBe("network");
      expectNoToken(result.error);
    }
  });

  it("a fetch that answers synchronously: the answer arrived (sent yes)", async () => {
    const op = operations.find((o) => o.operationId === "getInstances")!;
    const partner = createPartnerClient({
      partnerToken: TOKEN,
      retry: false,
      fetch: (() => new Response("nope", { status: 418 })) as unknown as typeof fetch,
    });
    expect(errorOf(await callOperation(partner, op))).toMatchObject({ kind: "http", status: 418, sent: "yes" });
  });

  it("a status outside 200-599 is reported as it came, and never retried", async () => {
    const op = operations.find((o) => o.operationId === "getInstances")!;
    const server = await loopback((req) =>
      req.socket.end("HTTP/1.1 600 Strange\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"),
    );
    try {
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        retry: { attempts: 3, delayMs: 1 },
      });
      const { error } = await partner.getInstances();
      if (error?.kind === "http") expect(error.status).toBe(600);
      expect(error?.attempts).toBe(1);
      expect(server.requests.length).toBe(1);
    } finally {
      await server.close();
    }
  });

  it.each([
    ["a 2xx with a declared length", 200, { "Content-Length": "1000" }],
    ["a chunked 2xx", 200, {}],
    ["a 503", 503, {}],
  ] as const)(
    "the deadline and the caller's signal end a body that never ends, from any fetch: %s",
    async (_, status, headers) => {
      const op = operations.find((o) => o.operationId === "getInstances")!;
      // The body stalls once the client has read its first byte and asks for more (the stream's pull).
      let stalled!: () => void;
      const endless = () =>
        Promise.resolve(
          new Response(
            new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("[")), pull: () => stalled() }),
            { status, headers },
          ),
        );
      const stall = () => new Promise<void>((resolve) => (stalled = resolve));
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        retry: false,
        timeoutMs: 300,
        fetch: endless as unknown as typeof fetch,
      });
      holdClock();
      const started = performance.now();
      const ended = await drive(() => callOperation(partner, op), { stalled: stall(), deadlineMs: 300 });
      expect(errorOf(ended)).toMatchObject({ kind: "timeout", by: "timeout", sent: "yes" });
      expect(performance.now() - started).toBeLessThan(1300);
      const controller = new AbortController();
      void stall().then(() => controller.abort());
      expect(errorOf(await callOperation(partner, op, { signal: controller.signal, timeoutMs: 10_000 }))).toMatchObject(
        { kind: "timeout", by: "signal" },
      );
    },
  );

  it("a declared length is not trusted from a fetch other than the global one: the size limit holds", async () => {
    const op = operations.find((o) => o.operationId === "createInstance")!;
    const limit = op.operation["x-max-response-bytes"] as number;
    const big = () =>
      Promise.resolve(
        new Response(new Uint8Array(limit * 4).fill(32), { status: 200, headers: { "Content-Length": "2" } }),
      );
    const partner = createPartnerClient({ partnerToken: TOKEN, fetch: big as unknown as typeof fetch });
    expect(errorOf(await callOperation(partner, op))).toMatchObject({ kind: "unexpected-response" });
    expect(errorOf(await callOperation(partner, op)).message).toMatch(/larger than/);
  });
});
