// The executor's named steps, each alone (retryWait, prepare's checks, classifyThrown), and what
// they add: query checks (#22 item 9), mayHaveTakenEffect (#22 item 11), multipart uploads on the
// media host (#24), waits that say what their polls did, mockFetch's answers of one's own.
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as operations from "../generated/operations.js";
import {
  type PartnerClientError,
  createInstanceClient,
  createInstanceCore,
  createPartnerClient,
  mayHaveTakenEffect,
  waitForState,
} from "../src/index.js";
import { classifyThrown } from "../src/attempt.js";
import { type Operation, coreState } from "../src/executor.js";
import { prepare } from "../src/request.js";
import { retryWait } from "../src/retry.js";
import { createWatchdog, unwatch, watch } from "../src/timing.js";
import { mockFetch } from "../src/testing.js";
import { answer, loopback } from "./helpers/server.js";
import { INSTANCE_TOKEN, TOKEN, expectNoToken } from "./helpers/token.js";

const ID = 1101000001;
const instanceOptions = { idInstance: ID, apiTokenInstance: INSTANCE_TOKEN };

afterEach(() => {
  vi.useRealTimers();
});

describe("retryWait: the retry decision alone", () => {
  const policy = { attempts: 3, delayMs: 100, maxDelayMs: 1000 };
  const network = { result: { error: { kind: "network", sent: "maybe" } as PartnerClientError }, transport: true };
  const notFound = {
    result: { error: { kind: "http", status: 404, sent: "yes" } as PartnerClientError },
    transport: false,
  };
  const half = () => 0.5;

  it("waits out a transport failure with a doubling, jittered backoff", () => {
    expect(retryWait(policy, network, 1, 10_000, 0, half)).toBe(75);
    expect(retryWait(policy, network, 2, 10_000, 0, half)).toBe(150);
  });
  it("ends the call: no error, no policy, attempts used up, a failure that will not pass, past the deadline", () => {
    expect(retryWait(policy, { result: { data: 1 }, transport: false }, 1, 10_000, 0, half)).toBeUndefined();
    expect(retryWait(undefined, network, 1, 10_000, 0, half)).toBeUndefined();
    expect(retryWait(policy, network, 3, 10_000, 0, half)).toBeUndefined();
    expect(retryWait(policy, notFound, 1, 10_000, 0, half)).toBeUndefined();
    expect(retryWait(policy, network, 1, 75, 0, half)).toBeUndefined();
  });
  it("honours Retry-After up to maxDelayMs, and gives up beyond it", () => {
    const limited = (retryAfterMs: number) => ({
      result: { error: { kind: "http", status: 429, sent: "yes", retryAfterMs } as PartnerClientError },
      transport: false,
    });
    expect(retryWait(policy, limited(800), 1, 10_000, 0, half)).toBe(800);
    expect(retryWait(policy, limited(1001), 1, 10_000, 0, half)).toBeUndefined();
  });
});

describe("classifyThrown: what a throw means, from the wire alone", () => {
  const state = coreState({
    where: "test",
    baseUrl: "http://127.0.0.1:9",
    pathValues: { idInstance: ID, apiTokenInstance: INSTANCE_TOKEN },
  });
  const plan = prepare(state, operations.createInstance, { name: "x" }, {}, {});
  if ("error" in plan) throw plan.error;
  const deadline = { signal: new AbortController().signal, endsAt: Infinity, expire: () => {}, clear: () => {} };
  const attempt = (wire: { started: boolean; status?: number; bodyFailed?: boolean }) => ({
    plan,
    number: 1,
    deadline,
    errorText: "",
    bodyFailed: false,
    ...wire,
  });
  const reset = new TypeError("fetch failed", {
    cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  });
  const refused = new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
  });

  it.each([
    ["nothing started", { started: false }, reset, "no"],
    ["refused at connect", { started: true }, refused, "no"],
    ["cut after sending", { started: true }, reset, "maybe"],
    ["cut while reading the answer", { started: true, status: 200, bodyFailed: true }, reset, "yes"],
  ] as const)("%s: sent %s", (_, wire, thrown, sent) => {
    const { result } = classifyThrown(attempt(wire), thrown);
    expect(result.error).toMatchObject({ kind: "network", sent });
    expectNoToken(result.error);
  });
});

