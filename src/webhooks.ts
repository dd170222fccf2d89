// `green-api-partner/webhooks`: the receiver of the notifications GREEN-API POSTs to an instance's
// `webhookUrl`, as a pipeline of small steps over one core (src/webhooks-*.ts):
//   webhooks-http.ts   method and media type -> body read with bounds -> token (constant time) -> JSON
//   webhooks-core.ts   inspect (violations are listed, never refused; the key) -> claim -> dispatch -> complete or release
// `receiver.receive(notification)` is the core without HTTP: polling (`receiveNotifications` with
// a receiver) and tests feed it directly, so handlers and de-duplication are the same every way.
// GREEN-API removes a notification from its queue only on a 200, and resends after any other
// answer: so a 200 goes back only once every handler resolved, and nothing here answers 4xx for
// the contract's sake (a 4xx would hold up that instance's queue, it never lets a resend succeed);
// an authenticated body that is not a JSON object is acknowledged with 200 and handed to onError.
// It imports no client code: a receiver-only service bundles no openapi-fetch.
import { validateWebhookUrlToken } from "../generated/validators.js";
import { messageTypes, webhookDelivery, webhookTypes, webhookUrlTokenRule } from "../generated/webhooks.js";
import { wholeMs } from "./timing.js";
import { createReceiverCore } from "./webhooks-core.js";
import { createHttpHandler } from "./webhooks-http.js";
import type {
  KnownMessageData,
  KnownNotification,
  Notification,
  WebhookReceiver,
  WebhookReceiverOptions,
} from "./webhooks-types.js";
import { memoryStore } from "./webhooks-stores.js";

export type {
  DedupStore,
  Delivery,
  Handler,
  KnownMessageData,
  KnownNotification,
  Notification,
  NotificationOf,
  Receipt,
  StoreOptions,
  TypeWebhook,
  Violation,
  WebhookError,
  WebhookReceiver,
  WebhookReceiverOptions,
} from "./webhooks-types.js";
export { memoryStore, redisStore, type RedisCommand } from "./webhooks-stores.js";

/** Whether a notification is of a `typeWebhook` the spec knows: then it narrows on `typeWebhook`. */
export function isKnownNotification(notification: Notification): notification is KnownNotification {
  return (webhookTypes as readonly string[]).includes(notification.typeWebhook);
}

/** Whether a message's `messageData` is of a `typeMessage` the spec knows: then it narrows on `typeMessage`. */
export function isKnownMessageData(messageData: { typeMessage: string }): messageData is KnownMessageData {
  return (messageTypes as readonly string[]).includes(messageData.typeMessage);
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Room left for the store and the network within GREEN-API's answer window: the handlers get the rest. */
const STORE_AND_NETWORK_MS = 30_000;
const STORE_TIMEOUT_MS = 5_000;
const BODY_TIMEOUT_MS = 30_000;

/**
 * A receiver for GREEN-API's webhooks: `on`/`onAny` handlers, then `fetch` (web-standard) or
 * `node` (node:http, Express) as the route's handler, or `receive` for a notification from
 * elsewhere. Throws a TypeError naming the rule for an option that breaks it (a `webhookUrlToken`
 * that could never match, a timeout that is not a whole number of milliseconds).
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const {
    webhookUrlToken,
    maxBodyBytes = MAX_BODY_BYTES,
    handlerTimeoutMs = webhookDelivery.answerWithinMs - STORE_AND_NETWORK_MS,
    storeTimeoutMs = STORE_TIMEOUT_MS,
    bodyTimeoutMs = BODY_TIMEOUT_MS,
    onError = () => {},
  } = options ?? ({} as WebhookReceiverOptions);
  wholeMs(handlerTimeoutMs, "handlerTimeoutMs", "");
  wholeMs(storeTimeoutMs, "storeTimeoutMs", "");
  wholeMs(bodyTimeoutMs, "bodyTimeoutMs", "");
  if (
    webhookUrlToken !== false &&
    typeof webhookUrlToken !== "function" &&
    (typeof webhookUrlToken !== "string" || webhookUrlToken === "")
  )
    throw new TypeError(
      "webhookUrlToken must be a non-empty string, a function of idInstance, or false (no token check)",
    );
  // Refused here, never printed: GREEN-API could not send it byte for byte, so no delivery would match.
  if (typeof webhookUrlToken === "string" && !validateWebhookUrlToken(webhookUrlToken))
    throw new TypeError(`createWebhookReceiver: webhookUrlToken ${webhookUrlTokenRule}`);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new TypeError("maxBodyBytes must be a whole number above 0");
  if (typeof onError !== "function") throw new TypeError("onError must be a function");
  const store = options.store === undefined ? memoryStore() : options.store;
  const core = createReceiverCore({ store, handlerTimeoutMs, storeTimeoutMs, onError });
  const http = createHttpHandler(core, {
    webhookUrlToken,
    maxBodyBytes,
    bodyTimeoutMs,
    storeTimeoutMs,
    tokenRule: webhookUrlTokenRule,
    onError,
  });
  const receiver: WebhookReceiver = {
    on(typeWebhook, handler) {
      core.on(typeWebhook, handler as never);
      return receiver;
    },
    onAny(handler) {
      core.onAny(handler);
      return receiver;
    },
    receive: core.receive,
    fetch: http.fetch,
    node: http.node,
  };
  return receiver;
}
