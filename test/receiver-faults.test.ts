// Issue #22 items 1-3 and 5 (receiver side): nothing crashes the receiver, a body that can never
// be read moves GREEN-API's queue on, every delivery is answered within a bound whatever the
// store or the token lookup does, and a token that could never match is refused at once.
// Time is controlled (fake timers) wherever a deadline is tested: no test waits on the clock.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test, vi } from "vitest";
import { dedupKeys } from "../generated/webhooks.js";
import { webhookUrlTokenRule } from "../generated/webhooks.js";
import { deliverWebhook, notificationExamples } from "../src/testing.js";
import {
  type DedupStore,
  type Notification,
  type WebhookError,
  type WebhookReceiverOptions,
  createWebhookReceiver,
  memoryStore,
} from "../src/webhooks.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

const named = Object.entries(notificationExamples) as Array<[string, Notification]>;
const [keyedName, keyed] = named.find(
  ([, n]) => (n as { typeWebhook: string }).typeWebhook in dedupKeys && "idMessage" in n,
)!;
const STORE_MS = 1_000;

afterEach(() => void vi.useRealTimers());

function recording(options: Partial<WebhookReceiverOptions> = {}) {
  const errors: WebhookError[] = [];
  const seen: Notification[] = [];
  const receiver = createWebhookReceiver({ webhookUrlToken: TOKEN, onError: (e) => errors.push(e), ...options });
  receiver.onAny((n) => void seen.push(n));
  return { receiver, errors, seen };
}

const post = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://receiver.test/webhook", {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
/** The keyed example with its idMessage as raw JSON text (so that lone surrogates survive as escapes). */
const withId = (jsonString: string) =>
  JSON.stringify(keyed).replace(/"idMessage":"[^"]*"/, `"idMessage":${jsonString}`);

async function listen(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("#22 item 1: no input and no state of the response makes an entry point throw", () => {
  test("a lone surrogate in idMessage: createServer(receiver.node) keeps serving, each its own key", async () => {
    const { receiver, seen, errors } = recording();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const { url, close } = await listen(receiver.node);
    try {
      const send = (body: string) =>
        fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
          body,
        });
      expect((await send(withId('"\\ud800"'))).status).toBe(200);
      expect((await send(withId('"\\ud801"'))).status).toBe(200); // another notification: dispatched too
      expect((await send(withId('"\\ud800"'))).status).toBe(200); // the same again: a duplicate
      expect(await (await send(withId('"\\ud800"'))).text()).toMatch(/Already handled/);
      expect(seen.map((n) => (n as { idMessage: string }).idMessage)).toEqual(["\ud800", "\ud801"]);
      expect((await deliverWebhook(url, keyedName as never, { webhookUrlToken: TOKEN })).status).toBe(200);
      expect(errors).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await close();
    }
  });

  test("receiver.fetch answers a lone surrogate, and receive() gives it a key", async () => {
    const { receiver, seen } = recording();
    expect((await receiver.fetch(post(withId('"\\udfff"')))).status).toBe(200);
    expect(seen).toHaveLength(1);
    const receipt = await receiver.receive(JSON.parse(withId('"\\udc00"')));
    expect(receipt).toMatchObject({ status: "handled", acknowledged: true });
    expect(receipt.key).toMatch(/^incomingMessageReceived:|^outgoing/);
  });

  test("node: a response already sent, closed, or whose writeHead throws: resolves, reported as `answer`", async () => {
    const { receiver, errors } = recording();
    const body = JSON.stringify(keyed);
    const request = () => {
      const listeners: Record<string, (value?: unknown) => void> = {};
      const req = {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        readableEnded: false,
        on(event: string, listener: (value?: unknown) => void) {
          listeners[event] = listener;
          if (event === "end") queueMicrotask(() => (listeners.data?.(Buffer.from(body)), listener()));
          return req;
        },
        resume: () => req,
      };
      return req;
    };
    const responses = [
      { headersSent: true, writeHead: () => ({ end() {} }) },
      { destroyed: true, writeHead: () => ({ end() {} }) },
      {
        writeHead() {
          throw new Error("ERR_HTTP_HEADERS_SENT");
        },
      },
      { writeHead: () => ({ end: () => Promise.reject(new Error("closed")) }) },
    ];
    for (const res of responses) await expect(receiver.node(request() as never, res)).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((e) => e.reason)).toEqual(["answer", "answer", "answer", "answer"]);
  });

  test("node: a request object that throws on reading is a 500, reported, never a rejection", async () => {
    const { receiver, errors } = recording();
    const written: number[] = [];
    const hostile = {
      method: "POST",
      get headers(): never {
        throw new Error("no headers here");
      },
      on: () => hostile,
      resume: () => hostile,
    };
    await expect(
      receiver.node(hostile as never, { writeHead: (status: number) => (written.push(status), { end() {} }) }),
    ).resolves.toBeUndefined();
    expect(written).toEqual([500]);
    expect(errors.map((e) => e.reason)).toEqual(["internal"]);
  });

  test("an onError that throws or rejects changes nothing: no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      for (const onError of [
        () => {
          throw new Error("logger down");
        },
        () => Promise.reject(new Error("async logger down")),
      ]) {
        const receiver = createWebhookReceiver({ webhookUrlToken: TOKEN, onError: onError as never });
        receiver.onAny(() => {
          throw undefined; // not even an Error
        });
        expect((await receiver.fetch(post(JSON.stringify(keyed)))).status).toBe(500);
        expect((await receiver.fetch(post(JSON.stringify(keyed), { Authorization: "Bearer wrong" }))).status).toBe(401);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("receive() never rejects, whatever it is given", async () => {
    const { receiver } = recording();
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error("a getter that throws");
        },
      },
    );
    for (const value of [undefined, null, 42, "text", [1], throwing]) {
      const receipt = await receiver.receive(value);
      expect(["unreadable", "failed"]).toContain(receipt.status);
    }
  });
});

