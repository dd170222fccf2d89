// What a notification is, read without trusting it: its de-duplication key and its violations of
// the spec. Neither throws, whatever JSON it is given (a lone surrogate, a huge number, a proxy
// aside). Shared by the HTTP receiver and polling, so that both read a notification alike.
import { type Validator, validateNotification } from "../generated/validators.js";
import { dedupKeys, webhookValidators } from "../generated/webhooks.js";
import { check } from "./validation.js";
import type { Delivery, Violation, WebhookError } from "./webhooks-types.js";

/** Per typeWebhook, the spec's JSON Pointers (RFC 6901) as lists of property names, parsed once. */
const keyPaths = new Map<string, string[][]>(
  Object.entries(dedupKeys as Record<string, readonly string[]>).map(([type, pointers]) => [
    type,
    pointers.map((pointer) =>
      pointer
        .split("/")
        .slice(1)
        .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~")),
    ),
  ]),
);

/** The value a parsed path names in a parsed body, own properties only. */
function at(value: unknown, path: string[]): unknown {
  for (const name of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/**
 * `typeWebhook:["value",…]` from the values the spec names for its type; none when a value is
 * missing or is not an exact string, boolean or safe integer. The values are written as JSON,
 * which is one-to-one and never throws (a lone surrogate is escaped, where encodeURIComponent
 * would throw URIError).
 */
export function keyOf(notification: object): string | undefined {
  const type = (notification as { typeWebhook?: unknown }).typeWebhook;
  const paths = typeof type === "string" ? keyPaths.get(type) : undefined;
  if (!paths) return undefined;
  const values: unknown[] = [];
  for (const path of paths) {
    const value = at(notification, path);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return undefined;
    // A number JSON.parse may have rounded (an id beyond 2^53 − 1, 1e400, a fraction; the spec's
    // key numbers are integers) could merge two notifications' keys: no key, so it is dispatched.
    if (typeof value === "number" && !Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  return `${type}:${JSON.stringify(values)}`;
}

const validators = webhookValidators as Record<string, Validator | undefined>;

/** A known type is checked against its own schema alone (so only its own rules are listed), any other against the open fallback. */
export function violationsOf(notification: object): Violation[] {
  const type = (notification as { typeWebhook?: unknown }).typeWebhook;
  const validate =
    (typeof type === "string" && Object.hasOwn(validators, type) && validators[type]) || validateNotification;
  return check(validate, notification, "body", "the notification");
}

/** What the receiver knows of a notification besides its body. */
export function inspect(notification: object): Delivery {
  return { violations: violationsOf(notification), key: keyOf(notification) };
}

/** Whether `value` is a notification's shape at all: a JSON object. */
export function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function webhookError(
  status: number,
  reason: WebhookError["reason"],
  message: string,
  more: { cause?: unknown; key?: string | undefined; body?: unknown } = {},
): WebhookError {
  const error = new Error(message, "cause" in more ? { cause: more.cause } : undefined) as WebhookError;
  error.name = "WebhookError";
  Object.assign(error, { status, reason });
  if (more.key !== undefined) error.key = more.key;
  if ("body" in more) error.body = more.body;
  return error;
}

/** Hands `error` to `onError`; whatever onError does (throws, rejects) never reaches the receiver. */
export function report(onError: (error: WebhookError) => unknown, error: WebhookError): WebhookError {
  try {
    const returned = onError(error) as { then?: unknown } | undefined;
    if (returned && typeof returned.then === "function") (returned as PromiseLike<unknown>).then(undefined, () => {}); // an async onError that rejects is no unhandled rejection
  } catch {
    // a throwing onError must not change the answer GREEN-API gets
  }
  return error;
}
