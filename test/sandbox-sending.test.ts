// The sandbox's sending (src/sandbox/sending.ts): the queue drained only while authorized, paced
// by delaySendMessagesMilliseconds, the journal and the statuses, and their notifications at the
// package's own receiver; on the manual clock, over HTTP.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examples } from "../generated/examples.js";
import { outgoingQueue } from "../generated/operations.js";
import { alwaysSentStatuses } from "../generated/webhooks.js";
import { createPartnerClient, findSentMessage } from "../src/index.js";
import { type Sandbox, defaultDurations, startSandbox } from "../src/sandbox/index.js";
import { type Notification, createWebhookReceiver } from "../src/webhooks.js";
import { TOKEN } from "./helpers/token.js";

const WEBHOOK_TOKEN = "FAKE-WEBHOOK-TOKEN-sandbox-sending";
const { creatingMs, startingMs, queueKeptForMs } = defaultDurations;
const BOB = "79007654321@c.us";

let sandbox: Sandbox;
let received: Notification[];
let close: () => Promise<unknown>;
let receiverUrl: string;
beforeEach(async () => {
  sandbox = await startSandbox({ partnerToken: TOKEN, clock: "manual" });
  received = [];
  const receiver = createWebhookReceiver({ webhookUrlToken: WEBHOOK_TOKEN });
  receiver.onAny((notification) => void received.push(notification));
  const server = createServer((req, res) => void receiver.node(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise((resolve) => server.close(resolve));
});
afterEach(async () => {
  await sandbox.stop();
  await close();
});

/** A linked instance whose webhooks (all message ones on) go to the receiver; `delay` paces its queue. */
async function linked(delay: number, link = true) {
  const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url });
  const created = await partner.createInstance({
    webhookUrl: receiverUrl,
    webhookUrlToken: WEBHOOK_TOKEN,
    outgoingWebhook: "yes",
    outgoingAPIMessageWebhook: "yes",
    delaySendMessagesMilliseconds: delay,
  });
  const { idInstance, apiTokenInstance } = created.data!;
  await sandbox.advance(creatingMs + startingMs);
  if (link) sandbox.linkPhone(idInstance);
  const call = async (method: string, body?: unknown, init: RequestInit = {}) => {
    const answer = await fetch(`${sandbox.url}/waInstance${idInstance}/${method}/${apiTokenInstance}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined || body instanceof FormData ? {} : { "Content-Type": "application/json" },
      body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
      ...init,
    });
    return { status: answer.status, body: await answer.json() };
  };
  return { idInstance, call, instance: partner.instance(created.data!) };
}

const statuses = () =>
  received.filter((n) => n.typeWebhook === "outgoingMessageStatus").map((n) => (n as { status: string }).status);

describe("sending through the sandbox", () => {
  it("queues, sends after the delay, journals, and reports each status at the receiver", async () => {
    const { idInstance, call } = await linked(1000);
    await sandbox.waitForDeliveries();
    const first = await call("sendMessage", { chatId: BOB, message: "Your order 1234 is on its way" });
    const second = await call("sendMessage", { chatId: BOB, message: "It arrives tomorrow" });
    expect(first.status).toBe(200);
    const { idMessage } = first.body as { idMessage: string };
    // The first goes at once (nothing was sent before), the second waits its turn.
    await sandbox.waitForDeliveries();
    expect((await call("showMessagesQueue")).body).toEqual([
      { messageID: second.body.idMessage, type: "sendMessage", body: { chatId: BOB, message: "It arrives tomorrow" } },
    ]);
    expect((await call("getMessage", { chatId: BOB, idMessage })).body).toMatchObject({
      type: "outgoing",
      idMessage,
      chatId: BOB,
      statusMessage: "delivered",
      sendByApi: true,
    });
    expect((await call("getMessage", { chatId: BOB, idMessage: second.body.idMessage })).body).toMatchObject({
      statusMessage: "pending",
    });
    await sandbox.advance(999);
    expect((await call("showMessagesQueue")).body).toHaveLength(1);
    await sandbox.advance(1);
    expect((await call("showMessagesQueue")).body).toEqual([]);

    sandbox.contactReads(idInstance, idMessage);
    await sandbox.waitForDeliveries();
    expect(received.map((n) => n.typeWebhook)).toEqual([
      "outgoingAPIMessageReceived",
      "outgoingMessageStatus",
      "outgoingMessageStatus",
      "outgoingAPIMessageReceived",
      "outgoingMessageStatus",
      "outgoingMessageStatus",
      "outgoingMessageStatus",
    ]);
    expect(statuses()).toEqual(["sent", "delivered", "sent", "delivered", "read"]);
    expect(received[0]).toMatchObject({
      idMessage,
      messageData: { textMessageData: { textMessage: "Your order 1234 is on its way" } },
    });
    const last = (await call("lastOutgoingMessages", undefined)).body as Array<{
      idMessage: string;
      statusMessage: string;
    }>;
    expect(last.map((m) => [m.idMessage, m.statusMessage])).toEqual([
      [second.body.idMessage, "delivered"],
      [idMessage, "read"],
    ]);
  });

  it("refuses a send while not authorized, and holds the queue while the phone is away", async () => {
    const { call, instance, idInstance } = await linked(500, false);
    const refused = await call("sendMessage", { chatId: BOB, message: "hello" });
    expect(refused).toEqual({
      status: 400,
      body: examples.sendMessage.notAuthorizedToSend.value,
    });
    sandbox.linkPhone(idInstance);
    await call("sendMessage", { chatId: BOB, message: "one" }); // goes at once
    await call("sendMessage", { chatId: BOB, message: "two" }); // waits 500 ms
    sandbox.setState(idInstance, "sleepMode"); // the phone went offline: nothing leaves
    await sandbox.advance(10_000);
    expect((await call("showMessagesQueue")).body).toEqual([
      expect.objectContaining({ body: { chatId: BOB, message: "two" } }),
    ]);
    sandbox.setState(idInstance, "authorized");
    await sandbox.waitForDeliveries();
    expect((await call("showMessagesQueue")).body).toEqual([]);
    expect((await instance.getStateInstance()).data).toEqual({ stateInstance: "authorized" });
  });

  it("paces files at least fileIntervalMs apart whatever the delay, and answers an upload with its urlFile", async () => {
    const { call } = await linked(500);
    const form = new FormData();
    form.set("chatId", BOB);
    form.set("fileName", "invoice-1234.pdf");
    form.set("file", new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])]), "invoice-1234.pdf");
    const upload = await call("sendFileByUpload", form);
    expect(upload.status).toBe(200);
    expect(upload.body).toEqual({ idMessage: expect.any(String), urlFile: expect.stringContaining(sandbox.url) });
    // The file is served at urlFile, bytes intact, and the queue echoes the text fields only.
    const served = await fetch(upload.body.urlFile);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(new Uint8Array([0x25, 0x50, 0x44, 0x46]));
    expect((await call("showMessagesQueue")).body).toEqual([]);
    await call("sendFileByUrl", {
      chatId: BOB,
      urlFile: "https://shop.example/invoices/1234.pdf",
      fileName: "invoice-1234.pdf",
    });
    await sandbox.advance(outgoingQueue.fileIntervalMs - 1);
    expect((await call("showMessagesQueue")).body).toEqual([expect.objectContaining({ type: "sendFileByUrl" })]);
    await sandbox.advance(1);
    expect((await call("showMessagesQueue")).body).toEqual([]);
    expect(received.find((n) => n.typeWebhook === "outgoingAPIMessageReceived")).toMatchObject({
      messageData: { typeMessage: "documentMessage" },
    });
  });

  it("clears the queue, and fails what waited a whole day (a failure is reported even with outgoingWebhook off)", async () => {
    const { call, idInstance } = await linked(600_000);
    await call("sendMessage", { chatId: BOB, message: "now" });
    const cleared = await call("sendMessage", { chatId: BOB, message: "cleared" });
    expect((await call("clearMessagesQueue")).body).toEqual({ isCleared: true });
    expect((await call("getMessage", { chatId: BOB, idMessage: cleared.body.idMessage })).status).toBe(400);
    await call("setSettings", { outgoingWebhook: "no" });
    await sandbox.advance(startingMs);
    await call("sendMessage", { chatId: BOB, message: "too late" });
    sandbox.setState(idInstance, "sleepMode"); // held: the phone is away
    await sandbox.advance(queueKeptForMs - 1);
    expect((await call("showMessagesQueue")).body).toHaveLength(1);
    await sandbox.advance(1);
    expect((await call("showMessagesQueue")).body).toEqual([]);
    expect(alwaysSentStatuses).toContain("failed");
    expect(statuses().at(-1)).toBe("failed");
    expect(statuses()).not.toContain("read");
  });

  it("works with the package's sending client: an upload on the media host, and findSentMessage", async () => {
    const { instance } = await linked(1000);
    const since = new Date();
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31]);
    const upload = await instance.sendFileByUpload({ chatId: BOB, file: bytes, fileName: "invoice-1234.pdf" });
    if (upload.error) throw upload.error;
    expect(new Uint8Array(await (await fetch(upload.data.urlFile!)).arrayBuffer())).toEqual(bytes);
    const second = await instance.sendMessage({ chatId: BOB, message: "Your invoice is attached" });
    if (second.error) throw second.error;
    // The upload left at once; the text waits its turn (a file holds the next send 5 s).
    expect(await findSentMessage(instance, { chatId: BOB, message: "Your invoice is attached", since })).toEqual({
      data: { found: "queued", idMessage: second.data.idMessage, entry: expect.any(Object) },
    });
    await sandbox.advance(outgoingQueue.fileIntervalMs);
    expect(await findSentMessage(instance, { chatId: BOB, message: "Your invoice is attached", since })).toEqual({
      data: {
        found: "sent",
        idMessage: second.data.idMessage,
        entry: expect.objectContaining({ statusMessage: "delivered" }),
      },
    });
  });

  it("reports noAccount for a number with no account, even with outgoingWebhook off", async () => {
    const { call } = await linked(500);
    await call("setSettings", { outgoingWebhook: "no" });
    await sandbox.advance(startingMs);
    sandbox.contactHasNoAccount("79000000000@c.us");
    const sent = await call("sendMessage", { chatId: "79000000000@c.us", message: "hello?" });
    await sandbox.waitForDeliveries();
    expect(alwaysSentStatuses).toContain("noAccount");
    expect(statuses()).toEqual(["noAccount"]);
    expect(
      (await call("getMessage", { chatId: "79000000000@c.us", idMessage: sent.body.idMessage })).body,
    ).toMatchObject({
      statusMessage: "noAccount",
    });
    expect(() => sandbox.contactHasNoAccount("")).toThrow("chatId must be the contact's chat id");
  });

  it("answers a send that breaks the contract with the spec's 400, and queues nothing", async () => {
    const { call } = await linked(500);
    const bad = await call("sendMessage", { chatId: BOB, message: "x".repeat(20_001) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/Validation failed/);
    expect((await call("showMessagesQueue")).body).toEqual([]);
    expect(() => sandbox.contactReads(1, "X")).toThrow("the sandbox has no instance 1");
  });
});