describe("the query is checked like the body (#22 item 9)", () => {
  it("receiveNotification({ receiveTimeout: 600 }) is refused, naming the field, and nothing is sent", async () => {
    const server = await loopback(answer(200, null));
    try {
      const instance = createInstanceClient({ ...instanceOptions, apiUrl: server.url });
      const result = await instance.receiveNotification({ receiveTimeout: 600 });
      expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no", attempts: 0 });
      const error = result.error as Extract<PartnerClientError, { kind: "invalid-request" }>;
      expect(error.violations).toEqual([
        { field: "receiveTimeout", rule: "maximum", message: expect.stringMatching(/^receiveTimeout must be <= \d+$/) },
      ]);
      expect(error.message).toMatch(/receiveTimeout must be <=/);
      expect(server.requests).toEqual([]);
      // Within the bounds it is sent, as the query.
      expect(await instance.receiveNotification({ receiveTimeout: 5 })).toEqual({ data: null });
      expect(server.requests.map((r) => r.url)).toEqual([expect.stringMatching(/\?receiveTimeout=5$/)]);
    } finally {
      await server.close();
    }
  });

  it("a query name an operation does not have is refused", () => {
    const state = coreState({ where: "test", baseUrl: "http://127.0.0.1:9", pathValues: {} });
    const plan = prepare(state, operations.getSettings, undefined, {}, { query: { page: 1 } });
    expect("error" in plan && plan.error.kind === "invalid-request" && plan.error.violations).toEqual([
      { field: "page", rule: "additionalProperties", message: "page is not a field of getSettings's query" },
    ]);
  });

  it("mockFetch answers a query out of bounds with the spec's 400", async () => {
    const fetch = mockFetch();
    const url = (timeout: number) =>
      `http://mock/waInstance${ID}/receiveNotification/${INSTANCE_TOKEN}?receiveTimeout=${timeout}`;
    expect((await fetch(url(600))).status).toBe(400);
    expect((await fetch(url(5))).status).toBe(200);
  });
});

describe("mayHaveTakenEffect: one rule for every recovery (#22 item 11)", () => {
  /** createInstance against a loopback server doing `handler`; the error it gives. */
  async function failed(handler: Parameters<typeof loopback>[0], timeoutMs = 30_000): Promise<PartnerClientError> {
    const server = await loopback(handler);
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, timeoutMs });
      const result = await partner.createInstance({ name: "shop" });
      if (!result.error) throw new Error("expected a failure");
      return result.error;
    } finally {
      await server.close();
    }
  }

  it("a connection cut after sending: true", async () => {
    const error = await failed((_req, res) => res.socket?.destroy());
    expect(error).toMatchObject({ kind: "network", sent: "maybe" });
    expect(mayHaveTakenEffect(error)).toBe(true);
  });
  it("a timeout after sending: true", async () => {
    const controller = new AbortController();
    const server = await loopback(() => controller.abort()); // never answers; the caller gives up once it arrived
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url });
      const result = await partner.createInstance({ name: "shop" }, { signal: controller.signal });
      expect(result.error).toMatchObject({ kind: "timeout", sent: "maybe" });
      expect(mayHaveTakenEffect(result.error!)).toBe(true);
    } finally {
      await server.close();
    }
  });
  it("HTTP 500: true", async () => {
    const error = await failed(answer(500, "Internal Server Error"));
    expect(error).toMatchObject({ kind: "http", status: 500 });
    expect(mayHaveTakenEffect(error)).toBe(true);
  });
  it("{code: 500} inside HTTP 200: true", async () => {
    const error = await failed(answer(200, { code: 500, description: "Internal error" }));
    expect(error).toMatchObject({ kind: "api", code: 500, status: 200 });
    expect(mayHaveTakenEffect(error)).toBe(true);
  });
  it("{code: 502} with HTTP 502: true", async () => {
    const error = await failed(answer(502, { code: 502, description: "Bad gateway" }));
    expect(mayHaveTakenEffect(error)).toBe(true);
  });
  it("an invalid request: false", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: "http://127.0.0.1:9" });
    const result = await partner.createInstance({ name: "shop", delaySendMessagesMilliseconds: -1 });
    expect(result.error?.kind).toBe("invalid-request");
    expect(mayHaveTakenEffect(result.error!)).toBe(false);
  });
  it.each([401, 403])("{code: %i}: false", async (code) => {
    const error = await failed(answer(200, { code, description: "refused" }));
    expect(error).toMatchObject({ kind: "api", code });
    expect(mayHaveTakenEffect(error)).toBe(false);
  });
  it("HTTP 401: false", async () => {
    expect(mayHaveTakenEffect(await failed(answer(401, "Unauthorized")))).toBe(false);
  });
  it("a used-up quota, 466: false", async () => {
    const quota = { invokeStatus: { method: "createInstance", used: 10, total: 10, status: "QUOTE_EXCEEDED" } };
    const error = await failed(answer(466, quota));
    expect(error).toMatchObject({ kind: "api", code: 466 });
    expect(mayHaveTakenEffect(error)).toBe(false);
  });
  it("nothing sent (a refused connection): false", async () => {
    const server = await loopback(answer(200, {}));
    const url = server.url;
    await server.close();
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: url });
    const result = await partner.createInstance({ name: "shop" });
    expect(result.error).toMatchObject({ kind: "network", sent: "no" });
    expect(mayHaveTakenEffect(result.error!)).toBe(false);
  });
});

