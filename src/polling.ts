// Receiving notifications by polling (an instance whose webhookUrl is ""): receiveNotification,
// then deleteNotification once the notification was handled. A notification is read as the
// webhook receiver reads it (webhooks-inspect.ts: violations listed, never refused), or handed to
// a receiver's `receive`, so that handlers and de-duplication are the same whichever way it comes.
import * as operations from "../generated/operations.js";
import type { Middleware } from "openapi-fetch";
import { readBytes } from "./bytes.js";
import type { Violation } from "./errors.js";
import { type InstanceClient, notYet } from "./instance.js";
import { sleep, wholeMs } from "./timing.js";
import { inspect, isObject, report, webhookError } from "./webhooks-inspect.js";
import type { Notification, Receipt, WebhookError, WebhookReceiver } from "./webhooks-types.js";

/** The shortest cycle of receiveNotifications on an empty queue or after a failure. */
const MIN_RECEIVE_MS = 1_000;
const op = operations.receiveNotification;

export interface ReceiveNotificationsOptions {
  /** How long GREEN-API holds each request open for a notification, in seconds (5 to 60). Default: the spec's advice (`x-poll`, 20). */
  receiveTimeout?: number | undefined;
  /** Pause after a failed read (a lost connection, a 5xx) or a notification the receiver did not acknowledge, in milliseconds; at least 1000. Default: the spec's advice (`x-poll`, 5000). An empty queue is asked at most once a second. */
  retryDelayMs?: number | undefined;
  /** Ends the iteration (the notification being handled is not deleted). */
  signal?: AbortSignal | undefined;
  /**
   * A webhook receiver (`createWebhookReceiver({ webhookUrlToken: false })` will do) that handles
   * each notification with its own handlers and de-duplication, as if GREEN-API had POSTed it:
   * deleted once its receipt is `acknowledged`, left in the queue otherwise (it comes again after
   * `retryDelayMs`). The loop then only observes: each item carries the `receipt`.
   */
  receiver?: Pick<WebhookReceiver, "receive"> | undefined;
  /**
   * Without a receiver: told of what the queue held that is not a notification (a body that is
   * not a JSON object: deleted, so that the queue moves on) and of an answer that could not be read
   * at all (no `receiptId`: nothing can be deleted, it is asked again after `retryDelayMs`).
   * With a receiver, the first kind goes to the receiver's own onError.
   */
  onError?: ((error: WebhookError) => void) | undefined;
}

/** One notification received by polling: `body` is what a webhook would have posted. */
export interface ReceivedNotification {
  receiptId: number;
  body: Notification;
  /** Every way the body breaks the spec (empty when it matches): it is handed over either way, then deleted. */
  violations: Violation[];
  /** Its de-duplication key, as the webhook receiver computes it. */
  key: string | undefined;
  /** With the `receiver` option: what the receiver made of it. */
  receipt?: Receipt;
}

/** What one receiveNotification answer held, read tolerantly. */
type Read = { empty: true } | { receiptId: number; body: unknown } | { broken: string };

/**
 * Receiving by polling (only when the instance's `webhookUrl` is `""`): yields each notification
 * of the instance's queue, with its violations of the spec (a notification that breaks it is
 * handed over all the same, as the webhook receiver does: a refusal would hold the queue for as long as GREEN-API keeps it),
 * and deletes it only once the loop body that handled it finished, when the next one is asked
 * for. A body that throws (or a `break`) leaves it in the queue, to come again. With `receiver`,
 * each notification goes through the receiver instead, and is deleted once it acknowledged it.
 * An empty answer counts as an empty queue. Failures that pass (a lost connection, 429, 5xx) are
 * waited out, `retryDelayMs` apart: a failed deleteNotification is asked again for the same
 * receipt before anything else, so that a handled notification is never handed over twice. Any
 * other failure (a wrong token: 401) is thrown as the client's error, secrets masked.
 *
 * ```ts
 * for await (const { body, violations } of receiveNotifications(instance, { signal })) await handle(body);
 * ```
 */
