// The sending contract (issue #24) through the client: every sending method against the mock and
// against loopback servers that misbehave. A send is a message to a real person: one request
// whatever happens (a cut connection, a 5xx, a retry asked for), nothing sent for a body that
// breaks the spec, and the way to find out whether an ambiguous send went (findSentMessage).
// Every limit and example comes from the spec or generated/, never from this file.
import { describe, expect, inject, it } from "vitest";
import * as generated from "../generated/operations.js";
import { examples } from "../generated/examples.js";
import { alwaysSentStatuses, outgoingStatuses } from "../generated/webhooks.js";
import {
  type InstanceClient,
  type PartnerResult,
  createInstanceClient,
  createPartnerClient,
  findSentMessage,
} from "../src/index.js";
import { INSTANCE, callOperation, instanceOf, pathOf, uploadOf } from "./helpers/call.js";
import { type Handler, answer, loopback } from "./helpers/server.js";
import { byId, deref, operations, spec } from "./helpers/spec.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const mockUrl = inject("mockUrl");
const sending = operations.filter((op) => op.operation.tags.includes("Sending"));
/** The sends: the sending methods the spec marks never to be resent. */
const sends = sending.filter((op) => !op.retrySafe);
const jsonSends = sends.filter((op) => op.requestMediaType === "application/json");
const schema = (name: string): Json => spec.components.schemas[name];
const firstMessage = byId("sendMessage").request as { chatId: string; message: string };
const queued = examples.sendMessage.messageQueued.value as { idMessage: string };

/** An instance client on a loopback server, asking for retries: a send must ignore them. */
const instanceAt = (url: string): InstanceClient =>
  createInstanceClient({ ...INSTANCE, apiUrl: url, retry: { attempts: 3, delayMs: 1, maxDelayMs: 1 } });

