// Receiving notifications by polling (an instance whose webhookUrl is ""): receiveNotification,
// then deleteNotification once the notification was handled.
import * as operations from "../generated/operations.js";
import { type InstanceClient, type ReceiveNotificationAnswer, notYet } from "./instance.js";
import { sleep, wholeMs } from "./timing.js";

/** The shortest cycle of receiveNotifications on an empty queue or after a failure. */
const MIN_RECEIVE_MS = 1_000;

export interface ReceiveNotificationsOptions {
  /** How long GREEN-API holds each request open for a notification, in seconds (5 to 60). Default 20. */
  receiveTimeout?: number | undefined;
  /** Pause after a failed read (a lost connection, a 5xx), in milliseconds; at least 1000. Default 5000. An empty queue is asked at most once a second. */
  retryDelayMs?: number | undefined;
  /** Ends the iteration (the notification being handled is not deleted). */
  signal?: AbortSignal | undefined;
}

/** One notification received by polling: `body` is what a webhook would have posted. */
export type ReceivedNotification = NonNullable<ReceiveNotificationAnswer>;

/**
 * Receiving by polling (only when the instance's `webhookUrl` is `""`): yields each notification
 * of the instance's queue, and deletes it only once the loop body that handled it finished, when
 * the next one is asked for. A body that throws (or a `break`) leaves it in the queue, to come
 * again. Failures that pass (a lost connection, 429, 5xx) are waited out; any other failure (a
 * wrong token: 401) is thrown as the client's error, secrets masked.
 *
 * ```ts
 * for await (const { body } of receiveNotifications(instance, { signal })) await handle(body);
 * ```
 */
export async function* receiveNotifications(
  instance: Pick<InstanceClient, "receiveNotification" | "deleteNotification">,
  options: ReceiveNotificationsOptions = {},
): AsyncGenerator<ReceivedNotification, void, undefined> {
  const { receiveTimeout = 20, retryDelayMs = 5_000, signal } = options;
  wholeMs(retryDelayMs, "retryDelayMs", "receiveNotifications", MIN_RECEIVE_MS);
  while (!signal?.aborted) {
    const started = Date.now();
    const received = await instance.receiveNotification({ receiveTimeout, signal });
    if (received.error) {
      if (signal?.aborted) return;
      if (!notYet(received.error, operations.receiveNotification)) throw received.error;
      if (!(await sleep(retryDelayMs, signal))) return;
      continue;
    }
    if (received.data === null) {
      // The queue was empty for receiveTimeout seconds; a server that answers at once is not polled faster than once a second.
      const early = MIN_RECEIVE_MS - (Date.now() - started);
      if (early > 0 && !(await sleep(early, signal))) return;
      continue;
    }
    yield received.data;
    // Reached only when the next one is asked for: the one yielded was handled.
    const deleted = await instance.deleteNotification({ receiptId: received.data.receiptId }, { signal });
    if (deleted.error && !signal?.aborted) throw deleted.error;
  }
}
