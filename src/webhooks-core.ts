// The receiver's core: one notification, already read and authenticated, through
//   inspect (violations, key) -> claim its key -> dispatch to the handlers -> complete or release
// to a Receipt. Named steps over one state object (as @octokit/webhooks' receive is), each
// testable alone. Every step that calls code not ours (the store, the handlers) is bounded in
// time, so a receipt always comes. The HTTP adapters and polling both end here.
import { webhookTypes } from "../generated/webhooks.js";
import { inspect, isObject, report, webhookError } from "./webhooks-inspect.js";
import type { DedupStore, Delivery, Handler, Notification, Receipt, WebhookError } from "./webhooks-types.js";

export interface CoreSettings {
  store: DedupStore | false;
  handlerTimeoutMs: number;
  storeTimeoutMs: number;
  onError: (error: WebhookError) => unknown;
}

/** The receiver's state: its settings and its handlers, shared by every step. */
export interface CoreState extends CoreSettings {
  handlers: Map<string, Handler<Notification>[]>;
  anyHandlers: Handler<Notification>[];
}

/** How a step that may be slow came out: its value, what it threw, or `late` (its later outcome is ignored). */
export type Settled<T> = { value: T } | { error: unknown } | { late: Promise<T> };

/** Why a receipt is not `handled`: the HTTP status, the reason word, the message (for onError and the answer). */
type Why = [status: number, reason: WebhookError["reason"], message: string];

const NO_DELIVERY: Delivery = { violations: [], key: undefined };
const RAN: Settled<void> = { value: undefined };
const NO_HANDLERS: Handler<Notification>[] = [];
const RESEND = "GREEN-API will resend";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Runs `step` and waits at most `ms` for it. A value that is not a promise is taken at once, with
 * no timer (the memory store answers so). A later rejection is never unhandled.
 */
export function within<T>(step: () => T | PromiseLike<T>, ms: number): Settled<T> | Promise<Settled<T>> {
  let result: T | PromiseLike<T>;
  try {
    result = step();
  } catch (error) {
    return { error };
  }
  if (!isThenable(result)) return { value: result as T };
  const promise = Promise.resolve(result);
  return new Promise<Settled<T>>((resolve) => {
    const timer = setTimeout(() => resolve({ late: promise }), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve({ value })),
      (error: unknown) => (clearTimeout(timer), resolve({ error })),
    );
  });
}

export function receiptOf(status: Receipt["status"], delivery: Delivery, error?: WebhookError): Receipt {
  const made: Receipt = {
    status,
    acknowledged: status === "handled" || status === "duplicate" || status === "unreadable",
    violations: delivery.violations,
    key: delivery.key,
  };
  if (error) made.error = error;
  return made;
}

/** A receipt that is not `handled`, its error handed to onError first. */
function refused(
  state: CoreState,
  status: Receipt["status"],
  delivery: Delivery,
  [httpStatus, reason, message]: Why,
  more: { cause?: unknown; body?: unknown } = {},
): Receipt {
  const error = webhookError(httpStatus, reason, message, { ...more, key: delivery.key });
  return receiptOf(status, delivery, report(state.onError, error));
}

const internal = (state: CoreState, delivery: Delivery, error: unknown) =>
  refused(state, "failed", delivery, [500, "internal", `The receiver failed; ${RESEND}`], { cause: error });

/** A body that can never be a notification: acknowledged (GREEN-API's queue moves on), never dispatched, handed to onError with the body. */
export function unreadable(state: CoreState, message: string, body: unknown): Receipt {
  return refused(state, "unreadable", NO_DELIVERY, [200, "not-json", message], { body });
}

/**
 * The pipeline; never throws nor rejects. Each step answers at once when what it calls does (the
 * memory store, synchronous handlers): then no promise, no timer, and the receipt comes back as
 * a value (the HTTP adapters take it so; `receive` wraps it in a promise).
 */
export function run(state: CoreState, notification: unknown): Receipt | Promise<Receipt> {
  if (!isObject(notification))
    return unreadable(state, "The body is not a JSON object; it is acknowledged, not dispatched", notification);
  let delivery = NO_DELIVERY;
  try {
    delivery = inspect(notification);
    const known = delivery;
    const { store } = state;
    const key = delivery.key;
    const claimed = store && key !== undefined ? within(() => store.claim(key), state.storeTimeoutMs) : undefined;
    const next =
      claimed instanceof Promise
        ? claimed.then((c) => afterClaim(state, notification as Notification, known, c))
        : afterClaim(state, notification as Notification, known, claimed);
    return next instanceof Promise ? next.catch((error: unknown) => internal(state, known, error)) : next;
  } catch (error) {
    return internal(state, delivery, error);
  }
}

/** Dispatches a notification claimed (or one with no key, or no store), then records the outcome. */
function afterClaim(
  state: CoreState,
  notification: Notification,
  delivery: Delivery,
  claimed: Settled<"new" | "done" | "busy"> | undefined,
): Receipt | Promise<Receipt> {
  const ended = claimed && claimOutcome(state, delivery, claimed);
  if (ended) return ended;
  const ran = dispatch(state, notification, delivery);
  return ran instanceof Promise ? ran.then((r) => finish(state, r, delivery)) : finish(state, ran, delivery);
}