async function withServer<T>(handler: Handler, run: (server: Awaited<ReturnType<typeof loopback>>) => Promise<T>) {
  const server = await loopback(handler);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

describe("the contract", () => {
  it("has the seven sending methods, in the journey's order, as their own group", () => {
    expect(sending.map((op) => op.operationId)).toEqual([
      "sendMessage",
      "sendFileByUrl",
      "sendFileByUpload",
      "showMessagesQueue",
      "clearMessagesQueue",
      "getMessage",
      "lastOutgoingMessages",
    ]);
    const tags = spec.tags.map((t: Json) => t.name);
    expect(tags.indexOf("Sending")).toBe(tags.indexOf("Instance") + 1);
  });

  it("never resends a send; the methods that only read (or clear) are safe to resend", () => {
    expect(sends.map((op) => op.operationId)).toEqual(["sendMessage", "sendFileByUrl", "sendFileByUpload"]);
    for (const op of sends) expect((generated as Json)[op.operationId].retrySafe).toBe(false);
  });

  it.each(sending.map((op) => [op.operationId, op] as const))(
    "%s documents GREEN-API's 400, 401, 403, 429, 466, 499, 500 and 502",
    (_, op) => {
      expect(Object.keys(op.operation.responses)).toEqual(
        expect.arrayContaining(["200", "400", "401", "403", "429", "466", "499", "500", "502"]),
      );
    },
  );

  it("sendFileByUpload is multipart on the media host; the others are on the instance's apiUrl", () => {
    const hosts = Object.fromEntries(sending.map((op) => [op.operationId, (generated as Json)[op.operationId].server]));
    expect(hosts).toEqual({
      ...Object.fromEntries(sending.map((op) => [op.operationId, "apiUrl"])),
      sendFileByUpload: "mediaUrl",
    });
    expect(generated.sendFileByUpload).toMatchObject({ requestMediaType: "multipart/form-data", fileField: "file" });
    expect(generated.sendFileByUpload.maxFileBytes).toBe(
      schema("SendFileByUploadRequest").properties.file["x-max-file-bytes"],
    );
    expect(generated.serverDefaults.mediaUrl).toBe(
      spec.paths[byId("sendFileByUpload").path].servers[0].variables.mediaUrl.default,
    );
  });

  it("one vocabulary of outgoing statuses, shared by the journals and the webhook", () => {
    expect(outgoingStatuses).toEqual(schema("OutgoingStatusKnown").enum);
    expect(alwaysSentStatuses).toEqual(["failed", "noAccount"].filter((s) => outgoingStatuses.includes(s as never)));
    const ref = { $ref: "#/components/schemas/OutgoingStatus" };
    expect(schema("JournalMessage").properties.statusMessage.$ref).toBe(ref.$ref);
    expect(schema("OutgoingMessageStatus").properties.status.$ref).toBe(ref.$ref);
    // Open: a status this version does not know is read, not refused.
    expect(deref(ref).anyOf[1]).toMatchObject({ type: "string", "x-open-enum": true });
  });

  it("the seed's settings link to what they cause", () => {
    const fields = schema("CreateInstanceRequest").properties;
    expect(fields.delaySendMessagesMilliseconds.description).toContain("(#operation/showMessagesQueue)");
    expect(fields.outgoingWebhook.description).toContain("(#operation/getMessage)");
    expect(fields.outgoingAPIMessageWebhook.description).toContain("(#operation/lastOutgoingMessages)");
  });
});

describe("against the mock: each method answers its first named example", () => {
  it.each(sending.map((op) => [op.operationId, op] as const))("%s", async (_, op) => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl });
    const result = await callOperation(partner, op);
    expect(result).toEqual({ data: op.successes[0]!.value });
  });

  it("lastOutgoingMessages sends `minutes` as its query, which the mock accepts", async () => {
    const instance = instanceOf(createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl }));
    const minutes = deref(byId("lastOutgoingMessages").operation.parameters[0]).example;
    expect(await instance.lastOutgoingMessages({ minutes })).toEqual({
      data: byId("lastOutgoingMessages").successes[0]!.value,
    });
  });

  it("findSentMessage finds the first message waiting in the mock's queue, sending nothing", async () => {
    const instance = instanceOf(createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl }));
    // The mock's journal dates the queued entry: the send is the one made at that time.
    const journal = examples.lastOutgoingMessages.lastOutgoing.value as Array<{ idMessage: string; timestamp: number }>;
    const dated = journal.find((e) => e.idMessage === queued.idMessage)!;
    const found = await findSentMessage(instance, { ...firstMessage, since: new Date(dated.timestamp * 1000) });
    expect(found.data).toMatchObject({
      found: "queued",
      idMessage: queued.idMessage,
    });
  });
});

describe("a send that may have gone out is never resent", () => {
  const cut: Handler = (req) => req.socket.destroy();

  it.each(jsonSends.map((op) => [op.operationId, op] as const))(
    "%s: a connection cut after the request is one request, reported as maybe sent",
    (_, op) =>
      withServer(cut, async (server) => {
        const result = (await callOperation(
          createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: { attempts: 3, delayMs: 1 } }),
          op,
        )) as PartnerResult<unknown>;
        expect(result.error).toMatchObject({ kind: "network", sent: "maybe", attempts: 1 });
        expect(server.requests).toHaveLength(1);
        expectNoToken(result.error);
      }),
  );

  it.each(jsonSends.flatMap((op) => ["500", "502"].map((status) => [op.operationId, status, op] as const)))(
    "%s: an HTTP %s is one request, reported as sent",
    (_, status, op) => {
      const value = deref(op.operation.responses[status]).content["text/plain"]?.examples;
      const text = value ? deref(Object.values(value)[0]).value : "Bad Gateway";
      return withServer(answer(Number(status), text), async (server) => {
        const result = await callOperation(
          createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: { attempts: 3, delayMs: 1 } }),
          op,
        );
        expect(result.error).toMatchObject({ kind: "http", status: Number(status), sent: "yes", attempts: 1 });
        expect(server.requests).toHaveLength(1);
      });
    },
  );

  it("even when the call itself asks for retries", () =>
    withServer(answer(503, "Service Unavailable"), async (server) => {
      const result = await instanceAt(server.url).sendMessage(firstMessage, { retry: { attempts: 5, delayMs: 1 } });
      expect(result.error).toMatchObject({ status: 503, sent: "yes", attempts: 1 });
      expect(server.requests).toHaveLength(1);
    }));

  it("the request is the spec's: POST to the instance's path on apiUrl, the body as given", () =>
    withServer(answer(200, queued), async (server) => {
      const result = await instanceAt(server.url).sendMessage(firstMessage);
      expect(result).toEqual({ data: queued });
      expect(server.requests).toMatchObject([
        { method: "POST", url: pathOf(byId("sendMessage"), ""), body: JSON.stringify(firstMessage) },
      ]);
    }));
});

