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
  /** When the send was made (just before the call), by this machine's clock. */
  since: Date;
  /** The id, when an answer gave one: the only certain match (a queue entry has no time). */
  idMessage?: string | undefined;
  /** The text sent (sendMessage), compared whole with the queue's `body.message` and the journal's `textMessage`. */
  message?: string | undefined;
  /**
   * The file's name sent (sendFileByUrl, sendFileByUpload), compared whole with the queue's
   * `body.fileName` and, in the journal, with a file entry's `fileName` or the end of its `downloadUrl`.
   */
  fileName?: string | undefined;
  /** The URL a file was sent from (sendFileByUrl's `urlFile`), compared whole with the queue's `body.urlFile` and the journal's `downloadUrl`. */
  urlFile?: string | undefined;
  /** The caption sent with a file: a candidate whose caption differs is not it. */
  caption?: string | undefined;
}

/** One place the send may be: still `queued` (its queue entry), or `sent` (its journal entry, with its status). */
export type SentMessageCandidate =
  | { found: "queued"; idMessage: string | undefined; entry: MessagesQueueAnswer[number] }
  | { found: "sent"; idMessage: string; entry: JournalMessage };

/**
 * What findSentMessage concluded: the one place the send is (`queued`, `sent`); `ambiguous`, with
 * every candidate and the `reason` none is certain (act on it only if you can tell them apart);
 * or `none`, which is final only from `certainAfter` on (the journal's delay after `since`).
 */
export type FoundSentMessage =
  | SentMessageCandidate
  | { found: "ambiguous"; candidates: SentMessageCandidate[]; reason: string }
  | { found: "none"; certainAfter: Date };

type Finder = Pick<SendingMethods, "showMessagesQueue" | "lastOutgoingMessages">;

// A sent message may reach the journal this late (x-outgoing-queue, from GREEN-API's getMessage page).
const JOURNAL_DELAY_MS = operations.outgoingQueue.journalDelayMs;
// The journal's times are GREEN-API's clock, `since` is this machine's: the window starts this
// much earlier, so a clock running ahead by up to 5 minutes (Kerberos's default skew) still finds
// the send. A candidate dated inside the margin is never taken as certain: it may be an earlier message.
const CLOCK_MARGIN_MS = 5 * 60_000;
// Journal kinds: text ones carry `textMessage`; file ones carry `downloadUrl`/`caption` (the spec's JournalMessage).
const TEXT_KINDS = new Set(["textMessage", "extendedTextMessage"]);
const FILE_KIND = /^(image|video|document|audio)Message$/;

/** A candidate, and why it is not certain (`undefined` when it is). */
type Seen = { candidate: SentMessageCandidate; doubt: string | undefined };