describe("#22 item 2: an authenticated body that can never be read moves the queue on", () => {
  test.each([
    ["not JSON", '{"typeWebhook": "incomingMessageReceived",', '{"typeWebhook": "incomingMessageReceived",'],
    ["an array", "[1, 2]", [1, 2]],
    ["a string", '"hello"', "hello"],
    ["null", "null", null],
  ])("%s: 200, nothing dispatched, handed to onError with the body", async (_, text, body) => {
    const { receiver, errors, seen } = recording();
    const answer = await receiver.fetch(post(text));
    expect(answer.status).toBe(200);
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 200, reason: "not-json", body });
  });

  test("with a token per instance it cannot be authenticated: 401, nothing dispatched", async () => {
    const { receiver, errors, seen } = recording({ webhookUrlToken: () => TOKEN });
    expect((await receiver.fetch(post("not json"))).status).toBe(401);
    expect((await receiver.fetch(post("[1]"))).status).toBe(401);
    expect(seen).toEqual([]);
    expect(errors.map((e) => e.reason)).toEqual(["unauthorized", "unauthorized"]);
  });

  test("receive() of something that is not an object: unreadable, acknowledged, reported", async () => {
    const { receiver, errors } = recording();
    expect(await receiver.receive([1])).toMatchObject({ status: "unreadable", acknowledged: true });
    expect(errors[0]).toMatchObject({ reason: "not-json", body: [1] });
  });
});

/** A store over memoryStore whose chosen calls never settle, recording every call. */
function hanging(which: Array<keyof DedupStore>, settleLater?: { resolve?: (value: unknown) => void }) {
  const inner = memoryStore();
  const calls: string[] = [];
  const store: DedupStore = {
    claim(key) {
      calls.push("claim");
      if (!which.includes("claim")) return inner.claim(key);
      return new Promise((resolve) => {
        if (settleLater) settleLater.resolve = (v) => resolve(v as never);
      });
    },
    complete(key) {
      calls.push("complete");
      return which.includes("complete") ? new Promise(() => {}) : inner.complete(key);
    },
    release(key) {
      calls.push("release");
      return which.includes("release") ? new Promise(() => {}) : inner.release(key);
    },
  };
  return { store, calls };
}

