// The receiver's core: one notification, already read and authenticated, through
//   inspect (violations, key) -> claim its key -> dispatch to the handlers -> complete or release
// to a Receipt. Every step that calls code not ours (the store, the handlers) is bounded in time,
// so a receipt always comes. The HTTP adapters and polling both end here.
import { webhookTypes } from "../generated/webhooks.js";
import { inspect, isObject, report, webhookError } from "./webhooks-inspect.js";
import type { DedupStore, Delivery, Handler, Notification, Receipt, WebhookError } from "./webhooks-types.js";

export interface CoreSettings {
  store: DedupStore | false;
  handlerTimeoutMs: number;
  storeTimeoutMs: number;
  onError: (error: WebhookError) => unknown;
}

/** How a step that may be slow came out: its value, what it threw, or `late` (its later outcome is ignored). */
export type Settled<T> = { value: T } | { error: unknown } | { late: Promise<T> };

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

export function createReceiverCore(settings: CoreSettings) {
  const { store, handlerTimeoutMs, storeTimeoutMs, onError } = settings;
  const handlers = new Map<string, Handler<Notification>[]>();
  const anyHandlers: Handler<Notification>[] = [];
  const noHandlers: Handler<Notification>[] = [];
  const NO_DELIVERY: Delivery = { violations: [], key: undefined };
  const RAN: Settled<void> = { value: undefined };

  const receipt = (status: Receipt["status"], delivery: Delivery, error?: WebhookError): Receipt => {
    const made: Receipt = {
      status,
      acknowledged: status === "handled" || status === "duplicate" || status === "unreadable",
      violations: delivery.violations,
      key: delivery.key,
    };
    if (error) made.error = error;
    return made;
  };
  const refused = (
    status: Receipt["status"],
    delivery: Delivery,
    [httpStatus, reason, message]: [number, WebhookError["reason"], string],
    more: { cause?: unknown; body?: unknown } = {},
  ) =>
    receipt(
      status,
      delivery,
      report(onError, webhookError(httpStatus, reason, message, { ...more, key: delivery.key })),
    );

  /** A body that can never be a notification: acknowledged (GREEN-API's queue moves on), never dispatched, handed to onError with the body. */
  function unreadable(message: string, body: unknown): Receipt {
    return refused("unreadable", { violations: [], key: undefined }, [200, "not-json", message], { body });
  }

  const internal = (delivery: Delivery, error: unknown) =>
    refused("failed", delivery, [500, "internal", "The receiver failed; GREEN-API will resend"], { cause: error });

  /** The notification's whole way through the receiver, as a promise that never rejects. */
  function receive(notification: unknown): Promise<Receipt> {
    const receipt = run(notification);
    return receipt instanceof Promise ? receipt : Promise.resolve(receipt);
  }

  /**
   * The pipeline; never throws nor rejects. Each step answers at once when what it calls does (the
   * memory store, synchronous handlers): then no promise, no timer, and the receipt comes back as
   * a value (the HTTP adapters take it so).
   */
  function run(notification: unknown): Receipt | Promise<Receipt> {
    if (!isObject(notification))
      return unreadable("The body is not a JSON object; it is acknowledged, not dispatched", notification);
    let delivery: Delivery = NO_DELIVERY;
    try {
      delivery = inspect(notification);
      const known = delivery;
      const key = delivery.key;
      const claimed = store && key !== undefined ? within(() => store.claim(key), storeTimeoutMs) : undefined;
      const next =
        claimed instanceof Promise
          ? claimed.then((c) => afterClaim(notification as Notification, known, c))
          : afterClaim(notification as Notification, known, claimed);
      return next instanceof Promise ? next.catch((error: unknown) => internal(known, error)) : next;
    } catch (error) {
      return internal(delivery, error);
    }
  }

  /** Dispatches a notification claimed (or one with no key, or no store), then records the outcome. */
  function afterClaim(
    notification: Notification,
    delivery: Delivery,
    claimed: Settled<"new" | "done" | "busy"> | undefined,
  ): Receipt | Promise<Receipt> {
    const ended = claimed && claimOutcome(store as DedupStore, delivery, claimed);
    if (ended) return ended;
    const ran = dispatch(notification, delivery);
    return ran instanceof Promise ? ran.then((r) => finish(r, delivery)) : finish(ran, delivery);
  }

  /** What a claim came to: undefined to go on, or the receipt that ends the delivery here. */
  function claimOutcome(
    store: DedupStore,
    delivery: Delivery,
    claimed: Settled<"new" | "done" | "busy">,
  ): Receipt | undefined {
    const key = delivery.key!;
    if ("value" in claimed) {
      if (claimed.value === "new") return undefined;
      if (claimed.value === "done") return receipt("duplicate", delivery);
      return refused("busy", delivery, [
        503,
        "in-progress",
        "Being handled by another receiver; GREEN-API will resend",
      ]);
    }
    if ("late" in claimed) {
      // Claimed after the answer: freed at once, so that the resend is not `busy` for a whole lease.
      claimed.late.then(
        (late) => late === "new" && within(() => store.release(key), storeTimeoutMs),
        () => {},
      );
      return refused("failed", delivery, [
        503,
        "store",
        `The de-duplication store did not answer within ${storeTimeoutMs} ms; GREEN-API will resend`,
      ]);
    }
    return refused("failed", delivery, [503, "store", "The de-duplication store failed; GREEN-API will resend"], {
      cause: claimed.error,
    });
  }

  /** Runs every handler of the notification's type and onAny's; any one failing fails the delivery (GREEN-API resends it to all). */
  function dispatch(notification: Notification, delivery: Delivery): Settled<void> | Promise<Settled<void>> {
    const type = (notification as { typeWebhook?: unknown }).typeWebhook;
    const own = (typeof type === "string" && handlers.get(type)) || noHandlers;
    let failed: { error: unknown } | undefined;
    let pending: PromiseLike<unknown>[] | undefined;
    for (const handler of own.length ? [...own, ...anyHandlers] : anyHandlers) {
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
    }, handlerTimeoutMs);
  }

  /** Records the outcome in the store, bounded; the receipt follows the handlers, never the store. */
  function finish(ran: Settled<void>, delivery: Delivery): Receipt | Promise<Receipt> {
    const { key } = delivery;
    const tracked = store && key !== undefined ? store : undefined;
    if ("value" in ran) {
      // Handled: a store that fails or hangs now is reported, and the answer is 200 all the same
      // (a 503 would have GREEN-API resend a notification already handled). The claim is left to its lease.
      if (!tracked) return receipt("handled", delivery);
      const stored = storeStep(() => tracked.complete(key!), 200, "complete", key!);
      return stored instanceof Promise
        ? stored.then((error) => receipt("handled", delivery, error))
        : receipt("handled", delivery, stored);
    }
    const [status, httpStatus, reason, message]: [Receipt["status"], number, WebhookError["reason"], string] =
      "late" in ran
        ? ["timeout", 503, "timeout", `Handlers took longer than ${handlerTimeoutMs} ms; GREEN-API will resend`]
        : ["failed", 500, "handler", "A handler failed; GREEN-API will resend"];
    const result = refused(status, delivery, [httpStatus, reason, message], "error" in ran ? { cause: ran.error } : {});
    if (!tracked) return result;
    // Freed, so that GREEN-API's resend is dispatched again (a handler still running does not mark it handled).
    const released = storeStep(() => tracked.release(key!), httpStatus, "release", key!);
    return released instanceof Promise ? released.then(() => result) : result;
  }

  /** One store call after the handlers, bounded; its failure is reported (and returned), never thrown. */
  function storeStep(step: () => unknown, status: number, what: string, key: string) {
    const done = within(step, storeTimeoutMs);
    return done instanceof Promise
      ? done.then((d) => storeFailure(d, status, what, key))
      : storeFailure(done, status, what, key);
  }
  function storeFailure(done: Settled<unknown>, status: number, what: string, key: string) {
    if ("value" in done) return undefined;
    const message =
      "late" in done
        ? `The de-duplication store did not ${what} within ${storeTimeoutMs} ms, after the handlers ran`
        : `The de-duplication store failed to ${what}, after the handlers ran`;
    return report(
      onError,
      webhookError(status, "store", message, "error" in done ? { cause: done.error, key } : { key }),
    );
  }

  function on(typeWebhook: string, handler: Handler<never>) {
    if (!(webhookTypes as readonly string[]).includes(typeWebhook))
      throw new TypeError(`${JSON.stringify(typeWebhook)} is not a typeWebhook of the spec: use onAny for it`);
    if (typeof handler !== "function") throw new TypeError("a handler must be a function");
    handlers.set(typeWebhook, [...(handlers.get(typeWebhook) ?? []), handler as Handler<Notification>]);
  }
  function onAny(handler: Handler<Notification>) {
    if (typeof handler !== "function") throw new TypeError("a handler must be a function");
    anyHandlers.push(handler);
  }

  return { receive, run, unreadable, on, onAny };
}

export type ReceiverCore = ReturnType<typeof createReceiverCore>;
