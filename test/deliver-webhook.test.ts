// Issue #22 item 6 and the new partner's second hour: deliverWebhook and send-webhook keep their
// deadline (undici can drop a Request's signal after a GC, nodejs/undici#4068: the signal goes in
// fetch's own init and the exchange is raced with it), bound the answer's body too, and say
// whether the receiver was reached. send-webhook sends a body of one's own and varies idMessage.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { dedupKeys, webhookDelivery } from "../generated/webhooks.js";
import { deliverWebhook, notificationExamples } from "../src/testing.js";
import { type Notification, createWebhookReceiver } from "../src/webhooks.js";
import { root } from "./helpers/run.js";
import { type Ran, sendWebhookCli } from "./helpers/send-webhook.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

const named = Object.entries(notificationExamples) as Array<[string, Notification]>;
const [keyedName, keyed] = named.find(
  ([, n]) => (n as { typeWebhook: string }).typeWebhook in dedupKeys && "idMessage" in n,
)!;
const DEADLINE_MS = 5_000;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("deliverWebhook keeps its deadline", () => {
  test("the signal goes in the global fetch's own init; a fetch that ignores it is still cut at the deadline", async () => {
    vi.useFakeTimers();
    const calls: Array<[unknown, RequestInit | undefined]> = [];
    vi.stubGlobal("fetch", (input: unknown, init?: RequestInit) => {
      calls.push([input, init]);
      return new Promise<Response>(() => {}); // never answers, never looks at its signal
    });
    const delivery = deliverWebhook("http://receiver.test/webhook", keyedName as never, { timeoutMs: DEADLINE_MS });
    const outcome = delivery.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect(await outcome).toMatchObject({ name: "TimeoutError", answered: false, timeoutMs: DEADLINE_MS });
    expect(calls).toHaveLength(1);
    expect(calls[0]![1]!.signal).toBeInstanceOf(AbortSignal);
    expect(calls[0]![1]!.signal!.aborted).toBe(true);
  });

  test("the default deadline is GREEN-API's own wait for an answer", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("fetch", () => new Promise<Response>(() => {}));
    const outcome = deliverWebhook("http://receiver.test/", keyedName as never).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(webhookDelivery.answerWithinMs - 1);
    let settled = false;
    void outcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({ name: "TimeoutError", timeoutMs: webhookDelivery.answerWithinMs });
  });

  test("an answer whose body never ends is cut at the deadline too, and says it was answered", async () => {
    vi.useFakeTimers();
    const endless = () =>
      Promise.resolve(
        new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("OK")) }), { status: 200 }),
      );
    const outcome = deliverWebhook("http://receiver.test/", keyedName as never, {
      fetch: endless,
      timeoutMs: DEADLINE_MS,
    }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect(await outcome).toMatchObject({ name: "TimeoutError", answered: true });
  });

  test("the answer's body is read whole, at most maxAnswerBytes of it", async () => {
    const big = () => Promise.resolve(new Response("x".repeat(10_000), { status: 503 }));
    const answer = await deliverWebhook("http://receiver.test/", keyedName as never, {
      fetch: big,
      maxAnswerBytes: 100,
    });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toBe("x".repeat(100));
  });

  test("the caller's signal still aborts it", async () => {
    vi.stubGlobal("fetch", () => new Promise<Response>(() => {}));
    const controller = new AbortController();
    const outcome = deliverWebhook("http://receiver.test/", keyedName as never, { signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    controller.abort(new Error("stopped by the test"));
    expect(await outcome).toMatchObject({ message: "stopped by the test" });
  });

  test("an unknown example is a rejected TypeError, not a synchronous throw", async () => {
    let promise: Promise<Response> | undefined;
    expect(() => (promise = deliverWebhook("http://receiver.test/", "noSuchExample" as never))).not.toThrow();
    await expect(promise).rejects.toThrow(/no notification example/);
  });
});

describe("green-api-partner send-webhook", () => {
  let cli: Awaited<ReturnType<typeof sendWebhookCli>>;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => void (cli = await sendWebhookCli()));
  afterAll(() => Promise.all(closers.map((close) => close())));

  async function listen(handler: Parameters<typeof createServer>[1]) {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  }
  const texts = (ran: Ran) => [ran.stdout, ran.stderr];

  test("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const ran = await cli(["--version"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe(version);
  });

  test("a receiver reached that never answers: 'did not answer', never 'could not reach'", async () => {
    const url = await listen(() => {}); // reads the request, answers nothing
    const ran = await cli(["send-webhook", keyedName, "--to", url, "--timeout", "0.2"]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("was reached but did not answer within 0.2 s");
    expect(ran.stderr).not.toContain("could not reach");
  });

  test("nothing listening: 'could not reach'", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const ran = await cli(["send-webhook", keyedName, "--to", `http://127.0.0.1:${port}/`]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/could not reach .*ECONNREFUSED/);
  });

  test("--new-id makes a second try a new notification; --id sets it; the token never printed", async () => {
    const receiver = createWebhookReceiver({ webhookUrlToken: TOKEN });
    const ids: string[] = [];
    receiver.onAny((n) => void ids.push((n as { idMessage: string }).idMessage));
    const url = await listen((req, res) => void receiver.node(req, res));
    const env = { GREEN_API_WEBHOOK_TOKEN: TOKEN };
    const first = await cli(["send-webhook", keyedName, "--to", url], env);
    const again = await cli(["send-webhook", keyedName, "--to", url], env);
    expect(again.stdout).toContain("Already handled");
    expect(again.stderr).toContain("--new-id");
    const fresh = await cli(["send-webhook", keyedName, "--to", url, "--new-id"], env);
    const chosen = await cli(["send-webhook", keyedName, "--to", url, "--id", "MY-OWN-ID-1"], env);
    for (const ran of [first, again, fresh, chosen]) expect(ran.code).toBe(0);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe((keyed as { idMessage: string }).idMessage);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).toBe("MY-OWN-ID-1");
    for (const ran of [first, again, fresh, chosen]) for (const text of texts(ran)) expectNoToken(text);
  });

  test("--body sends a body of one's own, from a file or stdin", async () => {
    const receiver = createWebhookReceiver({ webhookUrlToken: false });
    const bodies: unknown[] = [];
    receiver.onAny((n) => void bodies.push(n));
    const url = await listen((req, res) => void receiver.node(req, res));
    const own = { ...structuredClone(keyed), idMessage: "FROM-A-FILE" };
    const file = join(mkdtempSync(join(tmpdir(), "send-webhook-")), "body.json");
    writeFileSync(file, JSON.stringify(own));
    const fromFile = await cli(["send-webhook", "--body", file, "--to", url]);
    const fromStdin = await cli(
      ["send-webhook", "--body", "-", "--to", url],
      {},
      JSON.stringify({ ...own, idMessage: "FROM-STDIN" }),
    );
    expect(fromFile.code).toBe(0);
    expect(fromStdin.code).toBe(0);
    expect(bodies).toEqual([own, { ...own, idMessage: "FROM-STDIN" }]);
    const notJson = await cli(["send-webhook", "--body", "-", "--to", url], {}, "not json");
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("is not JSON");
  });
});