describe("nothing is sent for a body that breaks the spec", () => {
  const message = schema("SendMessageRequest").properties.message;
  const byUrl = byId("sendFileByUrl").request as Record<string, unknown>;
  const cases: Array<[string, (i: InstanceClient) => Promise<PartnerResult<unknown>>, string]> = [
    [
      "a message one character over the spec's limit",
      (i) => i.sendMessage({ ...firstMessage, message: "x".repeat(message.maxLength + 1) }),
      "message",
    ],
    ["an empty message", (i) => i.sendMessage({ ...firstMessage, message: "" }), "message"],
    ["a message without chatId", (i) => i.sendMessage({ message: firstMessage.message } as never), "chatId"],
    ["a chatId with a space", (i) => i.sendMessage({ ...firstMessage, chatId: "7900 7654321@c.us" }), "chatId"],
    ["an unknown field", (i) => i.sendMessage({ ...firstMessage, archiveChat: true } as never), "archiveChat"],
    ["a file without chatId", (i) => i.sendFileByUrl({ ...byUrl, chatId: undefined } as never), "chatId"],
    ["a fileName without an extension", (i) => i.sendFileByUrl({ ...byUrl, fileName: "invoice" } as never), "fileName"],
    ["a fileName ending in a dot", (i) => i.sendFileByUrl({ ...byUrl, fileName: "invoice." } as never), "fileName"],
    [
      "a urlFile that is no URL",
      (i) => i.sendFileByUrl({ ...byUrl, urlFile: "invoices/1234.pdf" } as never),
      "urlFile",
    ],
    [
      "lastOutgoingMessages with minutes below the spec's minimum (a query is checked like a body)",
      (i) =>
        i.lastOutgoingMessages({
          minutes: deref(byId("lastOutgoingMessages").operation.parameters[0]).schema.minimum - 1,
        }),
      "minutes",
    ],
    ["getMessage without idMessage", (i) => i.getMessage({ chatId: firstMessage.chatId } as never), "idMessage"],
  ];

  it.each(cases)("%s: refused, naming the field, with nothing sent", (_, call, field) =>
    withServer(answer(200, {}), async (server) => {
      const result = await call(instanceAt(server.url));
      expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no", attempts: 0 });
      expect(result.error!.kind === "invalid-request" && result.error!.violations.map((v) => v.field)).toContain(field);
      expect(server.requests).toHaveLength(0);
    }),
  );

  it("the limit the client holds is the spec's, and a message at the limit is sent", () =>
    withServer(answer(200, queued), async (server) => {
      const result = await instanceAt(server.url).sendMessage({
        ...firstMessage,
        message: "x".repeat(message.maxLength),
      });
      expect(result.error).toBeUndefined();
      expect(server.requests).toHaveLength(1);
    }));
});