/** The last path segment of a URL, decoded when it can be. */
function tailOf(url: string): string {
  const tail = url.split(/[?#]/)[0]!.split("/").pop()!;
  try {
    return decodeURIComponent(tail);
  } catch {
    return tail;
  }
}

/** Whether a journal entry carried the file: `yes`, `no`, or `maybe` (a file whose name it does not carry). */
function fileMatch(
  entry: JournalMessage,
  { fileName, urlFile, caption }: FindSentMessageQuery,
): "yes" | "no" | "maybe" {
  const e = entry as Record<string, unknown>;
  if (typeof e.textMessage === "string" || TEXT_KINDS.has(String(e.typeMessage))) return "no";
  const url = typeof e.downloadUrl === "string" ? e.downloadUrl : undefined;
  if (url === undefined && typeof e.fileName !== "string" && !FILE_KIND.test(String(e.typeMessage))) return "no";
  if (caption !== undefined && typeof e.caption === "string" && e.caption !== caption) return "no";
  if (typeof e.fileName === "string" && fileName !== undefined) return e.fileName === fileName ? "yes" : "no";
  if (urlFile !== undefined && url === urlFile) return "yes";
  if (fileName !== undefined && url !== undefined && tailOf(url).endsWith(fileName)) return "yes";
  return "maybe";
}

/** Whether a queue entry's body (the request as sent) carried the same text or file. */
function sameBody(body: Record<string, unknown>, { message, fileName, urlFile, caption }: FindSentMessageQuery) {
  if (message !== undefined) return body.message === message;
  const same = (field: string, value: string | undefined) => value === undefined || body[field] === value;
  const captionSame = caption === undefined || body.caption === undefined || body.caption === caption;
  return same("fileName", fileName) && same("urlFile", urlFile) && captionSame;
}

/** The queue entries and journal entries that may be the send, when no idMessage is known. */
function byContent(query: FindSentMessageQuery, queue: MessagesQueueAnswer, journal: OutgoingMessagesAnswer): Seen[] {
  const { chatId, since, message } = query;
  const from = Math.floor((since.getTime() - CLOCK_MARGIN_MS) / 1000);
  const after = Math.floor(since.getTime() / 1000);
  const dated = new Map(journal.filter((e) => e.chatId === chatId).map((e) => [e.idMessage, e.timestamp]));
  const seen: Seen[] = [];
  for (const entry of queue) {
    const body = (entry.body ?? {}) as Record<string, unknown>;
    if (body.chatId !== chatId) continue;
    if (!sameBody(body, query)) continue;
    const idMessage = entry.messageID ?? entry.messagesIDs?.[0];
    // The queue has no time: its entry is dated only by the journal (`pending` while queued).
    const at = idMessage === undefined ? undefined : dated.get(idMessage);
    if (at !== undefined && at < from) continue; // an earlier message, still waiting
    const doubt =
      at === undefined
        ? "a queued message has this content, and the queue has no time: it may be an earlier identical message"
        : at < after
          ? "a queued message is dated just before the send (this clock may run ahead of GREEN-API's, or it is an earlier one)"
          : undefined;
    seen.push({ candidate: { found: "queued", idMessage, entry }, doubt });
  }
  const queued = new Set(seen.map((s) => s.candidate.idMessage));
  for (const entry of journal) {
    if (entry.chatId !== chatId || entry.timestamp < from || queued.has(entry.idMessage)) continue;
    const match = message !== undefined ? (entry.textMessage === message ? "yes" : "no") : fileMatch(entry, query);
    if (match === "no") continue;
    const doubt =
      match === "maybe"
        ? "a file was sent to this chat, and its journal entry does not carry the file's name"
        : entry.timestamp < after
          ? "a message is dated just before the send (this clock may run ahead of GREEN-API's, or it is an earlier one)"
          : undefined;
    seen.push({ candidate: { found: "sent", idMessage: entry.idMessage, entry }, doubt });
  }
  return seen;
}

/**
 * After a send whose outcome is unknown (a cut connection, a timeout, a 5xx: `sent` is `"maybe"`
 * or `"yes"`), finds out whether it went, **without sending anything**: the outgoing queue
 * (showMessagesQueue: the send waits there for its turn) and the journal since `since`
 * (lastOutgoingMessages, asked for the whole minutes back to `since` less a 5-minute margin for a
 * clock that runs ahead of GREEN-API's; the journal's `timestamp` is in seconds).
 *
 * - With `idMessage`: the entry with that id, `queued` or `sent`, or `none`.
 * - Without: the same chat and the same text (`message`), or the same file: the queue's
 *   `body.fileName`/`body.urlFile`; a journal file entry (`typeMessage` a file kind, or a
 *   `downloadUrl`) whose `fileName` is `fileName`, whose `downloadUrl` is `urlFile` or ends with
 *   `fileName`; `caption` must agree when both have one. The answer is `queued`/`sent` only for **one**
 *   candidate dated at or after `since`. Otherwise it is `{found: "ambiguous", candidates, reason}`:
 *   several candidates, a queue entry no journal entry dates (the queue has no time: it may be an
 *   earlier identical message), one dated inside the clock margin, or a journal file entry that
 *   does not carry its name. Decide from the candidates (a text that names the order is yours), or
 *   ask a person: never send again on an ambiguous answer.
 * - `{found: "none", certainAfter}`: nothing matched. A message may take up to 2 minutes to appear
 *   in the journal, so `none` is final only when the look-up began at or after `certainAfter`
 *   (`since` + 2 minutes): before that, look again then. A queue that lists its first
 *   `outgoingQueue.listedAtMost` entries and no match is `ambiguous` (`candidates: []`).
 *
 * A failure of either look-up is returned as the error, with nothing concluded. Throws a
 * TypeError for a query without `chatId`, a valid `since`, or any of `idMessage`, `message`,
 * `fileName`, `urlFile`.
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
  const { chatId, since, idMessage, message, fileName, urlFile } = query ?? ({} as FindSentMessageQuery);
  if (typeof chatId !== "string" || !(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError("findSentMessage: chatId must be a string and since a valid Date");
  if (idMessage === undefined && message === undefined && fileName === undefined && urlFile === undefined)
    throw new TypeError("findSentMessage: give idMessage, message, fileName or urlFile: what the send carried");
  const none = { found: "none" as const, certainAfter: new Date(since.getTime() + JOURNAL_DELAY_MS) };
  const queue = await instance.showMessagesQueue(options);
  if (queue.error) return queue;
  const truncated = queue.data.length >= operations.outgoingQueue.listedAtMost;
  if (idMessage !== undefined) {
    const queued = queue.data.find(
      (e) =>
        (e.body as { chatId?: unknown } | undefined)?.chatId === chatId &&
        [e.messageID, ...(e.messagesIDs ?? [])].includes(idMessage),
    );
    if (queued) return { data: { found: "queued", idMessage, entry: queued } };
  }
  // Whole minutes back to `since` less the clock margin, at least one: the journal is asked in minutes.
  const minutes = Math.max(1, Math.ceil((Date.now() - since.getTime() + CLOCK_MARGIN_MS) / 60_000));
  const journal = await instance.lastOutgoingMessages({ ...options, minutes });
  if (journal.error) return journal;
  const seen: Seen[] =
    idMessage !== undefined
      ? journal.data
          .filter((e) => e.chatId === chatId && e.idMessage === idMessage)
          .slice(0, 1)
          .map((entry) => ({ candidate: { found: "sent", idMessage, entry }, doubt: undefined }))
      : byContent(query, queue.data, journal.data);
  if (seen.length === 1 && seen[0]!.doubt === undefined) return { data: seen[0]!.candidate };
  const candidates = seen.map((s) => s.candidate);
  if (seen.length > 1)
    return {
      data: {
        found: "ambiguous",
        candidates,
        reason: `${seen.length} messages match: which one is the send cannot be told`,
      },
    };
  if (seen.length === 1) return { data: { found: "ambiguous", candidates, reason: seen[0]!.doubt! } };
  if (truncated)
    return {
      data: {
        found: "ambiguous",
        candidates,
        reason: `the queue lists only its first ${operations.outgoingQueue.listedAtMost} entries: the send may wait beyond them`,
      },
    };
  return { data: none };
}
