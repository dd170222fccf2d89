// The sandbox against hostile and unlucky clients: nothing a request does escapes the listener (a
// bad percent-escape, a target `new URL` cannot read, a body cut mid-way), its durations are
// checked, its delivery records bounded, stop()/reset() end the deliveries in flight, and a
// webhookUrl at the sandbox itself cannot deadlock it. Manual clock and events only: nothing waits
// on the wall clock.
import { type IncomingMessage, type Server, createServer, request } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examples } from "../generated/examples.js";
import { createPartnerClient } from "../src/index.js";
import { ATTEMPTS_KEPT, NotificationQueue, type Post } from "../src/sandbox/deliveries.js";
import { createClock } from "../src/sandbox/clock.js";
import { type Sandbox, defaultDurations, startSandbox } from "../src/sandbox/index.js";
import { MAX_TIMER_MS } from "../src/timing.js";
import { TOKEN } from "./helpers/token.js";

const { creatingMs, startingMs } = defaultDurations;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Every unhandled rejection while a test runs (vitest fails the run on one too; this names the test). */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
let sandbox: Sandbox;
beforeEach(async () => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
  sandbox = await startSandbox({ partnerToken: TOKEN, clock: "manual" });
});
afterEach(async () => {
  await sandbox.stop();
  process.off("unhandledRejection", onUnhandled);
});

