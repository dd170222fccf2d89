// Sending, as GREEN-API's pages describe it: every send joins one FIFO queue per instance, drained
// only while the instance is authorized, one message every `delaySendMessagesMilliseconds` counted
// from the previous send (files at least every 5 s), each kept at most a day; the journal keeps
// each message and its status (pending, sent, delivered, read), which the notifications
// outgoingAPIMessageReceived and outgoingMessageStatus report as the settings turn them on
// (`failed` and `noAccount` always: the spec's alwaysSentStatuses).
import { randomBytes } from "node:crypto";
import { outgoingQueue } from "../../generated/operations.js";
import { uriEncoded } from "../errors.js";
import type { Timer } from "./clock.js";
import { alwaysSentStatuses, queryDefault } from "./facts.js";
import { type Answer, type Call, exampleAnswer } from "./http.js";
import type { InstanceMethod } from "./methods.js";
import { SandboxControlError, type SandboxInstance, type SandboxState } from "./state.js";

// Files go at least `fileIntervalMs` apart; showMessagesQueue lists the first `listedAtMost` (x-outgoing-queue).
const { fileIntervalMs: FILE_DELAY_MS, listedAtMost: QUEUE_LISTED } = outgoingQueue;

interface Queued {
  messageID: string;
  type: "sendMessage" | "sendFileByUrl";
  body: Record<string, unknown>;
  file: boolean;
  queuedAt: number;
}

interface JournalEntry {
  type: "outgoing" | "incoming";
  idMessage: string;
  timestamp: number;
  typeMessage: string;
  chatId: string;
  statusMessage?: string;
  sendByApi?: boolean;
  textMessage?: string;
  downloadUrl?: string;
  caption?: string;
  [field: string]: unknown;
}

interface Outbox {
  queue: Queued[];
  journal: JournalEntry[];
  lastSentAt: number;
  wake: Timer | undefined;
}

const outboxes = new WeakMap<SandboxInstance, Outbox>();
function outbox(instance: SandboxInstance): Outbox {
  let box = outboxes.get(instance);
  if (!box) outboxes.set(instance, (box = { queue: [], journal: [], lastSentAt: -Infinity, wake: undefined }));
  return box;
}

/** A WhatsApp-like message id: 16 hex digits, upper case. */
const messageId = () => randomBytes(8).toString("hex").toUpperCase();

/** The kind of a file message, from its name's extension (GREEN-API decides the type by it). */
function fileKind(fileName: string): string {
  const extension = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? "";
  if (["jpg", "jpeg", "png", "gif", "webp"].includes(extension)) return "imageMessage";
  if (["mp4", "mov", "avi", "3gp"].includes(extension)) return "videoMessage";
  if (["mp3", "ogg", "oga", "wav", "m4a", "aac"].includes(extension)) return "audioMessage";
  return "documentMessage";
}

export class Sending {
  constructor(private readonly state: SandboxState) {
    state.afterMove.push((instance) => this.drain(instance));
    state.afterIncoming.push((instance, idMessage, chatId, text) => this.received(instance, idMessage, chatId, text));
  }

  /** A send: queued (nothing leaves until the instance is authorized), answered with its id. */
  private enqueue(instance: SandboxInstance, call: Call, type: Queued["type"], urlFile?: string): Answer {
    if (instance.state !== "authorized") return exampleAnswer(call.op.operationId as never, "notAuthorizedToSend");
    const body = { ...(call.body as Record<string, unknown>) };
    if (urlFile !== undefined) body.urlFile = urlFile;
    const box = outbox(instance);
    const id = messageId();
    const file = type === "sendFileByUrl";
    box.queue.push({ messageID: id, type, body, file, queuedAt: this.state.clock.now() });
    const chatId = String(body.chatId);
    box.journal.push({
      type: "outgoing",
      idMessage: id,
      timestamp: Math.floor(this.state.clock.now() / 1000),
      typeMessage: file ? fileKind(String(body.fileName ?? "")) : "extendedTextMessage",
      chatId,
      ...(file ? { downloadUrl: String(body.urlFile), caption: String(body.caption ?? "") } : {}),
      ...(file ? {} : { textMessage: String(body.message) }),
      statusMessage: "pending",
      sendByApi: true,
    });
    this.drain(instance);
    return { status: 200, body: urlFile !== undefined ? { idMessage: id, urlFile } : { idMessage: id } };
  }

  /** Sends what is due: the head, once `delaySendMessagesMilliseconds` (5 s for a file) passed since the last send. */
  drain(instance: SandboxInstance): void {
    const box = outbox(instance);
    box.wake?.cancel();
    box.wake = undefined;
    if (instance.timeDeleted !== undefined || this.state.stopped) return;
    const now = this.state.clock.now();
    const kept = this.state.durations.queueKeptForMs;
    // A message waits at most a day (GREEN-API's sending-delay page), authorized or not, then fails.
    while (box.queue.length && now - box.queue[0]!.queuedAt >= kept)
      this.fail(instance, box.queue.shift()!, "sandbox: not sent within a day (the queue keeps a message 24 hours)");
    const head = box.queue[0];
    if (!head) return;
    const expires = head.queuedAt + kept;
    if (instance.state !== "authorized") {
      box.wake = this.state.clock.at(expires, () => this.drain(instance));
      return;
    }
    const delay = Number(instance.settings.delaySendMessagesMilliseconds);
    const due = box.lastSentAt + (head.file ? Math.max(delay, FILE_DELAY_MS) : delay);
    if (due > now) {
      box.wake = this.state.clock.at(Math.min(due, expires), () => this.drain(instance));
      return;
    }
    box.queue.shift();
    box.lastSentAt = now;
    this.sent(instance, head);
    this.drain(instance);
  }