describe("findSentMessage: whether an ambiguous send went, without sending", () => {
  const queue = examples.showMessagesQueue.queueWithFirstMessage.value as Json[];
  const journal = examples.lastOutgoingMessages.lastOutgoing.value as Json[];
  /** A server with a queue and a journal of our choosing; any other request is a 404. */
  const greenApi =
    (queued: unknown, sent: unknown): Handler =>
    (req, res) => {
      const path = new URL(req.url!, "http://x").pathname;
      const body = path.includes("/showMessagesQueue/")
        ? queued
        : path.includes("/lastOutgoingMessages/")
          ? sent
          : undefined;
      res.writeHead(body === undefined ? 404 : 200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body ?? { code: 404, description: "not found" }));
    };
  const onlyReads = (server: Awaited<ReturnType<typeof loopback>>) =>
    expect(server.requests.map((r) => r.method)).toEqual(server.requests.map(() => "GET"));

  it("finds a send still in the queue by its idMessage, and looks no further", () =>
    withServer(greenApi(queue, []), async (server) => {
      const found = await findSentMessage(instanceAt(server.url), {
        chatId: firstMessage.chatId,
        idMessage: queue[0].messageID,
        since: new Date(),
      });
      expect(found.data).toMatchObject({ found: "queued", idMessage: queue[0].messageID, entry: queue[0] });
      expect(server.requests).toHaveLength(1);
      onlyReads(server);
    }));

  it("finds a send still in the queue by its text when the journal dates it (pending) at or after the send", () =>
    withServer(greenApi(queue, journal), async (server) => {
      const dated = journal.find((e) => e.idMessage === queue[0].messageID)!;
      const since = new Date(dated.timestamp * 1000);
      const found = await findSentMessage(instanceAt(server.url), { ...firstMessage, since });
      expect(found.data).toMatchObject({ found: "queued", idMessage: queue[0].messageID, entry: queue[0] });
      onlyReads(server);
    }));

  it("finds a send that left the queue in the journal, with its status, asking for the minutes since the send", () =>
    withServer(greenApi([], journal), async (server) => {
      const [entry] = journal.filter((e) => e.textMessage === firstMessage.message);
      const since = new Date(entry.timestamp * 1000);
      const found = await findSentMessage(instanceAt(server.url), { ...firstMessage, since });
      expect(found.data).toMatchObject({ found: "sent", idMessage: entry.idMessage, entry });
      expect(found.data!.found === "sent" && outgoingStatuses).toContain(entry.statusMessage);
      const asked = new URL(server.requests[1]!.url, "http://x").searchParams.get("minutes");
      expect(Number(asked)).toBeGreaterThanOrEqual(Math.ceil((Date.now() - since.getTime()) / 60_000));
      onlyReads(server);
    }));

  it("by idMessage, when one is known", () =>
    withServer(greenApi([], journal), async (server) => {
      const found = await findSentMessage(instanceAt(server.url), {
        chatId: journal[0].chatId,
        idMessage: journal[0].idMessage,
        since: new Date(),
      });
      expect(found.data).toMatchObject({ found: "sent", idMessage: journal[0].idMessage });
    }));

  it("says none when neither holds it: another chat, or a journal entry older than the send", () =>
    withServer(greenApi(queue, journal), async (server) => {
      const elsewhere = await findSentMessage(instanceAt(server.url), {
        ...firstMessage,
        chatId: "79005550000@c.us",
        since: new Date(0),
      });
      expect(elsewhere.data).toEqual({ found: "none", certainAfter: expect.any(Date) });
      const newest = Math.max(...journal.map((e) => e.timestamp)) * 1000;
      const after = (ms: number) =>
        findSentMessage(instanceAt(server.url), { ...firstMessage, since: new Date(newest + ms) });
      // Dated by the journal just before the send: this clock may run ahead, or it is an earlier message.
      expect((await after(1000)).data).toMatchObject({ found: "ambiguous", candidates: [{ found: "queued" }] });
      // Dated a day before the send: an earlier message, not this one.
      expect((await after(generated.outgoingQueue.keptForMs)).data).toMatchObject({ found: "none" });
      onlyReads(server);
    }));

  it("a failed look-up is the error, with nothing concluded", () =>
    withServer(answer(401, { code: 401, description: "Unauthorized" }), async (server) => {
      const found = await findSentMessage(instanceAt(server.url), { ...firstMessage, since: new Date() });
      expect(found.error).toMatchObject({ kind: "api", status: 401 });
      expect(found.data).toBeUndefined();
      expectNoToken(found.error);
    }));

  it("refuses a query that could match anything", async () => {
    const instance = instanceAt("http://127.0.0.1:9");
    await expect(findSentMessage(instance, { chatId: firstMessage.chatId, since: new Date() })).rejects.toThrow(
      /idMessage, message, fileName or urlFile/,
    );
    await expect(findSentMessage(instance, { ...firstMessage, since: new Date("x") })).rejects.toThrow(TypeError);
  });
});

