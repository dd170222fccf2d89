// Sending from an instance (issue #24): one typed line per method over the executor, and the way
// to find out whether a send whose answer was lost went out. A send is a message to a real person:
// the spec marks every send `x-retry-safe: false`, so the executor never resends one.
import * as operations from "../generated/operations.js";
import type { components, operations as Operations } from "../generated/types.js";
import type { PartnerResult } from "./errors.js";
import type { CallOptions } from "./executor.js";
import type { InstanceCore } from "./instance.js";

type Schemas = components["schemas"];
type Answer<Op extends keyof Operations> = Operations[Op]["responses"] extends {
  200: { content: { "application/json": infer A } };
}
  ? A
  : never;

export type SendMessageRequest = Schemas["SendMessageRequest"];
export type SendFileByUrlRequest = Schemas["SendFileByUrlRequest"];
/** What a send answers: the queued message's id. */
export type SentMessageAnswer = Answer<"sendMessage">;
export type UploadedFileAnswer = Answer<"sendFileByUpload">;
export type MessagesQueueAnswer = Answer<"showMessagesQueue">;
export type QueueClearedAnswer = Answer<"clearMessagesQueue">;
export type GetMessageRequest = Schemas["GetMessageRequest"];
export type JournalMessage = Schemas["JournalMessage"];
export type OutgoingMessagesAnswer = Answer<"lastOutgoingMessages">;
/** A sent message's status: `pending`, `sent`, `delivered`, `read`, `failed`... (an open vocabulary). */
export type OutgoingStatus = Schemas["OutgoingStatus"];

/** What a Node or browser program has for a file: a `Blob`/`File`, or its bytes. */
export type FileInput = Blob | Uint8Array | ArrayBuffer;

/**
 * sendFileByUpload's fields: `file` (at most `operations.sendFileByUpload.maxFileBytes`, checked
 * from its size, never read twice), `chatId`, and `fileName` with its extension (the part's name).
 */
export type SendFileByUploadInput = Omit<Schemas["SendFileByUploadRequest"], "file"> & { file: FileInput };

export interface LastOutgoingMessagesOptions extends CallOptions {
  /** How far back to look, in minutes (GREEN-API's default: 1440, a day). Checked against the spec's bounds. */
  minutes?: number | undefined;
}

/**
 * The sending methods of an instance client. The sends (sendMessage, sendFileByUrl,
 * sendFileByUpload) are **never resent**: after a lost answer (`sent: "maybe"`) or a 5xx, use
 * `findSentMessage`, not a second send. A body that breaks the spec (no `chatId`, a message over
 * the limit, a `fileName` without an extension, a file over the limit) is refused with nothing sent.
 */
export interface SendingMethods {
  /** A text message to a chat; answers the queued message's `idMessage`. Never resent. */
  sendMessage(body: SendMessageRequest, options?: CallOptions): Promise<PartnerResult<SentMessageAnswer>>;
  /** A file GREEN-API downloads from `urlFile`; `fileName`'s extension decides its type. Never resent. */
  sendFileByUrl(body: SendFileByUrlRequest, options?: CallOptions): Promise<PartnerResult<SentMessageAnswer>>;
  /** A file uploaded as `multipart/form-data` to the instance's media host (`mediaUrl`). Never resent. */
  sendFileByUpload(input: SendFileByUploadInput, options?: CallOptions): Promise<PartnerResult<UploadedFileAnswer>>;
  /** The sends waiting in the outgoing queue, oldest first (GREEN-API lists the first 500). */
  showMessagesQueue(options?: CallOptions): Promise<PartnerResult<MessagesQueueAnswer>>;
  /** Empties the outgoing queue: the messages in it are not sent. */
  clearMessagesQueue(options?: CallOptions): Promise<PartnerResult<QueueClearedAnswer>>;
  /** One message of the journal and, for a sent one, its `statusMessage`; may appear up to 2 minutes late. */
  getMessage(body: GetMessageRequest, options?: CallOptions): Promise<PartnerResult<JournalMessage>>;
  /** The messages sent in the last `minutes`, each with its status. */
  lastOutgoingMessages(options?: LastOutgoingMessagesOptions): Promise<PartnerResult<OutgoingMessagesAnswer>>;
}