describe("#22 item 3: every delivery is answered within a bound, whatever the store or the token lookup does", () => {
  test("a claim that never settles: 503 after storeTimeoutMs, nothing dispatched", async () => {
    vi.useFakeTimers();
    const { store } = hanging(["claim"]);
    const { receiver, errors, seen } = recording({ store, storeTimeoutMs: STORE_MS });
    const receipt = receiver.receive(structuredClone(keyed));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect(await receipt).toMatchObject({
      status: "failed",
      acknowledged: false,
      error: { status: 503, reason: "store" },
    });
    expect(seen).toEqual([]);
    expect(errors.map((e) => e.reason)).toEqual(["store"]);
  });

  test("a claim that settles after the answer is released at once, so the resend is not `busy`", async () => {
    vi.useFakeTimers();
    const later: { resolve?: (value: unknown) => void } = {};
    const { store, calls } = hanging(["claim"], later);
    const { receiver } = recording({ store, storeTimeoutMs: STORE_MS });
    const receipt = receiver.receive(structuredClone(keyed));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect((await receipt).status).toBe("failed");
    later.resolve!("new");
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(["claim", "release"]);
  });

  test("a complete that never settles after the handlers ran: 200, reported, never released nor handled twice", async () => {
    vi.useFakeTimers();
    const { store, calls } = hanging(["complete"]);
    const { receiver, errors, seen } = recording({ store, storeTimeoutMs: STORE_MS });
    const answer = receiver.fetch(post(JSON.stringify(keyed)));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect((await answer).status).toBe(200);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 200, reason: "store" });
    // GREEN-API's duplicate resend meets a claim still held: not dispatched again.
    const again = receiver.fetch(post(JSON.stringify(keyed)));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect((await again).status).not.toBe(500);
    expect(seen).toHaveLength(1);
    expect(calls.filter((c) => c === "release")).toEqual([]);
  });

  test("a release that never settles after a handler failed: 500 within the bound", async () => {
    vi.useFakeTimers();
    const { store } = hanging(["release"]);
    const receiver = createWebhookReceiver({ webhookUrlToken: TOKEN, store, storeTimeoutMs: STORE_MS });
    receiver.onAny(() => Promise.reject(new Error("handler down")));
    const answer = receiver.fetch(post(JSON.stringify(keyed)));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect((await answer).status).toBe(500);
  });

  test("handlers that never settle: 503 after handlerTimeoutMs, then the store's release, bounded", async () => {
    vi.useFakeTimers();
    const { store, calls } = hanging(["release"]);
    const receiver = createWebhookReceiver({
      webhookUrlToken: TOKEN,
      store,
      storeTimeoutMs: STORE_MS,
      handlerTimeoutMs: 2 * STORE_MS,
    });
    receiver.onAny(() => new Promise(() => {}));
    const answer = receiver.fetch(post(JSON.stringify(keyed)));
    await vi.advanceTimersByTimeAsync(3 * STORE_MS);
    expect((await answer).status).toBe(503);
    expect(calls).toEqual(["claim", "release"]);
  });

  test("a webhookUrlToken function that never settles: 503 after storeTimeoutMs, nothing dispatched", async () => {
    vi.useFakeTimers();
    const { receiver, errors, seen } = recording({
      webhookUrlToken: () => new Promise<string>(() => {}),
      storeTimeoutMs: STORE_MS,
    });
    const answer = receiver.fetch(post(JSON.stringify(keyed)));
    await vi.advanceTimersByTimeAsync(STORE_MS);
    expect((await answer).status).toBe(503);
    expect(seen).toEqual([]);
    expect(errors.map((e) => e.reason)).toEqual(["token-lookup"]);
  });

  test("storeTimeoutMs is checked like every duration", () => {
    for (const storeTimeoutMs of [0, 1.5, 2 ** 31])
      expect(() => createWebhookReceiver({ webhookUrlToken: TOKEN, storeTimeoutMs })).toThrow(/storeTimeoutMs/);
  });
});

describe("#22 item 5: a webhookUrlToken that could never match is refused where it is given", () => {
  const bad = [` ${TOKEN}`, `${TOKEN} `, "токен-вебхука", `fake\ttoken`];

  test.each(bad)("createWebhookReceiver refuses %j, naming the rule, never the value", (token) => {
    let thrown: unknown;
    try {
      createWebhookReceiver({ webhookUrlToken: token });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toContain(webhookUrlTokenRule);
    expectNoToken(thrown, token.trim());
  });

  test.each(bad)("deliverWebhook does not throw synchronously for %j: it rejects with the rule", async (token) => {
    let promise: Promise<Response> | undefined;
    expect(() => {
      promise = deliverWebhook("http://receiver.test/", keyedName as never, { webhookUrlToken: token });
    }).not.toThrow();
    await expect(promise).rejects.toThrow(webhookUrlTokenRule);
  });

  test("a token function that gives such a token: 401, and onError names the rule", async () => {
    const { receiver, errors, seen } = recording({ webhookUrlToken: () => `${TOKEN} ` });
    expect((await receiver.fetch(post(JSON.stringify(keyed)))).status).toBe(401);
    expect(seen).toEqual([]);
    expect(errors[0]!.message).toContain(webhookUrlTokenRule);
  });
});

describe("receiver.node: a request paused by something before it (a middleware)", () => {
  test("is still read and answered", async () => {
    const { receiver, seen } = recording();
    const { url, close } = await listen((req, res) => {
      req.pause();
      void receiver.node(req, res);
    });
    try {
      expect((await deliverWebhook(url, keyedName as never, { webhookUrlToken: TOKEN })).status).toBe(200);
      expect(seen).toHaveLength(1);
    } finally {
      await close();
    }
  });
});
