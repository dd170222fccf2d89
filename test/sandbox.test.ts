// The sandbox (src/sandbox/), over HTTP on 127.0.0.1, driven by the package's own client and
// webhook receiver, on the manual clock: nothing sleeps, time moves only by advance().
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateSync } from "node:zlib";
import decodeQR from "@paulmillr/qr/decode.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examples } from "../generated/examples.js";
import { webhookSettings } from "../generated/webhooks.js";
import { createPartnerClient, qrDataUrl } from "../src/index.js";
import { type Sandbox, defaultDurations, startSandbox } from "../src/sandbox/index.js";
import { ATTEMPTS_KEPT } from "../src/sandbox/deliveries.js";
import { greenApiTime } from "../src/sandbox/state.js";
import { type Notification, createWebhookReceiver } from "../src/webhooks.js";
import { TOKEN } from "./helpers/token.js";

const WEBHOOK_TOKEN = "FAKE-WEBHOOK-TOKEN-sandbox-test";
const { creatingMs, startingMs, resendAfterMs, keptForMs } = defaultDurations;

/** A receiver of the package's own on loopback; `down` makes it answer 503 as a broken app would. */
async function startReceiver() {
  const received: Notification[] = [];
  const receiver = createWebhookReceiver({ webhookUrlToken: WEBHOOK_TOKEN });
  receiver.onAny((notification) => void received.push(notification));
  const state = { down: false };
  const server = createServer((req, res) => {
    if (!state.down) return void receiver.node(req, res);
    req.resume();
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/green-api`;
  return { url, received, state, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The pixels of a greyscale 8-bit PNG (what the sandbox writes), as RGBA for the QR decoder. */
function pixels(png: Buffer) {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const grey = rows[y * (width + 1) + 1 + x]!;
      data.set([grey, grey, grey, 255], (y * width + x) * 4);
    }
  return { width, height, data };
}

let sandbox: Sandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeEach(async () => {
  sandbox = await startSandbox({ partnerToken: TOKEN, clock: "manual" });
  receiver = await startReceiver();
});
afterEach(async () => {
  await sandbox.stop();
  await receiver.close();
});

const partnerOf = () => createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url, retry: false });

/** createInstance with state and incoming webhooks to the receiver (and `settings`). */
const createWithWebhooks = (partner: ReturnType<typeof partnerOf>, settings: Record<string, string> = {}) =>
  partner.createInstance({
    name: "shop 42",
    webhookUrl: receiver.url,
    webhookUrlToken: WEBHOOK_TOKEN,
    stateWebhook: "yes",
    incomingWebhook: "yes",
    ...settings,
  });

/** Creates an instance with webhooks to the receiver and waits (on the sandbox's clock) until a phone can be linked. */
async function readyInstance(settings: Record<string, string> = {}) {
  const partner = partnerOf();
  const created = await createWithWebhooks(partner, settings);
  if (created.error) throw created.error;
  const instance = partner.instance(created.data);
  await sandbox.advance(creatingMs + startingMs);
  return { partner, instance, idInstance: created.data.idInstance };
}

describe("the journey, with the package's client and receiver", () => {
  it("creates, links, receives, logs out, deletes, and lists the instance as deleted", async () => {
    const partner = partnerOf();
    const created = await createWithWebhooks(partner, { outgoingWebhook: "yes", outgoingAPIMessageWebhook: "yes" });
    expect(created.data).toMatchObject({ typeInstance: "whatsapp" });
    const { idInstance } = created.data!;
    const instance = partner.instance(created.data!);
    expect((await partner.getInstances()).data).toEqual([
      expect.objectContaining({ idInstance, name: "shop 42", deleted: false }),
    ]);

    // null (being created), starting, notAuthorized: each only when the clock says so.
    expect((await instance.getStateInstance()).data).toBeNull();
    expect((await instance.qr()).error).toMatchObject({ kind: "api", status: 400 });
    await sandbox.advance(creatingMs - 1);
    expect((await instance.getStateInstance()).data).toBeNull();
    await sandbox.advance(1);
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "starting" });
    await sandbox.advance(startingMs);
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "notAuthorized" });
    // Creation is not reported (the contract: no notification tells of it).
    expect(receiver.received).toEqual([]);

    // A real QR code, which decodes.
    const qr = await instance.qr();
    expect(qr.data?.type).toBe("qrCode");
    const png = Buffer.from(qrDataUrl(qr.data!)!.split(",")[1]!, "base64");
    expect(decodeQR(pixels(png))).toContain(String(idInstance));

    sandbox.linkPhone(idInstance);
    await sandbox.waitForDeliveries();
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "authorized" });
    expect((await instance.qr()).data).toEqual(examples.qr.alreadyLogged.value);
    expect(receiver.received).toEqual([
      expect.objectContaining({
        typeWebhook: "stateInstanceChanged",
        stateInstance: "authorized",
        instanceData: expect.objectContaining({ idInstance, wid: "79001234567@c.us" }),
      }),
    ]);

    // The first message: queued, sent, its notice and statuses at the receiver, read by the contact.
    const sent = await instance.sendMessage({ chatId: "79007654321@c.us", message: "Your order is on its way" });
    if (sent.error) throw sent.error;
    sandbox.contactReads(idInstance, sent.data.idMessage);
    await sandbox.waitForDeliveries();
    expect(receiver.received.slice(1).map((n) => [n.typeWebhook, (n as { status?: string }).status])).toEqual([
      ["outgoingAPIMessageReceived", undefined],
      ["outgoingMessageStatus", "sent"],
      ["outgoingMessageStatus", "delivered"],
      ["outgoingMessageStatus", "read"],
    ]);
    expect(
      (await instance.getMessage({ chatId: "79007654321@c.us", idMessage: sent.data.idMessage })).data,
    ).toMatchObject({ statusMessage: "read" });
    receiver.received.splice(1);

    const { idMessage } = sandbox.contactWrites(idInstance, { chatId: "79007654321@c.us", text: "Is it for sale?" });
    await sandbox.waitForDeliveries();
    expect(receiver.received[1]).toMatchObject({
      typeWebhook: "incomingMessageReceived",
      idMessage,
      senderData: { chatId: "79007654321@c.us" },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: "Is it for sale?" } },
    });

    expect((await instance.logout()).data).toEqual({ isLogout: true });
    await sandbox.waitForDeliveries();
    expect(receiver.received[2]).toMatchObject({ stateInstance: "notAuthorized", instanceData: { wid: "" } });

    expect((await partner.deleteInstanceAccount({ idInstance })).data).toEqual({ deleteInstanceAccount: true });
    const listed = (await partner.getInstances()).data!;
    expect(listed).toEqual([expect.objectContaining({ idInstance, deleted: true })]);
    expect(listed[0]!.timeDeleted).toBe(greenApiTime(sandbox.now()));
    // Deleted: {code: 404} inside HTTP 200 for a second delete, and the instance's methods refused.
    expect((await partner.deleteInstanceAccount({ idInstance })).error).toMatchObject({ kind: "api", code: 404 });
    expect((await instance.getStateInstance()).error).toMatchObject({ status: 403 });
    expect(sandbox.deliveries().every((d) => d.outcome === "delivered")).toBe(true);
  });

  it("sends each notification only when the instance's settings turn it on (the spec's x-settings)", async () => {
    const { idInstance } = await readyInstance({ stateWebhook: "no", incomingWebhook: "no" });
    sandbox.linkPhone(idInstance);
    sandbox.contactWrites(idInstance, { chatId: "79007654321@c.us", text: "hello" });
    await sandbox.waitForDeliveries();
    expect(receiver.received).toEqual([]);
    expect(webhookSettings.stateInstanceChanged).toEqual(["stateWebhook"]); // what the sandbox read
  });

  it("creates an instance with every setting not given off, as GREEN-API does", async () => {
    const partner = partnerOf();
    const created = await partner.createInstance({ name: "bare" });
    const settings = (await partner.instance(created.data!).getSettings()).data!;
    expect(settings).toMatchObject({ wid: "", webhookUrl: "", webhookUrlToken: "", typeInstance: "whatsapp" });
    const switches = Object.entries(settings).filter(([, value]) => value === "yes" || value === "no");
    expect(switches.length).toBeGreaterThan(10);
    expect(switches.filter(([, value]) => value === "yes")).toEqual([]);
  });

  it("restarts on setSettings and reboot, reports both moves, and reads back what was set", async () => {
    const { instance, idInstance } = await readyInstance();
    sandbox.linkPhone(idInstance);
    expect((await instance.setSettings({ outgoingWebhook: "yes" })).data).toEqual({ saveSettings: true });
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "starting" });
    expect((await instance.getSettings()).data).toMatchObject({
      wid: "79001234567@c.us",
      outgoingWebhook: "yes",
      stateWebhook: "yes",
      outgoingAPIMessageWebhook: "no",
      webhookUrl: receiver.url,
    });
    await sandbox.advance(startingMs);
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "authorized" });
    expect((await instance.reboot()).data).toEqual({ isReboot: true });
    await sandbox.advance(startingMs);
    expect(receiver.received.map((n) => (n as { stateInstance: string }).stateInstance)).toEqual([
      "authorized",
      "starting",
      "authorized",
      "starting",
      "authorized",
    ]);
  });
});

describe("deliveries", () => {
  it("resends to a receiver that is down after GREEN-API's pause, in order, until it answers 200", async () => {
    const { idInstance } = await readyInstance();
    receiver.state.down = true;
    sandbox.linkPhone(idInstance);
    sandbox.contactWrites(idInstance, { chatId: "79007654321@c.us", text: "first" });
    await sandbox.waitForDeliveries();
    const [state, message] = sandbox.deliveries();
    expect(state!.attempts).toEqual([expect.objectContaining({ status: 503 })]);
    expect(message!.attempts).toEqual([]); // head-of-line: the later one waits
    await sandbox.advance(resendAfterMs - 1);
    expect(sandbox.deliveries()[0]!.attempts).toHaveLength(1);
    await sandbox.advance(1);
    expect(sandbox.deliveries()[0]!.attempts).toHaveLength(2);

    receiver.state.down = false;
    await sandbox.advance(resendAfterMs);
    expect(receiver.received.map((n) => n.typeWebhook)).toEqual(["stateInstanceChanged", "incomingMessageReceived"]);
    const [first, second] = sandbox.deliveries();
    expect(first).toMatchObject({ outcome: "delivered" });
    expect(first!.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(second!.attempts.map((a) => a.status)).toEqual([200]);
  });

  it("keeps a notification for keptForMs, then drops it as expired", async () => {
    const { idInstance } = await readyInstance();
    receiver.state.down = true;
    sandbox.linkPhone(idInstance);
    await sandbox.advance(keptForMs);
    expect(sandbox.deliveries()[0]).toMatchObject({ outcome: "expired" });
    // Every attempt is counted; the last ATTEMPTS_KEPT are kept.
    expect(sandbox.deliveries()[0]!.attemptCount).toBe(Math.ceil(keptForMs / resendAfterMs));
    expect(sandbox.deliveries()[0]!.attempts.length).toBe(
      Math.min(ATTEMPTS_KEPT, Math.ceil(keptForMs / resendAfterMs)),
    );
  });

  it("gives up on a receiver that does not answer within answerWithinMs, and resends later", async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    // The answer window is real time (the receiver is real): 20 ms here, so the test does not wait 180 s.
    const quick = await startSandbox({ partnerToken: TOKEN, clock: "manual", durations: { answerWithinMs: 20 } });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: quick.url });
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      const created = await partner.createInstance({ webhookUrl: url, stateWebhook: "yes" });
      await quick.advance(creatingMs + startingMs);
      quick.linkPhone(created.data!.idInstance);
      await quick.waitForDeliveries();
      expect(quick.deliveries()[0]).toMatchObject({ outcome: "pending", attempts: [{ error: "no answer in time" }] });
      await quick.advance(resendAfterMs);
      expect(quick.deliveries()[0]!.attempts).toHaveLength(2);
    } finally {
      await quick.stop();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("sends the token as Authorization: Bearer, and nothing when the token is empty", async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const partner = partnerOf();
      for (const webhookUrlToken of [WEBHOOK_TOKEN, ""]) {
        const created = await partner.createInstance({ webhookUrl: url, webhookUrlToken, stateWebhook: "yes" });
        await sandbox.advance(creatingMs + startingMs);
        sandbox.linkPhone(created.data!.idInstance);
      }
      await sandbox.waitForDeliveries();
      expect(seen).toEqual([`Bearer ${WEBHOOK_TOKEN}`, undefined]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("queues for receiveNotification/deleteNotification when webhookUrl is empty", async () => {
    const { instance, idInstance } = await readyInstance({ webhookUrl: "" });
    sandbox.linkPhone(idInstance);
    const received = await instance.receiveNotification();
    expect(received.data).toMatchObject({ body: { typeWebhook: "stateInstanceChanged", stateInstance: "authorized" } });
    // It stays until deleted.
    expect((await instance.receiveNotification()).data).toEqual(received.data);
    const receiptId = received.data!.receiptId;
    expect((await instance.deleteNotification({ receiptId })).data).toEqual({ result: true });
    expect((await instance.deleteNotification({ receiptId })).data).toEqual({ result: false });
    expect(sandbox.deliveries()[0]).toMatchObject({ receiptId, outcome: "received", attempts: [] });
    // Empty: answered null once receiveTimeout (seconds) passed on the sandbox's clock.
    const waiting = instance.receiveNotification({ receiveTimeout: 5 });
    while (!sandbox.instances()[0]!.receiving) await new Promise((resolve) => setImmediate(resolve));
    await sandbox.advance(5_000);
    expect((await waiting).data).toBeNull();
    expect(receiver.received).toEqual([]);
  });
  it("drops a polled notification nobody received within keptForMs", async () => {
    const { instance, idInstance } = await readyInstance({ webhookUrl: "" });
    sandbox.linkPhone(idInstance);
    await sandbox.advance(keptForMs - 1);
    expect(sandbox.deliveries()[0]).toMatchObject({ outcome: "pending" });
    await sandbox.advance(1);
    expect(sandbox.deliveries()[0]).toMatchObject({ outcome: "expired" });
    const waiting = instance.receiveNotification({ receiveTimeout: 5 });
    while (!sandbox.instances()[0]!.receiving) await new Promise((resolve) => setImmediate(resolve));
    await sandbox.advance(5_000);
    expect((await waiting).data).toBeNull();
  });
});

describe("GREEN-API's failures, and the contract", () => {
  it("answers a wrong partner token with HTTP 200 {code: 401}, a wrong instance token with 401", async () => {
    const { idInstance } = await readyInstance();
    const stranger = createPartnerClient({ partnerToken: "gac.not-the-sandbox-token", baseUrl: sandbox.url });
    expect((await stranger.getInstances()).error).toMatchObject({ kind: "api", code: 401, status: 200 });
    const wrong = partnerOf().instance({ idInstance, apiTokenInstance: "FAKE-wrong-instance-token" });
    expect((await wrong.getStateInstance()).error).toMatchObject({ kind: "api", status: 401 });
    const unknown = partnerOf().instance({ idInstance: idInstance + 1000, apiTokenInstance: "FAKE-token" });
    expect((await unknown.getStateInstance()).error).toMatchObject({ status: 403 });
  });

  it("answers a request that breaks the contract with the spec's 400, as the mock does", async () => {
    const answer = await fetch(`${sandbox.url}/partner/createInstance/${TOKEN}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ stateWebhok: "yes" }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual(examples.createInstance.badRequest.value);
    expect(sandbox.instances()).toEqual([]);
  });

  it("refuses a notification that drifted from the contract, loudly", async () => {
    const { idInstance } = await readyInstance();
    sandbox.linkPhone(idInstance);
    // A chatId that is not a string: the sandbox's own check refuses it before anything is queued.
    expect(() => sandbox.contactWrites(idInstance, { chatId: 79007654321 as unknown as string, text: "x" })).toThrow(
      /chatId/,
    );
    const { checkNotification, ContractDriftError } = await import("../src/sandbox/facts.js");
    expect(() =>
      checkNotification({ typeWebhook: "stateInstanceChanged", instanceData: { idInstance }, timestamp: 1 }),
    ).toThrow(ContractDriftError);
    expect(() =>
      checkNotification({ typeWebhook: "stateInstanceChanged", instanceData: { idInstance }, timestamp: 1 }),
    ).toThrow(/stateInstance is required/);
  });

  it("never serves an answer the contract refuses: a 500 naming the field, and waitForDeliveries rejects", async () => {
    // Year 10000: GREEN-API's time format (YYYY-MM-DDTHH:MM:SS) cannot write it.
    const future = await startSandbox({ partnerToken: TOKEN, clock: "manual", startTime: Date.UTC(10_000, 0, 1) });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: future.url, retry: false });
      expect((await partner.createInstance({ name: "far" })).data).toBeDefined();
      expect((await partner.getInstances()).error).toMatchObject({ kind: "http", status: 500 });
      await expect(future.waitForDeliveries()).rejects.toThrow(
        /getInstances answer breaks the contract: .*timeCreated/,
      );
      await partner.getInstances(); // a drift nobody awaits: stop() reports it
      await expect(future.stop()).rejects.toThrow(/getInstances answer breaks the contract/);
    } finally {
      await future.stop().catch(() => {}); // reported above
    }
  });

  it("answers 500 with the violations, and fails the test, when an answer drifts from the contract", async () => {
    const { listener } = await import("../src/sandbox/http.js");
    const drifts: Error[] = [];
    const server = createServer(
      listener(
        () => ({ status: 200, body: { stateInstance: 42 } }),
        () => ({}),
        (error) => drifts.push(error),
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = await fetch(`${base}/waInstance1101000001/getStateInstance/FAKE-token`);
      expect(answer.status).toBe(500);
      expect(await answer.json()).toMatchObject({
        error: expect.stringMatching(/getStateInstance answer breaks the contract/),
      });
      expect(drifts).toHaveLength(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("control", () => {
  it("names what is wrong: an unknown instance, a deleted one, a state that does not exist", async () => {
    const { partner, idInstance } = await readyInstance();
    expect(() => sandbox.linkPhone(idInstance + 1)).toThrow(`the sandbox has no instance ${idInstance + 1}`);
    expect(() => sandbox.setState(idInstance, "asleep")).toThrow(/"asleep" is not a state of the contract/);
    await partner.deleteInstanceAccount({ idInstance });
    expect(() => sandbox.linkPhone(idInstance)).toThrow(`instance ${idInstance} is deleted`);
  });

  it("serves the same verbs over HTTP under /_sandbox/", async () => {
    const { instance, idInstance } = await readyInstance();
    const control = (path: string, body?: unknown) =>
      fetch(`${sandbox.url}/_sandbox/${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await control(`instances/${idInstance}/link`, {})).status).toBe(200);
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "authorized" });
    const wrote = await control(`instances/${idInstance}/messages`, { chatId: "79007654321@c.us", text: "hi" });
    expect(await wrote.json()).toEqual({ idMessage: expect.any(String) });
    expect((await control(`instances/${idInstance}/state`, { state: "blocked" })).status).toBe(200);
    const bad = await control(`instances/${idInstance}/state`, { state: "asleep" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/"asleep" is not a state/) });
    const before = sandbox.now();
    expect(await (await control("advance", { ms: 1000 })).json()).toEqual({ now: before + 1000 });
    await control("wait", {});
    const deliveries = (await (await control("deliveries")).json()) as Array<{ typeWebhook: string }>;
    expect(deliveries.map((d) => d.typeWebhook)).toEqual([
      "stateInstanceChanged",
      "incomingMessageReceived",
      "stateInstanceChanged",
    ]);
    expect(((await (await control("instances")).json()) as Array<{ state: string }>)[0]!.state).toBe("blocked");
    await control("reset", {});
    expect(sandbox.instances()).toEqual([]);
  });
});