describe("sendFileByUpload: multipart, on the media host (needs the executor's multipart support)", () => {
  const upload = uploadOf(byId("sendFileByUpload").request);
  const maxFileBytes = generated.sendFileByUpload.maxFileBytes;

  it("posts the file and its fields as multipart/form-data to mediaUrl, never to apiUrl, bytes intact", async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    await withServer(answer(200, {}), async (api) =>
      withServer(answer(200, examples.sendFileByUpload.invoiceUploaded.value), async (media) => {
        const instance = createInstanceClient({ ...INSTANCE, apiUrl: api.url, mediaUrl: media.url } as never);
        const result = await instance.sendFileByUpload({ ...upload, file: new Blob([bytes]) });
        expect(result).toEqual({ data: examples.sendFileByUpload.invoiceUploaded.value });
        expect(api.requests).toHaveLength(0);
        expect(media.requests).toHaveLength(1);
        const [seen] = media.requests;
        expect(seen!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
        const form = await new Response(new Uint8Array(seen!.bytes), {
          headers: { "content-type": seen!.headers["content-type"]! },
        }).formData();
        expect(form.get("chatId")).toBe(upload.chatId);
        const file = form.get("file") as File;
        expect(file.name).toBe(upload.fileName);
        expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
      }),
    );
  });

  it("refuses a file over the spec's limit from its size alone, with nothing sent", () =>
    withServer(answer(200, {}), async (server) => {
      // A Blob whose size says too big, whose bytes are never read.
      const huge = {
        size: maxFileBytes + 1,
        type: "",
        slice: () => {
          throw new Error("read");
        },
      };
      const file = Object.setPrototypeOf(huge, Blob.prototype) as Blob;
      const result = await instanceAt(server.url).sendFileByUpload({ ...upload, file });
      expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no" });
      expect(result.error!.kind === "invalid-request" && result.error!.violations).toContainEqual(
        expect.objectContaining({ field: "file", rule: "maxFileBytes" }),
      );
      expect(server.requests).toHaveLength(0);
    }));

  it("refuses a fileName without an extension, naming it, with nothing sent", () =>
    withServer(answer(200, {}), async (server) => {
      const result = await instanceAt(server.url).sendFileByUpload({ ...upload, fileName: "invoice" });
      expect(result.error!.kind === "invalid-request" && result.error!.violations.map((v) => v.field)).toEqual([
        "fileName",
      ]);
      expect(server.requests).toHaveLength(0);
    }));

  it("a File given without fileName is named by its own name, held to the same rule (review G)", () =>
    withServer(answer(200, examples.sendFileByUpload.invoiceUploaded.value), async (server) => {
      const { fileName, ...withoutName } = upload;
      const instance = createInstanceClient({ ...INSTANCE, apiUrl: server.url, mediaUrl: server.url } as never);
      const refused = await instance.sendFileByUpload({ ...withoutName, file: new File(["%PDF"], "invoice") });
      expect(refused.error).toMatchObject({ kind: "invalid-request", sent: "no" });
      const violations = refused.error!.kind === "invalid-request" ? refused.error!.violations : [];
      expect(violations).toEqual([expect.objectContaining({ field: "fileName", rule: "pattern" })]);
      expect(server.requests).toHaveLength(0);
      const named = await instance.sendFileByUpload({ ...withoutName, file: new File(["%PDF"], fileName!) });
      expect(named.error).toBeUndefined();
      const [seen] = server.requests;
      const form = await new Response(new Uint8Array(seen!.bytes), {
        headers: { "content-type": seen!.headers["content-type"]! },
      }).formData();
      expect((form.get("file") as File).name).toBe(fileName);
    }));

  it("a cut connection after the upload is one request", () =>
    withServer(
      (req) => req.socket.destroy(),
      async (server) => {
        const result = await instanceAt(server.url).sendFileByUpload(upload);
        expect(result.error).toMatchObject({ kind: "network", attempts: 1 });
        expect(server.requests).toHaveLength(1);
      },
    ));
});