async function listening(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const closed = (server: Server) => new Promise((resolve) => server.close(resolve));

/** GET `path` as written (no escaping by the client): the status, content type and body. */
function rawGet(base: string, path: string) {
  const { port } = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** Writes `head` on a raw connection; resolves with the first line of the answer. */
function rawRequest(base: string, head: string) {
  const { port } = new URL(base);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head));
    socket.once("data", (data) => {
      resolve(data.toString().split("\r\n")[0]!);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

describe("nothing a request does escapes the listener", () => {
  it("answers a malformed percent-escape in an operation's path with the spec's 400", async () => {
    const answer = await rawGet(sandbox.url, "/waInstance1101000001/getStateInstance/%E0%A4%A");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(examples.getStateInstance.badRequest.value);
    const partner = await rawGet(sandbox.url, `/partner/getInstances/%E0%A4%A`);
    expect(partner.status).toBe(400);
    await sandbox.waitForDeliveries(); // no drift recorded
    expect(unhandled).toEqual([]);
  });

  it("answers a malformed escape under /_sandbox/ with a 400 control error, not a drift", async () => {
    const answer = await rawGet(sandbox.url, "/_sandbox/files/%E0%A4%A");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.stringMatching(/malformed percent-escape/) });
    const advance = await fetch(`${sandbox.url}/_sandbox/advance`, { method: "POST", body: '{"ms":-1}' });
    expect(advance.status).toBe(400);
    await expect(sandbox.waitForDeliveries()).resolves.toBeUndefined();
  });

  it("answers a request target `new URL` cannot read with 400, and an unknown path with 404", async () => {
    expect(await rawRequest(sandbox.url, "GET http://[bad/ HTTP/1.1\r\nHost: x\r\n\r\n")).toBe(
      "HTTP/1.1 400 Bad Request",
    );
    expect((await rawGet(sandbox.url, "/no/such/%E0%A4%A")).status).toBe(404);
    expect(unhandled).toEqual([]);
  });

  it("ignores a client that cuts its body mid-way: no answer, no unhandled rejection, the next request served", async () => {
    const { port } = new URL(sandbox.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const path = `/waInstance1101000001/sendFileByUpload/FAKE-token`;
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n`,
    );
    // Part of the body is out; then the client leaves.
    await new Promise((resolve) => socket.write("x".repeat(1000), resolve));
    const gone = new Promise((resolve) => socket.once("close", resolve));
    socket.destroy();
    await gone;
    // Served after the cut (the listener is alive), and stop() ends whatever is left of it.
    expect((await rawGet(sandbox.url, "/_sandbox/now")).status).toBe(200);
    await sandbox.stop();
    await turn();
    await turn();
    expect(unhandled).toEqual([]);
  });

  it("answers a body over the limit on an operation with the spec's generic 400, not a 413 it does not list", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url, retry: false });
    const { idInstance, apiTokenInstance } = (await partner.createInstance({ name: "shop" })).data!;
    const answer = await fetch(`${sandbox.url}/waInstance${idInstance}/sendMessage/${apiTokenInstance}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ chatId: "79007654321@c.us", message: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(answer.status).toBe(examples.sendMessage.badRequestText.status);
    expect(await answer.text()).toBe(examples.sendMessage.badRequestText.value);
    const partnerBig = await fetch(`${sandbox.url}/partner/createInstance/${TOKEN}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(partnerBig.status).toBe(examples.createInstance.badRequest.status);
    expect(await partnerBig.json()).toEqual(examples.createInstance.badRequest.value);
    expect(sandbox.instances()).toHaveLength(1);
  });
});

describe("durations", () => {
  it("are whole milliseconds within setTimeout's range; what repeats is at least 1 ms", async () => {
    for (const [durations, message] of [
      [{ resendAfterMs: 0 }, "durations.resendAfterMs must be a whole number of milliseconds from 1 to"],
      [{ qrRefreshMs: 0 }, "durations.qrRefreshMs must be a whole number of milliseconds from 1 to"],
      [{ answerWithinMs: MAX_TIMER_MS + 1 }, "durations.answerWithinMs must be"],
      [{ keptForMs: 1.5 }, "durations.keptForMs must be"],
      [{ creatingMs: -1 }, "durations.creatingMs must be"],
    ] as const)
      await expect(startSandbox({ clock: "manual", durations })).rejects.toThrow(message);
    const quick = await startSandbox({ clock: "manual", durations: { creatingMs: 0, startingMs: 0 } });
    await quick.stop();
  });

  it("keeps the last ATTEMPTS_KEPT attempts of a notification and counts them all; a 1 ms resend never spins", async () => {
    const down = createServer((req, res) => void req.resume().on("end", () => res.writeHead(503).end()));
    const url = await listening(down);
    const quick = await startSandbox({ partnerToken: TOKEN, clock: "manual", durations: { resendAfterMs: 1 } });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: quick.url });
      const created = await partner.createInstance({ webhookUrl: url, stateWebhook: "yes" });
      await quick.advance(creatingMs + startingMs);
      quick.linkPhone(created.data!.idInstance);
      await quick.waitForDeliveries(); // one attempt: the resend waits for the clock
      expect(quick.deliveries()[0]).toMatchObject({ attemptCount: 1, attempts: [{ status: 503 }] });
      await quick.advance(ATTEMPTS_KEPT + 9);
      const [record] = quick.deliveries();
      expect(record!.attemptCount).toBe(ATTEMPTS_KEPT + 10);
      expect(record!.attempts).toHaveLength(ATTEMPTS_KEPT);
      expect(record!.attempts.at(-1)!.at).toBe(quick.now());
    } finally {
      await quick.stop();
      await closed(down);
    }
  });
});

/** A receiver that reads each request and never answers; `seen` resolves at the first. */
async function silentReceiver() {
  let arrived: (req: IncomingMessage) => void = () => {};
  const seen = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
  const server = createServer((req) => arrived(req.resume()));
  return { url: await listening(server), seen, server };
}

describe("an onDelivery that throws", () => {
  it("is reported by waitForDeliveries, and the queue goes on", async () => {
    const ok = createServer((req, res) => void req.resume().on("end", () => res.writeHead(200).end()));
    const url = await listening(ok);
    let calls = 0;
    const loud = await startSandbox({
      partnerToken: TOKEN,
      clock: "manual",
      onDelivery: () => {
        if (++calls === 1) throw new Error("the log is full");
      },
    });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: loud.url });
      const created = await partner.createInstance({ webhookUrl: url, stateWebhook: "yes", incomingWebhook: "yes" });
      await loud.advance(creatingMs + startingMs);
      loud.linkPhone(created.data!.idInstance);
      loud.contactWrites(created.data!.idInstance, { chatId: "79007654321@c.us", text: "hi" });
      await expect(loud.waitForDeliveries()).rejects.toThrow("the log is full");
      await loud.waitForDeliveries();
      expect(loud.deliveries().map((d) => d.outcome)).toEqual(["delivered", "delivered"]);
    } finally {
      await loud.stop();
      await closed(ok);
    }
  });
});

describe("deliveries in flight", () => {
  for (const how of ["stop", "reset"] as const)
    it(`are aborted by ${how}(), which resolves once they ended (the receiver can close)`, async () => {
      const receiver = await silentReceiver();
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url });
      const created = await partner.createInstance({ webhookUrl: receiver.url, stateWebhook: "yes" });
      await sandbox.advance(creatingMs + startingMs);
      sandbox.linkPhone(created.data!.idInstance);
      const req = await receiver.seen; // the delivery is in flight, for answerWithinMs (180 s) of real time
      const ended = new Promise((resolve) => req.socket.once("close", resolve));
      await sandbox[how]();
      // close() waits for open connections: it ends only because the delivery's did.
      await ended;
      await closed(receiver.server);
      expect(sandbox.deliveries()).toEqual([]);
    });

  it("close() aborts the POST in flight and resolves only after it ended", async () => {
    const clock = createClock("manual", 0);
    const events: string[] = [];
    const hanging: Post = (_url, _body, _token, signal) =>
      new Promise((_, reject) => {
        events.push("posted");
        signal.addEventListener("abort", () =>
          setImmediate(() => {
            events.push("ended");
            reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
          }),
        );
      });
    const owner = { idInstance: 1, settings: { webhookUrl: "http://127.0.0.1:9/" } as Record<string, unknown> };
    const queue = new NotificationQueue(
      owner,
      clock,
      () => defaultDurations,
      () => hanging,
      () => false,
    );
    const record = {
      idInstance: 1,
      receiptId: 1,
      typeWebhook: "stateInstanceChanged",
      notification: {},
      madeAt: 0,
      outcome: "pending" as const,
      attempts: [],
      attemptCount: 0,
    };
    queue.push(record);
    expect(events).toEqual(["posted"]);
    await queue.close();
    events.push("closed");
    expect(events).toEqual(["posted", "ended", "closed"]);
    expect(record.attempts).toEqual([{ at: 0, error: "cancelled: the sandbox stopped or was reset" }]);
  });

  it("refuses a delivery to the sandbox itself at once (400): no deadlock, no control verb run", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url });
    const ids: number[] = [];
    for (const verb of ["wait", "reset"]) {
      const webhookUrl = `${sandbox.url}/_sandbox/${verb}`;
      ids.push((await partner.createInstance({ webhookUrl, stateWebhook: "yes" })).data!.idInstance);
    }
    await sandbox.advance(creatingMs + startingMs);
    for (const id of ids) sandbox.linkPhone(id);
    await sandbox.waitForDeliveries();
    expect(sandbox.instances()).toHaveLength(2); // /_sandbox/reset did not run
    expect(sandbox.deliveries().map((d) => [d.outcome, d.attempts.map((a) => a.status)])).toEqual([
      ["pending", [400]],
      ["pending", [400]],
    ]);
  });
});
