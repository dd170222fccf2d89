// Review C: findSentMessage never gives an answer that leads a caller to send twice or never. A
// file that left the queue is found in the journal; a queue entry, which has no time, is never
// taken for the send on its content alone; a clock running ahead of GREEN-API's does not turn a
// sent message into "none"; "none" says when it becomes final. Entries come from the spec's examples.
import { describe, expect, it } from "vitest";
import { outgoingQueue } from "../generated/operations.js";
import { examples } from "../generated/examples.js";
import { type FoundSentMessage, createInstanceClient, findSentMessage } from "../src/index.js";
import { INSTANCE } from "./helpers/call.js";
import { type Handler, loopback } from "./helpers/server.js";
import { byId } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- spec examples are free-form JSON
const journal = examples.lastOutgoingMessages.lastOutgoing.value as Json[];
const queueExample = examples.showMessagesQueue.queueWithFirstMessage.value as Json[];
const text = journal.find((e) => typeof e.textMessage === "string");
const file = journal.find((e) => typeof e.downloadUrl === "string");
const upload = byId("sendFileByUpload").request as { chatId: string; fileName: string; caption?: string };
const SECOND = 1000;

/** A server with a queue and a journal of our choosing; what else is asked gets a 404. */
function greenApi(queued: unknown[], sent: unknown[]): Handler {
  return (req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    const body = path.includes("/showMessagesQueue/") ? queued : path.includes("/lastOutgoingMessages/") ? sent : null;
    res.writeHead(body === null ? 404 : 200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body ?? { code: 404, description: "not found" }));
  };
}

async function find(queued: unknown[], sent: unknown[], query: Parameters<typeof findSentMessage>[1]) {
  const server = await loopback(greenApi(queued, sent));
  try {
    const instance = createInstanceClient({ ...INSTANCE, apiUrl: server.url, retry: false });
    const found = await findSentMessage(instance, query);
    if (found.error) throw found.error;
    expect(server.requests.every((r) => r.method === "GET")).toBe(true); // it only reads
    return found.data;
  } finally {
    await server.close();
  }
}

const at = (timestamp: number) => new Date(timestamp * SECOND);
const ids = (found: FoundSentMessage) => (found.found === "ambiguous" ? found.candidates.map((c) => c.idMessage) : []);

describe("a file send that left the queue is found in the journal", () => {
  const named = { ...file, downloadUrl: `https://media.example/${INSTANCE.idInstance}/6a4e-${upload.fileName}` };

  it("by the end of its downloadUrl (an upload's stored file)", async () => {
    const found = await find([], [named], {
      chatId: named.chatId,
      fileName: upload.fileName,
      since: at(named.timestamp),
    });
    expect(found).toMatchObject({ found: "sent", idMessage: named.idMessage });
  });

  it("by the fileName GREEN-API's journal may carry, or by the urlFile it was sent from", async () => {
    const withName = { ...file, fileName: upload.fileName };
    const since = at(file.timestamp);
    expect(await find([], [withName], { chatId: file.chatId, fileName: upload.fileName, since })).toMatchObject({
      found: "sent",
    });
    expect(await find([], [file], { chatId: file.chatId, urlFile: file.downloadUrl, since })).toMatchObject({
      found: "sent",
    });
    // Another file's name, or another caption, is not it.
    const other = await find([], [withName], { chatId: file.chatId, fileName: `x${upload.fileName}`, since });
    expect(other.found).toBe("none");
    const recaptioned = { chatId: file.chatId, urlFile: file.downloadUrl, caption: `${file.caption}!`, since };
    expect((await find([], [file], recaptioned)).found).toBe("none");
  });

  it("a file entry that does not carry the name is a candidate, never 'none'", async () => {
    const unnamed = { ...file, downloadUrl: "https://media.example/6a4e9a9c.bin" };
    const found = await find([], [unnamed], {
      chatId: file.chatId,
      fileName: upload.fileName,
      since: at(file.timestamp),
    });
    expect(found).toMatchObject({ found: "ambiguous", reason: expect.stringMatching(/name/) });
    expect(ids(found)).toEqual([file.idMessage]);
  });
});

describe("without idMessage, a queue entry (which has no time) is not taken for the send on its content", () => {
  const [old] = queueExample;
  const query = { chatId: old.body.chatId, message: old.body.message };

  it("an identical message queued earlier, the send nowhere: ambiguous with it, not 'queued'", async () => {
    const found = await find([old], [], { ...query, since: at(text.timestamp) });
    expect(found).toMatchObject({ found: "ambiguous", candidates: [{ found: "queued", idMessage: old.messageID }] });
  });

  it("a queue entry the journal dates at or after the send (pending) is the send", async () => {
    const pending = { ...text, idMessage: old.messageID, statusMessage: "pending" };
    const found = await find([old], [pending], { ...query, since: at(pending.timestamp) });
    expect(found).toMatchObject({ found: "queued", idMessage: old.messageID, entry: old });
  });

  it("several candidates are ambiguous, each listed", async () => {
    const second = { ...old, messageID: `${old.messageID}2` };
    const found = await find([old, second], [], { ...query, since: at(text.timestamp) });
    expect(found.found).toBe("ambiguous");
    expect(ids(found)).toEqual([old.messageID, second.messageID]);
    const twice = [text, { ...text, idMessage: `${text.idMessage}2`, timestamp: text.timestamp + 1 }];
    expect((await find([], twice, { ...query, message: text.textMessage, since: at(text.timestamp) })).found).toBe(
      "ambiguous",
    );
  });

  it("with idMessage, the queue entry is certain", async () => {
    const found = await find([old], [], { ...query, idMessage: old.messageID, since: at(text.timestamp) });
    expect(found).toMatchObject({ found: "queued", idMessage: old.messageID });
  });
});

describe("a client clock ahead of GREEN-API's does not turn 'sent' into 'none'", () => {
  const query = { chatId: text.chatId, message: text.textMessage };

  it("an entry dated a minute before `since` is still a candidate", async () => {
    const found = await find([], [text], { ...query, since: at(text.timestamp + 60) });
    expect(found).toMatchObject({ found: "ambiguous", reason: expect.stringMatching(/clock/) });
    expect(ids(found)).toEqual([text.idMessage]);
  });

  it("an entry at or after `since` is the send; one hours older is not", async () => {
    expect(await find([], [text], { ...query, since: at(text.timestamp) })).toMatchObject({ found: "sent" });
    expect((await find([], [text], { ...query, since: at(text.timestamp + 3600) })).found).toBe("none");
  });
});

describe("'none' says when it is final", () => {
  it("carries certainAfter, later than the send (the journal's delay)", async () => {
    const since = at(text.timestamp);
    const found = await find([], [], { chatId: text.chatId, message: text.textMessage, since });
    expect(found.found).toBe("none");
    expect(found.found === "none" && found.certainAfter.getTime()).toBeGreaterThan(since.getTime());
  });

  it("a queue listed only up to its limit, without the send, is ambiguous, not 'none'", async () => {
    const [entry] = queueExample;
    const full = Array.from({ length: outgoingQueue.listedAtMost }, (_, i) => ({ ...entry, messageID: `Q${i}` }));
    const found = await find(full, [], {
      chatId: text.chatId,
      message: `${text.textMessage}?`,
      since: at(text.timestamp),
    });
    expect(found).toMatchObject({ found: "ambiguous", candidates: [], reason: expect.stringMatching(/first/) });
  });
});