/** The sending methods over an instance's core; `instanceClientOf` spreads them into the instance client. */
export function sendingMethodsOf(core: InstanceCore): SendingMethods {
  return {
    sendMessage: (body, call) => core.execute(operations.sendMessage, body, call),
    sendFileByUrl: (body, call) => core.execute(operations.sendFileByUrl, body, call),
    sendFileByUpload: (input, call) => core.execute(operations.sendFileByUpload, input, call),
    showMessagesQueue: (call) => core.execute(operations.showMessagesQueue, undefined, call),
    clearMessagesQueue: (call) => core.execute(operations.clearMessagesQueue, undefined, call),
    getMessage: (body, call) => core.execute(operations.getMessage, body, call),
    lastOutgoingMessages: ({ minutes, ...call } = {}) =>
      core.execute(
        operations.lastOutgoingMessages,
        undefined,
        call,
        minutes === undefined ? {} : { query: { minutes } },
      ),
  };
}

/** What identifies the send to look for: its chat, when it was made, and what it carried. */
export interface FindSentMessageQuery {
  /** The chat the send went to. */
  chatId: string;
  /** When the send was made (just before the call): journal entries older than this are not it. */
  since: Date;
  /** The id, when an answer gave one (a retry of the look-up, a send answered but not recorded). */
  idMessage?: string | undefined;
  /** The text sent (sendMessage), compared whole. */
  message?: string | undefined;
  /** The file's name sent (sendFileByUrl, sendFileByUpload), compared whole in the queue. */
  fileName?: string | undefined;
}

/** Where the send was found: still `queued` (its queue entry), or `sent` (its journal entry, with its status). */
export type FoundSentMessage =
  | { found: "queued"; idMessage: string | undefined; entry: MessagesQueueAnswer[number] }
  | { found: "sent"; idMessage: string; entry: JournalMessage }
  | { found: "none" };

type Finder = Pick<SendingMethods, "showMessagesQueue" | "lastOutgoingMessages">;

/**
 * After a send whose outcome is unknown (a cut connection, a timeout, a 5xx: `sent` is `"maybe"`
 * or `"yes"`), finds out whether it went, **without sending anything**: first the outgoing queue
 * (showMessagesQueue: the send waits there for its turn), then the journal of the minutes since
 * `since` (lastOutgoingMessages). A match is the same chat and the same `idMessage`, or, without
 * one, the same text or file name (and, in the journal, not older than `since`).
 *
 * `{found: "none"}` is certain only once the journal has caught up: GREEN-API's getMessage page
 * says a message may take up to 2 minutes to appear, and the queue lists only its first 500
 * entries. Look again after that before sending the message again. A failure of either look-up is
 * returned as the error, with nothing concluded.
 *
 * ```ts
 * const since = new Date();
 * const sent = await instance.sendMessage({ chatId, message });
 * if (sent.error && sent.error.sent !== "no") {
 *   const found = await findSentMessage(instance, { chatId, message, since });
 * }
 * ```
 */
export async function findSentMessage(
  instance: Finder,
  query: FindSentMessageQuery,
  options: CallOptions = {},
): Promise<PartnerResult<FoundSentMessage>> {
  const { chatId, since, idMessage, message, fileName } = query ?? ({} as FindSentMessageQuery);
  if (typeof chatId !== "string" || !(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError("findSentMessage: chatId must be a string and since a valid Date");
  if (idMessage === undefined && message === undefined && fileName === undefined)
    throw new TypeError("findSentMessage: give idMessage, message or fileName: what the send carried");
  const queue = await instance.showMessagesQueue(options);
  if (queue.error) return queue;
  const queued = queue.data.find((entry) => {
    const body = (entry.body ?? {}) as Record<string, unknown>;
    const ids = [entry.messageID, ...(entry.messagesIDs ?? [])];
    if (body.chatId !== chatId) return false;
    if (idMessage !== undefined) return ids.includes(idMessage);
    return (
      (message !== undefined && body.message === message) || (fileName !== undefined && body.fileName === fileName)
    );
  });
  if (queued)
    return { data: { found: "queued", idMessage: queued.messageID ?? queued.messagesIDs?.[0], entry: queued } };
  // Whole minutes back to `since`, at least one: the journal is asked in minutes.
  const minutes = Math.max(1, Math.ceil((Date.now() - since.getTime()) / 60_000));
  const journal = await instance.lastOutgoingMessages({ ...options, minutes });
  if (journal.error) return journal;
  const from = Math.floor(since.getTime() / 1000);
  const sent = journal.data.find(
    (entry) =>
      entry.chatId === chatId &&
      (idMessage !== undefined
        ? entry.idMessage === idMessage
        : entry.timestamp >= from && message !== undefined && entry.textMessage === message),
  );
  return { data: sent ? { found: "sent", idMessage: sent.idMessage, entry: sent } : { found: "none" } };
}
