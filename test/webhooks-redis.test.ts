// Two receiver processes' worth (two node:http servers, two Redis connections) behind one
// `redisStore`, against a real redis-server started here on a free loopback port and stopped
// after: each notification is dispatched once, whichever receiver GREEN-API reaches, and a
// resend after a failed handler is dispatched again. Skips with one line when redis-server is
// missing, unless REQUIRE_REDIS=1 (set by .ci/run, which installs Debian's redis-server).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dedupKeys } from "../generated/webhooks.js";
import { deliverWebhook, notificationExamples } from "../src/testing.js";
import { type Notification, createWebhookReceiver, redisStore } from "../src/webhooks.js";
import { TOKEN } from "./helpers/token.js";

const missing = spawnSync("redis-server", ["--version"]).error !== undefined;
if (missing) {
  const line = "Redis tests skipped: no redis-server on PATH. Enable them with `apt-get install -y redis-server`.";
  if (process.env.REQUIRE_REDIS === "1") throw new Error(`${line} REQUIRE_REDIS=1 makes this a failure.`);
  console.warn(line);
}

const [keyedName, keyed] = (Object.entries(notificationExamples) as Array<[string, Notification]>).find(
  ([, n]) => (n as { typeWebhook: string }).typeWebhook in dedupKeys,
)!;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(missing)("redisStore against a real redis-server, two receivers", () => {
  let redis: ChildProcess;
  let port: number;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    port = await freePort();
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      redis.once("error", reject);
      redis.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
      redis.stdout!.on(
        "data",
        (chunk: Buffer) => chunk.toString().includes("Ready to accept connections") && resolve(),
      );
    });
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    if (redis?.exitCode === null) await new Promise((resolve) => (redis.once("exit", resolve), redis.kill()));
  });

  let run = 0;
  /** A receiver on its own server and its own Redis connection; `fail()` makes its handler throw. */
  async function receiverProcess(calls: string[], name: string, { fail = (): boolean => false, delayMs = 0 } = {}) {
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
    closers.push(() => client.quit());
    const receiver = createWebhookReceiver({
      webhookUrlToken: TOKEN,
      store: redisStore((args) => client.sendCommand(args), { prefix: `test${run}:` }),
    });
    receiver.onAny(async () => {
      calls.push(name);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail()) throw new Error("handler failed");
    });
    const server = createServer((req, res) => void receiver.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return () => deliverWebhook(url, keyedName as never, { webhookUrlToken: TOKEN }).then((answer) => answer.status);
  }

  test("the same notification posted to both at once is dispatched once", async () => {
    run++;
    const calls: string[] = [];
    const [a, b] = [
      await receiverProcess(calls, "a", { delayMs: 100 }),
      await receiverProcess(calls, "b", { delayMs: 100 }),
    ];
    const statuses = await Promise.all([a(), b()]);
    expect(calls).toHaveLength(1);
    expect(statuses).toContain(200);
    // The other one answered 503 (still being handled: GREEN-API resends) or 200 (already done).
    for (const status of statuses) expect([200, 503]).toContain(status);
    expect(await Promise.all([a(), b()])).toEqual([200, 200]);
    expect(calls).toHaveLength(1);
  });

  test("one after the other, the second receiver acknowledges without dispatching", async () => {
    run++;
    const calls: string[] = [];
    const [a, b] = [await receiverProcess(calls, "a"), await receiverProcess(calls, "b")];
    expect(await a()).toBe(200);
    expect(await b()).toBe(200);
    expect(calls).toEqual(["a"]);
  });

  test("after a handler failure in one, the resend to the other is dispatched", async () => {
    run++;
    const calls: string[] = [];
    const [a, b] = [await receiverProcess(calls, "a", { fail: () => true }), await receiverProcess(calls, "b")];
    expect(await a()).toBe(500);
    expect(await b()).toBe(200);
    expect(await a()).toBe(200); // handled now: a later copy is a duplicate
    expect(calls).toEqual(["a", "b"]);
  });

  test("what the store leaves in Redis: a handled key is `done` with a time to live", async () => {
    run++;
    const calls: string[] = [];
    await (
      await receiverProcess(calls, "a")
    )();
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
    closers.push(() => client.quit());
    const keys = await client.keys(`test${run}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^test${run}:${(keyed as { typeWebhook: string }).typeWebhook}:`));
    expect(await client.get(keys[0]!)).toBe("done");
    expect(await client.pTTL(keys[0]!)).toBeGreaterThan(0);
  });
});