describe("waits say what their polls did (#22, a new partner's second hour)", () => {
  it("a wait whose polls got no answer reports sent: maybe, not yes", async () => {
    vi.useFakeTimers();
    const instance = createInstanceClient({
      ...instanceOptions,
      fetch: mockFetch({ getStateInstance: { timeout: true } }),
    });
    const waiting = waitForState(instance, "authorized", { timeoutMs: 1000, intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(1000);
    const { error } = await waiting;
    expect(error).toMatchObject({ kind: "timeout", by: "timeout", sent: "maybe" });
    if (error?.kind === "timeout") expect(error.lastState).toBeUndefined(); // typed: WaitTimeoutError
  });

  it("once a poll was answered it is yes, and the last state is kept", async () => {
    vi.useFakeTimers();
    const fetch = mockFetch({ getStateInstance: ["starting", { timeout: true }] });
    const instance = createInstanceClient({ ...instanceOptions, fetch });
    const waiting = waitForState(instance, "authorized", { timeoutMs: 1000, intervalMs: 100 });
    await vi.advanceTimersByTimeAsync(1000);
    const { error } = await waiting;
    expect(error).toMatchObject({ kind: "timeout", sent: "yes", lastState: "starting" });
  });

  it("a wait stopped before any poll left: no", async () => {
    const controller = new AbortController();
    controller.abort();
    const instance = createInstanceClient({ ...instanceOptions, fetch: mockFetch() });
    const { error } = await waitForState(instance, "authorized", { signal: controller.signal });
    expect(error).toMatchObject({ kind: "timeout", by: "signal", sent: "no", attempts: 0 });
  });
});

describe("mockFetch: answers of one's own", () => {
  const client = (fetch: typeof globalThis.fetch) => createInstanceClient({ ...instanceOptions, fetch, retry: false });

  it("a body of one's own, JSON or text, with any status", async () => {
    const fetch = mockFetch({
      getSettings: [
        { status: 500, json: { code: 500, description: "boom" } },
        { status: 502, text: "<html>" },
      ],
    });
    expect((await client(fetch).getSettings()).error).toMatchObject({ kind: "api", code: 500, status: 500 });
    expect((await client(fetch).getSettings()).error).toMatchObject({ kind: "http", status: 502, excerpt: "<html>" });
  });
  it("a timeout: no answer until the signal aborts", async () => {
    vi.useFakeTimers();
    const calling = client(mockFetch({ getSettings: { timeout: true } })).getSettings({ timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect((await calling).error).toMatchObject({ kind: "timeout", by: "timeout", sent: "maybe" });
  });
  it("a reset: the connection cut after sending", async () => {
    const { error } = await client(mockFetch({ reboot: { reset: true } })).reboot();
    expect(error).toMatchObject({ kind: "network", sent: "maybe" });
    expect(mayHaveTakenEffect(error!)).toBe(true);
  });
  it("named examples and answers of one's own in one sequence", async () => {
    const fetch = mockFetch({ getStateInstance: [{ reset: true }, "authorized"] });
    expect((await client(fetch).getStateInstance()).error?.kind).toBe("network");
    expect(await client(fetch).getStateInstance()).toEqual({ data: { stateInstance: "authorized" } });
  });
});

describe("multipart uploads on the media host (#24, the executor's part)", () => {
  const ajv = new Ajv2020();
  // A hand-made operation shaped as interfaces.md describes sendFileByUpload.
  const upload: Operation = {
    operationId: "sendFileByUpload",
    method: "POST",
    path: "/waInstance{idInstance}/sendFileByUpload/{apiTokenInstance}",
    retrySafe: false,
    maxResponseBytes: 65536,
    failureStyle: "http-status",
    pathParams: ["idInstance", "apiTokenInstance"],
    notReadyStatuses: [],
    queryParams: [],
    server: "mediaUrl",
    requestMediaType: "multipart/form-data",
    fileField: "file",
    maxFileBytes: 64,
    validateRequest: ajv.compile({
      type: "object",
      required: ["chatId", "fileName"],
      properties: { chatId: { type: "string", minLength: 1 }, fileName: { type: "string", pattern: "\\.\\w+$" } },
      additionalProperties: false,
    }) as unknown as Operation["validateSuccess"],
    validateSuccess: ajv.compile({
      type: "object",
      required: ["idMessage"],
      properties: { idMessage: { type: "string" } },
    }) as unknown as Operation["validateSuccess"],
  };
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256);

  /** A loopback server keeping each request's body as bytes. */
  async function bytesServer(idMessage: string) {
    const requests: { url: string; type: string; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        requests.push({ url: req.url ?? "", type: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) });
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ idMessage }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
    return { url, requests, close };
  }

  async function hosts() {
    const api = await bytesServer("api");
    const media = await bytesServer("BAE5F4886F4F4F4F");
    const core = createInstanceCore({ ...instanceOptions, apiUrl: api.url, mediaUrl: media.url });
    return { api, media, core, close: () => Promise.all([api.close(), media.close()]) };
  }

  it.each([
    [
      "a Blob from fs.openAsBlob",
      async (dir: string) => (writeFileSync(join(dir, "f.png"), bytes), openAsBlob(join(dir, "f.png"))),
    ],
    ["a Uint8Array", async () => bytes],
    ["an ArrayBuffer", async () => bytes.slice().buffer],
  ])("%s arrives intact, multipart, on the media host", async (_, file) => {
    const dir = mkdtempSync(join(tmpdir(), "upload-"));
    const { api, media, core, close } = await hosts();
    try {
      const input = { chatId: "79001234567@c.us", fileName: "photo.png", file: await file(dir) };
      expect(await core.execute(upload, input)).toEqual({ data: { idMessage: "BAE5F4886F4F4F4F" } });
      expect(api.requests).toEqual([]);
      const [seen] = media.requests;
      expect(seen!.url).toBe(`/waInstance${ID}/sendFileByUpload/${INSTANCE_TOKEN}`);
      expect(seen!.type).toMatch(/^multipart\/form-data; boundary=/);
      const form = await new Response(new Uint8Array(seen!.body), {
        headers: { "Content-Type": seen!.type },
      }).formData();
      expect(form.get("chatId")).toBe("79001234567@c.us");
      const sentFile = form.get("file") as File;
      expect(sentFile.name).toBe("photo.png");
      expect(new Uint8Array(await sentFile.arrayBuffer())).toEqual(bytes);
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("nothing is sent for a file over the limit (its size read, not the file), a bad field, or no file", async () => {
    const { api, media, core, close } = await hosts();
    try {
      const large = new Blob([new Uint8Array(65)]);
      const text = vi.spyOn(large, "stream");
      const cases = [
        [{ chatId: "1@c.us", fileName: "a.png", file: large }, "file", "maxFileBytes"],
        [{ chatId: "1@c.us", fileName: "no-extension", file: bytes }, "fileName", "pattern"],
        [{ chatId: "1@c.us", fileName: "a.png" }, "file", "required"],
        [{ chatId: "1@c.us", fileName: "a.png", file: "not a file" }, "file", "type"],
      ] as const;
      for (const [input, field, rule] of cases) {
        const { error } = await core.execute(upload, input);
        expect(error).toMatchObject({ kind: "invalid-request", sent: "no" });
        expect(error?.kind === "invalid-request" && error.violations).toContainEqual(
          expect.objectContaining({ field, rule }),
        );
      }
      expect(text).not.toHaveBeenCalled();
      expect([...api.requests, ...media.requests]).toEqual([]);
    } finally {
      await close();
    }
  });

  it("mediaUrl defaults: GREEN-API's media host for GREEN-API's apiUrl, the apiUrl itself for a mock", () => {
    const mock = createInstanceCore({ ...instanceOptions, apiUrl: "http://127.0.0.1:1/" });
    expect(mock.mediaUrl).toBe("http://127.0.0.1:1");
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: "http://127.0.0.1:2" });
    expect(partner.instance(instanceOptions).mediaUrl).toBe("http://127.0.0.1:2");
    expect(partner.instance(instanceOptions, { mediaUrl: "http://127.0.0.1:3" }).mediaUrl).toBe("http://127.0.0.1:3");
    expect(() => createInstanceCore({ ...instanceOptions, mediaUrl: "ftp://x" })).toThrow(
      "createInstanceClient: mediaUrl must be an http or https URL",
    );
    const media = (operations.serverDefaults as Record<string, string | undefined>).mediaUrl;
    if (media) expect(createInstanceCore(instanceOptions).mediaUrl).toBe(media.replace(/\/+$/, ""));
  });
});

describe("the deadlines' one timer (timing.ts createWatchdog, watch)", () => {
  const entry = () => ({
    expired: 0,
    expire() {
      this.expired++;
    },
  });
  /** A watchdog on vitest's fake timers and clock: time moves only when the test says. */
  const fakeWatchdog = () => {
    vi.useFakeTimers();
    return createWatchdog({
      setTimeout: (handler, ms) => setTimeout(handler, ms),
      clearTimeout: (timer) => clearTimeout(timer),
      now: () => performance.now(),
    });
  };
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const hanging = createInstanceClient({ ...instanceOptions, fetch: () => new Promise<Response>(() => {}) });
  const answering = createInstanceClient({ ...instanceOptions, fetch: async () => Response.json(null) });

  it("ends each deadline at its own time, whichever was watched first", async () => {
    const dog = fakeWatchdog();
    const [late, early] = [entry(), entry()];
    dog.watch(late, 1000);
    dog.watch(early, 300);
    await vi.advanceTimersByTimeAsync(299);
    expect([early.expired, late.expired]).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect([early.expired, late.expired]).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(700);
    expect([early.expired, late.expired]).toEqual([1, 1]);
  });

  it("a deadline unwatched before its time never expires; one watched as another expires is watched", async () => {
    const dog = fakeWatchdog();
    const [gone, first, second] = [entry(), entry(), entry()];
    dog.watch(gone, 100);
    dog.unwatch(gone);
    first.expire = () => void (first.expired++, dog.watch(second, 50));
    dog.watch(first, 200);
    await vi.advanceTimersByTimeAsync(1000);
    expect([gone.expired, first.expired, second.expired]).toEqual([0, 1, 1]);
  });

  it("keeps the process alive only while a deadline is pending", () => {
    const before = timeouts();
    const [call, next] = [entry(), entry()];
    watch(call, 60_000);
    expect(timeouts()).toBe(before + 1);
    unwatch(call);
    expect(timeouts()).toBe(before);
    watch(next, 60_000); // the same timer, keeping the process alive again
    expect(timeouts()).toBe(before + 1);
    unwatch(next);
    expect(timeouts()).toBe(before);
  });

  it("a call in flight ends at its time when setTimeout is replaced meanwhile (an agent's wrapper)", async () => {
    const own = globalThis.setTimeout;
    const first = hanging.getStateInstance({ timeoutMs: 50 });
    const later = new AbortController();
    globalThis.setTimeout = ((handler: () => void, ms?: number) => own(handler, ms)) as typeof setTimeout;
    try {
      const second = hanging.getStateInstance({ timeoutMs: 60_000, signal: later.signal });
      expect((await first).error).toMatchObject({ kind: "timeout", by: "timeout" });
      later.abort();
      expect((await second).error).toMatchObject({ kind: "timeout", by: "signal" });
    } finally {
      globalThis.setTimeout = own;
    }
  });

  it("fake timers installed while a call waits: it ends at its real time, a new call at its fake time", async () => {
    const real = hanging.getStateInstance({ timeoutMs: 50 });
    vi.useFakeTimers();
    const fake = hanging.getStateInstance({ timeoutMs: 500 });
    expect((await real).error).toMatchObject({ kind: "timeout", by: "timeout", timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(500);
    expect((await fake).error).toMatchObject({ kind: "timeout", by: "timeout", timeoutMs: 500 });
  });

  it("under fake timers, each call has a timer of its own: counted, run and cleared by the test's tools", async () => {
    vi.useFakeTimers();
    expect(await answering.getStateInstance()).toEqual({ data: null });
    expect(vi.getTimerCount()).toBe(0);
    const calls = [100, 200, 300].map((timeoutMs) => hanging.getStateInstance({ timeoutMs }));
    expect(vi.getTimerCount()).toBe(3);
    await vi.runOnlyPendingTimersAsync();
    expect((await Promise.all(calls)).map((r) => r.error?.kind)).toEqual(["timeout", "timeout", "timeout"]);
    vi.clearAllTimers();
    const after = hanging.getStateInstance({ timeoutMs: 2000 });
    await vi.advanceTimersByTimeAsync(2000);
    expect((await after).error).toMatchObject({ kind: "timeout", by: "timeout" });
  });

  it("a call ends at its time when the timers it was armed with are gone (fake ones, then real)", async () => {
    vi.useFakeTimers();
    expect(await answering.getStateInstance({ timeoutMs: 1 })).toEqual({ data: null });
    vi.useRealTimers();
    expect((await hanging.getStateInstance({ timeoutMs: 20 })).error).toMatchObject({ kind: "timeout", by: "timeout" });
    vi.useFakeTimers();
    const calling = hanging.getStateInstance({ timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect((await calling).error).toMatchObject({ kind: "timeout", by: "timeout", timeoutMs: 500 });
  });
});

describe("the deadline's controller, reused between calls of the global fetch (executor.ts spare)", () => {
  const { getEventListeners } = process.getBuiltinModule("node:events");

  it("a later call gets an earlier call's signal with no listener left on it, and never an aborted one", async () => {
    const server = await loopback(answer(200, null));
    const real = globalThis.fetch;
    const signals: AbortSignal[] = [];
    const listening: number[] = [];
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation((request, init) => {
      const signal = init!.signal!;
      signals.push(signal);
      listening.push(getEventListeners(signal, "abort").length);
      return real(request, init);
    });
    try {
      const instance = createInstanceClient({ ...instanceOptions, apiUrl: server.url });
      for (let i = 0; i < 3; i++) expect(await instance.getStateInstance()).toEqual({ data: null });
      expect(new Set(signals).size).toBe(1);
      expect(listening).toEqual([0, 0, 0]);
      // A call whose deadline fires: its signal is aborted, and the next call has a new one.
      spy.mockImplementationOnce((_request, init) => {
        signals.push(init!.signal!);
        return new Promise((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason)));
      });
      expect((await instance.getStateInstance({ timeoutMs: 20 })).error).toMatchObject({ kind: "timeout" });
      expect(signals[3]).toBe(signals[0]);
      expect(signals[3]!.aborted).toBe(true);
      expect(await instance.getStateInstance()).toEqual({ data: null });
      expect(signals[4]).not.toBe(signals[0]);
      expect(signals[4]!.aborted).toBe(false);
      // A caller's signal joins the deadline: that call's signal is its own.
      expect(await instance.getStateInstance({ signal: new AbortController().signal })).toEqual({ data: null });
      expect(signals[5]).not.toBe(signals[4]);
    } finally {
      spy.mockRestore();
      await server.close();
    }
  });
});