/** What a claim came to: undefined to go on, or the receipt that ends the delivery here. */
export function claimOutcome(
  state: CoreState,
  delivery: Delivery,
  claimed: Settled<"new" | "done" | "busy">,
): Receipt | undefined {
  if ("value" in claimed) {
    if (claimed.value === "new") return undefined;
    if (claimed.value === "done") return receiptOf("duplicate", delivery);
    return refused(state, "busy", delivery, [503, "in-progress", `Being handled by another receiver; ${RESEND}`]);
  }
  const { store, storeTimeoutMs } = state;
  if ("late" in claimed) {
    // Claimed after the answer: freed at once, so that the resend is not `busy` for a whole lease.
    const key = delivery.key!;
    claimed.late.then(
      (late) => late === "new" && store && within(() => store.release(key), storeTimeoutMs),
      () => {},
    );
    const message = `The de-duplication store did not answer within ${storeTimeoutMs} ms; ${RESEND}`;
    return refused(state, "failed", delivery, [503, "store", message]);
  }
  return refused(state, "failed", delivery, [503, "store", `The de-duplication store failed; ${RESEND}`], {
    cause: claimed.error,
  });
}

/** Runs every handler of the notification's type and onAny's; any one failing fails the delivery (GREEN-API resends it to all). */
export function dispatch(
  state: CoreState,
  notification: Notification,
  delivery: Delivery,
): Settled<void> | Promise<Settled<void>> {
  const type = (notification as { typeWebhook?: unknown }).typeWebhook;
  const own = (typeof type === "string" && state.handlers.get(type)) || NO_HANDLERS;
  let failed: { error: unknown } | undefined;
  let pending: PromiseLike<unknown>[] | undefined;
  for (const handler of own.length ? [...own, ...state.anyHandlers] : state.anyHandlers) {
    try {
      const result = handler(notification, delivery);
      if (isThenable(result)) (pending ??= []).push(result);
    } catch (error) {
      failed ??= { error };
    }
  }
  if (!pending) return failed ?? RAN;
  const all = pending;
  return within(async () => {
    const settled = await Promise.allSettled(all);
    if (failed) throw failed.error;
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  }, state.handlerTimeoutMs);
}

/** Records the outcome in the store, bounded; the receipt follows the handlers, never the store. */
export function finish(state: CoreState, ran: Settled<void>, delivery: Delivery): Receipt | Promise<Receipt> {
  const { key } = delivery;
  const tracked = state.store && key !== undefined ? state.store : undefined;
  if ("value" in ran) {
    // Handled: a store that fails or hangs now is reported, and the answer is 200 all the same
    // (a 503 would have GREEN-API resend a notification already handled). The claim is left to its lease.
    if (!tracked) return receiptOf("handled", delivery);
    const stored = storeStep(state, () => tracked.complete(key!), 200, "complete", key!);
    return stored instanceof Promise
      ? stored.then((error) => receiptOf("handled", delivery, error))
      : receiptOf("handled", delivery, stored);
  }
  const late = "late" in ran;
  const why: Why = late
    ? [503, "timeout", `Handlers took longer than ${state.handlerTimeoutMs} ms; ${RESEND}`]
    : [500, "handler", `A handler failed; ${RESEND}`];
  const result = refused(state, late ? "timeout" : "failed", delivery, why, "error" in ran ? { cause: ran.error } : {});
  if (!tracked) return result;
  // Freed, so that GREEN-API's resend is dispatched again (a handler still running does not mark it handled).
  const released = storeStep(state, () => tracked.release(key!), why[0], "release", key!);
  return released instanceof Promise ? released.then(() => result) : result;
}

/** One store call after the handlers, bounded; its failure is reported (and returned), never thrown. */
function storeStep(state: CoreState, step: () => unknown, status: number, what: string, key: string) {
  const failure = (done: Settled<unknown>) => {
    if ("value" in done) return undefined;
    const message =
      "late" in done
        ? `The de-duplication store did not ${what} within ${state.storeTimeoutMs} ms, after the handlers ran`
        : `The de-duplication store failed to ${what}, after the handlers ran`;
    const more = "error" in done ? { cause: done.error, key } : { key };
    return report(state.onError, webhookError(status, "store", message, more));
  };
  const done = within(step, state.storeTimeoutMs);
  return done instanceof Promise ? done.then(failure) : failure(done);
}

/** The core over its state: handlers added by `on`/`onAny`, notifications taken by `receive`/`run`. */
export function createReceiverCore(settings: CoreSettings) {
  const state: CoreState = { ...settings, handlers: new Map(), anyHandlers: [] };
  return {
    state,
    run: (notification: unknown) => run(state, notification),
    /** The notification's whole way through the receiver, as a promise that never rejects. */
    receive(notification: unknown): Promise<Receipt> {
      const receipt = run(state, notification);
      return receipt instanceof Promise ? receipt : Promise.resolve(receipt);
    },
    unreadable: (message: string, body: unknown) => unreadable(state, message, body),
    on(typeWebhook: string, handler: Handler<never>) {
      if (!(webhookTypes as readonly string[]).includes(typeWebhook))
        throw new TypeError(`${JSON.stringify(typeWebhook)} is not a typeWebhook of the spec: use onAny for it`);
      if (typeof handler !== "function") throw new TypeError("a handler must be a function");
      state.handlers.set(typeWebhook, [...(state.handlers.get(typeWebhook) ?? []), handler as Handler<Notification>]);
    },
    onAny(handler: Handler<Notification>) {
      if (typeof handler !== "function") throw new TypeError("a handler must be a function");
      state.anyHandlers.push(handler);
    },
  };
}

export type ReceiverCore = ReturnType<typeof createReceiverCore>;