  /** The message left the phone and reached the contact's: journal `delivered`, and its notifications. */
  private sent(instance: SandboxInstance, message: Queued) {
    const entry = outbox(instance).journal.find((e) => e.idMessage === message.messageID)!;
    const { chatId } = entry;
    const messageData = message.file
      ? {
          typeMessage: entry.typeMessage,
          fileMessageData: {
            downloadUrl: entry.downloadUrl,
            caption: entry.caption,
            fileName: String(message.body.fileName ?? ""),
            mimeType: "application/octet-stream",
          },
        }
      : { typeMessage: "textMessage", textMessageData: { textMessage: entry.textMessage } };
    this.state.notify(instance, "outgoingAPIMessageReceived", {
      idMessage: entry.idMessage,
      senderData: { chatId, chatName: "", sender: instance.wid, senderName: "" },
      messageData,
    });
    // A number with no account gets `noAccount` (sent even with outgoingWebhook off); others sent, then delivered.
    if (this.noAccount.has(chatId)) this.status(instance, entry, "noAccount");
    else for (const status of ["sent", "delivered"]) this.status(instance, entry, status);
  }

  /** Chats whose number has no account on the messenger (`contactHasNoAccount`). */
  readonly noAccount = new Set<string>();

  /** A new status in the journal, and its outgoingMessageStatus. */
  private status(instance: SandboxInstance, entry: JournalEntry, status: string, description?: string) {
    entry.statusMessage = status;
    this.state.notify(
      instance,
      "outgoingMessageStatus",
      {
        chatId: entry.chatId,
        idMessage: entry.idMessage,
        status,
        sendByApi: true,
        ...(description === undefined ? {} : { description }),
      },
      alwaysSentStatuses.includes(status),
    );
  }

  private fail(instance: SandboxInstance, message: Queued, description: string) {
    const entry = outbox(instance).journal.find((e) => e.idMessage === message.messageID);
    if (entry) this.status(instance, entry, "failed", description);
  }

  /** The contact read a message the instance sent: `read`. */
  contactReads(instance: SandboxInstance, idMessage: unknown) {
    const entry = outbox(instance).journal.find((e) => e.type === "outgoing" && e.idMessage === idMessage);
    if (!entry)
      throw new SandboxControlError(`instance ${instance.idInstance} sent no message ${JSON.stringify(idMessage)}`);
    if (entry.statusMessage === "pending")
      throw new SandboxControlError(`message ${String(idMessage)} is still in the queue: it cannot be read yet`);
    if (entry.statusMessage !== "read") this.status(instance, entry, "read");
  }

  /** A contact's message, kept in the journal as incoming (getMessage finds it). */
  received(instance: SandboxInstance, idMessage: string, chatId: string, text: string) {
    outbox(instance).journal.push({
      type: "incoming",
      idMessage,
      timestamp: Math.floor(this.state.clock.now() / 1000),
      typeMessage: "textMessage",
      chatId,
      textMessage: text,
      senderId: chatId,
    });
  }

  /** The sending operations, by operationId. */
  methods(): Record<string, InstanceMethod> {
    return {
      sendMessage: (instance, call) => this.enqueue(instance, call, "sendMessage"),
      sendFileByUrl: (instance, call) => this.enqueue(instance, call, "sendFileByUrl"),
      sendFileByUpload: (instance, call) => {
        // The file is kept by the sandbox and served at urlFile (GET), as GREEN-API's storage serves it.
        const { file, ...fields } = call.body as { file: File; fileName?: string };
        const fileName = fields.fileName ?? (file.name || "file");
        const path = `/_sandbox/files/${instance.idInstance}/${messageId()}/${uriEncoded(fileName) ?? "file"}`;
        this.state.files.set(path, file);
        return this.enqueue(
          instance,
          { ...call, body: { ...fields, fileName } },
          "sendFileByUrl",
          `${this.state.baseUrl}${path}`,
        );
      },
      showMessagesQueue: (instance) => ({
        status: 200,
        body: outbox(instance)
          .queue.slice(0, QUEUE_LISTED)
          .map(({ messageID, type, body }) => ({ messageID, type, body })),
      }),
      clearMessagesQueue(instance) {
        const box = outbox(instance);
        const cleared = new Set(box.queue.map((m) => m.messageID));
        box.queue.length = 0;
        // Never sent: they leave the journal too.
        box.journal = box.journal.filter((e) => !cleared.has(e.idMessage));
        return { status: 200, body: { isCleared: true } };
      },
      getMessage(instance, { body }) {
        const { chatId, idMessage } = body as { chatId: string; idMessage: string };
        const entry = outbox(instance).journal.find((e) => e.chatId === chatId && e.idMessage === idMessage);
        return entry ? { status: 200, body: entry } : exampleAnswer("getMessage" as never, "badRequest");
      },
      lastOutgoingMessages: (instance, { query }) => {
        const minutes = (query.minutes ?? queryDefault("lastOutgoingMessages", "minutes")) as number;
        const since = Math.floor(this.state.clock.now() / 1000) - minutes * 60;
        const entries = outbox(instance).journal.filter((e) => e.type === "outgoing" && e.timestamp >= since);
        return { status: 200, body: entries.reverse() };
      },
    };
  }
}