export async function* receiveNotifications(
  instance: Pick<InstanceClient, "receiveNotification" | "deleteNotification"> &
    Partial<Pick<InstanceClient, "raw" | "idInstance">>,
  options: ReceiveNotificationsOptions = {},
): AsyncGenerator<ReceivedNotification, void, undefined> {
  const { signal, receiver, onError = () => {} } = options;
  const receiveTimeout = options.receiveTimeout ?? op.poll!.receiveTimeout;
  const retryDelayMs = options.retryDelayMs ?? op.poll!.retryDelayMs;
  wholeMs(retryDelayMs, "retryDelayMs", "receiveNotifications", MIN_RECEIVE_MS);
  const answers = captureAnswers(instance);
  const pause = (ms: number) => sleep(ms, signal);
  try {
    while (!signal?.aborted) {
      const started = Date.now();
      const read = await receiveOne(instance, receiveTimeout, signal, answers);
      if (read === "stop") return;
      if (read === "retry" || "broken" in read) {
        if (read !== "retry") report(onError, webhookError(200, "unreadable", `receiveNotification: ${read.broken}`));
        if (!(await pause(retryDelayMs))) return;
        continue;
      }
      if ("empty" in read) {
        // The queue was empty for receiveTimeout seconds; a server that answers at once is not polled faster than once a second.
        const early = MIN_RECEIVE_MS - (Date.now() - started);
        if (early > 0 && !(await pause(early))) return;
        continue;
      }
      const { receiptId, body } = read;
      if (receiver) {
        const receipt = await receiver.receive(body);
        if (!receipt.acknowledged) {
          yield { receiptId, body: body as Notification, violations: receipt.violations, key: receipt.key, receipt };
          if (!(await pause(retryDelayMs))) return; // left in the queue: it comes again
          continue;
        }
        if (!(await remove(instance, receiptId, retryDelayMs, signal))) return;
        // A body that is not a JSON object was acknowledged (the receiver's onError has it): never handed over as a Notification.
        if (isObject(body))
          yield { receiptId, body: body as Notification, violations: receipt.violations, key: receipt.key, receipt };
        continue;
      }
      if (!isObject(body)) {
        const message = "receiveNotification: a queued body that is not a JSON object was deleted, not handed over";
        report(onError, webhookError(200, "not-json", message, { body }));
      } else yield { receiptId, body: body as Notification, ...inspect(body) };
      // Reached only when the next one is asked for: the one yielded was handled.
      if (!(await remove(instance, receiptId, retryDelayMs, signal))) return;
    }
  } finally {
    answers.stop();
  }
}

/** One receiveNotification: its notification, `empty`, `retry` (waited out), `stop` (aborted), or what could not be read. */
async function receiveOne(
  instance: Pick<InstanceClient, "receiveNotification">,
  receiveTimeout: number,
  signal: AbortSignal | undefined,
  answers: Captured,
): Promise<Read | "retry" | "stop"> {
  answers.clear();
  const received = await instance.receiveNotification({ receiveTimeout, signal });
  if (!received.error) return received.data === null ? { empty: true } : received.data;
  if (signal?.aborted) return "stop";
  const { error } = received;
  // An answer the contract does not describe: read again, tolerantly, from its own text.
  if (error.kind === "unexpected-response" && error.status === 200) return tolerant(await answers.last());
  if (!notYet(error, op)) throw error;
  return "retry";
}

/** An answer read as GREEN-API may really send it: empty (an empty queue), `null`, or `{receiptId, body}` whatever the body. */
function tolerant(text: string | undefined): Read {
  if (text === undefined)
    return { broken: "an answer outside the contract, and this client's raw answers are out of reach" };
  if (text.trim() === "") return { empty: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { broken: "the answer is not JSON" };
  }
  if (parsed === null) return { empty: true };
  const { receiptId, body } = (isObject(parsed) ? parsed : {}) as { receiptId?: unknown; body?: unknown };
  if (typeof receiptId !== "number" || !Number.isSafeInteger(receiptId))
    return { broken: "the answer has no receiptId, so nothing can be deleted" };
  return { receiptId, body };
}

/**
 * Deletes a handled notification, and keeps at it while the failure may pass (a lost connection,
 * 429, 5xx: `x-transient-statuses`), `retryDelayMs` apart, before anything else is asked: a
 * notification left in the queue would be handed over again. Throws only a failure that cannot
 * pass (401, 403...); resolves whether the loop may go on (`false` once the signal aborted).
 */
async function remove(
  instance: Pick<InstanceClient, "deleteNotification">,
  receiptId: number,
  retryDelayMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  for (;;) {
    const deleted = await instance.deleteNotification({ receiptId }, { signal });
    if (!deleted.error) return true;
    if (signal?.aborted) return false;
    if (!notYet(deleted.error, operations.deleteNotification)) throw deleted.error;
    if (!(await sleep(retryDelayMs, signal))) return false;
  }
}

interface Captured {
  clear(): void;
  /** The text of the last receiveNotification answer (200) of this instance, when the client's raw answers are in reach. */
  last(): Promise<string | undefined>;
  stop(): void;
}

const decoder = new TextDecoder();

/**
 * Keeps a copy of this instance's receiveNotification answers, through the client's public
 * middleware (`raw.use`), while the loop runs: the client hands an answer outside the contract
 * back as an `unexpected-response` error with an excerpt only, and the loop needs the whole body.
 */
function captureAnswers(instance: Partial<Pick<InstanceClient, "raw" | "idInstance">>): Captured {
  let last: Promise<string | undefined> | undefined;
  const { raw, idInstance } = instance;
  if (!raw || typeof raw.use !== "function") return { clear() {}, last: () => Promise.resolve(undefined), stop() {} };
  const middleware: Middleware = {
    onResponse({ schemaPath, params, response }) {
      if (schemaPath !== op.path || response.status !== 200) return undefined;
      const id = params.path?.idInstance; // another instance's loop on a shared client (partner.instance) is not ours
      if (idInstance !== undefined && id !== undefined && String(id) !== String(idInstance)) return undefined;
      const copy = response.clone();
      last = readBytes(copy.body, op.maxResponseBytes).then(
        (read) => ("bytes" in read ? decoder.decode(read.bytes) : undefined),
        () => undefined,
      );
      return undefined;
    },
  };
  raw.use(middleware);
  return {
    clear: () => void (last = undefined),
    last: () => last ?? Promise.resolve(undefined),
    stop: () => raw.eject(middleware),
  };
}
