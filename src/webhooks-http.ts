// The receiver's HTTP face: one request, whatever server it came through, to one answer.
//   method -> token (a single one, before the body) -> media type -> body read with bounds
//   -> JSON -> token (per instance, from the body) -> the core -> the answer
// Nothing here throws out of `fetch` or `node`: any failure becomes an answer and an onError call.
import { webhookDelivery } from "../generated/webhooks.js";
import { validateWebhookUrlToken } from "../generated/validators.js";
import { joinBytes, readBytes } from "./bytes.js";
import { type ReceiverCore, within } from "./webhooks-core.js";
import { isObject, report, webhookError } from "./webhooks-inspect.js";
import type { NodeRequest, NodeResponse, Receipt, WebhookError, WebhookReceiverOptions } from "./webhooks-types.js";

/** One request, whatever server it came through. */
export interface Incoming {
  method: string;
  header(name: string): string | undefined;
  /** The body's bytes, `too-large` as soon as they pass `limit`, `too-slow` when they take longer than `ms`. */
  body(limit: number, ms: number): Promise<Uint8Array | "too-large" | "too-slow">;
}

/** An answer, its body encoded once: most answers are the same few texts. */
export interface Answer {
  status: number;
  body: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

export interface HttpSettings {
  webhookUrlToken: WebhookReceiverOptions["webhookUrlToken"];
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  storeTimeoutMs: number;
  tokenRule: string;
  onError: (error: WebhookError) => unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TEXT = "text/plain; charset=utf-8";
/** `application/json`, in any case, with or without parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^\s*application\/json\s*(?:;|$)/i;
const answers = new Map<string, Answer>();
/** The answer for a status and a text, built once per pair: a header object and bytes shared by every request. */
function answer(status: number, text: string, extra?: Record<string, string>): Answer {
  const id = `${status} ${text}`;
  let made = answers.get(id);
  if (!made) {
    const body = encoder.encode(`${text}\n`);
    made = { status, body, headers: { "Content-Type": TEXT, "Content-Length": String(body.byteLength), ...extra } };
    if (answers.size < 100) answers.set(id, made); // messages with a number in them vary with the options only
  }
  return made;
}
const OK = answer(200, "OK");
const ALREADY = answer(200, "Already handled");
const ACKNOWLEDGED = answer(200, "Acknowledged, not dispatched: not a notification");
const ALLOW = { Allow: "POST" };
const RETRY_AFTER = { "Retry-After": String(Math.ceil(webhookDelivery.resendAfterMs / 1000)) };

/** The answer a receipt gets: 200 when acknowledged, the error's status otherwise. */
export function answerOf(receipt: Receipt): Answer {
  if (receipt.status === "handled") return OK;
  if (receipt.status === "duplicate") return ALREADY;
  if (receipt.status === "unreadable") return ACKNOWLEDGED;
  const error = receipt.error!;
  return answer(error.status, error.message, receipt.status === "busy" ? RETRY_AFTER : undefined);
}

/** The HTTP face's state: its settings and the core it feeds. */
interface HttpState extends HttpSettings {
  core: ReceiverCore;
}

/** An answer other than the core's, its error handed to onError first. */
function refuse(
  state: HttpState,
  status: number,
  reason: WebhookError["reason"],
  message: string,
  cause?: unknown,
  extra?: Record<string, string>,
): Answer {
  report(state.onError, webhookError(status, reason, message, cause === undefined ? {} : { cause }));
  return answer(status, message, extra);
}
const unauthorized = (state: HttpState, why = "Missing or wrong webhookUrlToken") =>
  refuse(state, 401, "unauthorized", why);
const internal = (state: HttpState, error: unknown) =>
  refuse(state, 500, "internal", "The receiver failed; GREEN-API will resend", error);

/** Whether the Authorization header carries `expected`. GREEN-API sends `Bearer <token>`; the bare token is accepted too. */
function carries(header: string | undefined, expected: string): boolean {
  if (!header) return false;
  // GREEN-API's own form first, at no cost; any other spacing or case of the scheme through the pattern.
  const given = header.startsWith("Bearer ") ? header.slice(7).trim() : header.replace(/^\s*Bearer\s+/i, "").trim();
  return given !== "" && sameToken(given, expected);
}

/** A token per instance: looked up (bounded) from the body's idInstance; an answer when refused. */
async function lookUp(state: HttpState, header: string | undefined, notification: object): Promise<Answer | undefined> {
  const { storeTimeoutMs } = state;
  const lookup = state.webhookUrlToken as (id: number) => string | undefined | Promise<string | undefined>;
  const id = (notification as { instanceData?: { idInstance?: unknown } }).instanceData?.idInstance;
  if (!Number.isSafeInteger(id)) return unauthorized(state);
  const found = await within(() => lookup(id as number), storeTimeoutMs);
  if ("late" in found) {
    const message = `The webhookUrlToken function did not answer within ${storeTimeoutMs} ms; GREEN-API will resend`;
    return refuse(state, 503, "token-lookup", message);
  }
  if ("error" in found)
    return refuse(
      state,
      503,
      "token-lookup",
      "The webhookUrlToken function failed; GREEN-API will resend",
      found.error,
    );
  const expected = found.value;
  if (typeof expected !== "string" || expected === "") return unauthorized(state);
  if (!validateWebhookUrlToken(expected))
    return unauthorized(
      state,
      `The webhookUrlToken the function gave for this instance ${state.tokenRule}: it can never match`,
    );
  return carries(header, expected) ? undefined : unauthorized(state);
}

/** The request's bytes, or the answer that ends it (too large, too slow, unreadable). */
function bodyOf(state: HttpState, incoming: Incoming): Promise<Uint8Array | Answer> {
  const { maxBodyBytes, bodyTimeoutMs } = state;
  const tooLarge = () => refuse(state, 413, "too-large", `The body is larger than ${maxBodyBytes} bytes`);
  if (Number(incoming.header("content-length")) > maxBodyBytes) return Promise.resolve(tooLarge());
  // One promise chain, no async frame of its own: this runs for every notification.
  return incoming.body(maxBodyBytes, bodyTimeoutMs).then(
    (bytes) => {
      if (bytes === "too-large") return tooLarge();
      if (bytes === "too-slow")
        return refuse(state, 408, "slow-body", `The body did not arrive within ${bodyTimeoutMs} ms`);
      return bytes;
    },
    (error: unknown) => refuse(state, 400, "unreadable", "The body could not be read", error),
  );
}

/** One request to one answer; never rejects (anything thrown is a 500, reported). */
export async function handle(state: HttpState, incoming: Incoming): Promise<Answer> {
  const { webhookUrlToken, core } = state;
  try {
    if (incoming.method !== "POST") return refuse(state, 405, "method", "Only POST is accepted", undefined, ALLOW);
    const authorization = incoming.header("authorization");
    // A single token is checked before the body is even read; a token per instance needs idInstance from it first.
    if (typeof webhookUrlToken === "string" && !carries(authorization, webhookUrlToken)) return unauthorized(state);
    if (!JSON_MEDIA_TYPE.test(incoming.header("content-type") ?? ""))
      return refuse(state, 415, "media-type", "The body must be application/json");
    const bytes = await bodyOf(state, incoming);
    if (!(bytes instanceof Uint8Array)) return bytes;
    const text = decoder.decode(bytes);
    let notification: unknown;
    try {
      notification = JSON.parse(text);
    } catch {
      // Not JSON: a token per instance cannot be checked without idInstance, so it is refused;
      // an authenticated one can never be read, so it is acknowledged (GREEN-API would resend it
      // for as long as it keeps it, holding the instance's queue) and handed to onError with its text.
      if (typeof webhookUrlToken === "function") return unauthorized(state);
      return answerOf(core.unreadable("The body is not JSON; it is acknowledged, not dispatched", text));
    }
    if (typeof webhookUrlToken === "function") {
      if (!isObject(notification)) return unauthorized(state);
      const refused = await lookUp(state, authorization, notification);
      if (refused) return refused;
    }
    const receipt = core.run(notification);
    return answerOf(receipt instanceof Promise ? await receipt : receipt);
  } catch (error) {
    return internal(state, error);
  }
}

/** The web-standard handler. */
async function fetchHandler(state: HttpState, request: Request): Promise<Response> {
  let made: Answer;
  try {
    made = await handle(state, {
      method: request.method,
      header: (name) => request.headers.get(name) ?? undefined,
      body: (limit, ms) => readStream(request.body, limit, ms),
    });
  } catch (error) {
    made = internal(state, error);
  }
  return new Response(made.body, { status: made.status, headers: made.headers });
}

/** The node:http handler: one head with its length and the body in one write (no chunked encoding). */
async function nodeHandler(state: HttpState, req: NodeRequest, res: NodeResponse): Promise<void> {
  let made: Answer;
  try {
    made = await handle(state, {
      method: req.method ?? "",
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      body: (limit, ms) => readNode(req, limit, ms),
    });
  } catch (error) {
    made = internal(state, error);
  }
  const unwritten = (error: unknown) => {
    const message = `The answer (HTTP ${made.status}) could not be written`;
    report(state.onError, webhookError(made.status, "answer", message, { cause: error }));
  };
  try {
    if (res.headersSent || res.writableEnded || res.destroyed)
      throw new Error("the response was already sent or closed");
    // A body left unread (refused early, too large, too slow) closes the connection rather than draining it.
    const headers = req.readableEnded ? made.headers : { ...made.headers, Connection: "close" };
    const ended = res.writeHead(made.status, headers).end(made.body) as { then?: unknown } | undefined;
    // A framework's end() that returns a promise (node:http's does not) is never an unhandled rejection.
    if (ended && typeof ended.then === "function") (ended as PromiseLike<unknown>).then(undefined, unwritten);
  } catch (error) {
    unwritten(error);
  }
}

/** The receiver's two HTTP entry points over its core. */
export function createHttpHandler(core: ReceiverCore, settings: HttpSettings) {
  const state: HttpState = { ...settings, core };
  return {
    fetch: (request: Request) => fetchHandler(state, request),
    node: (req: NodeRequest, res: NodeResponse) => nodeHandler(state, req, res),
  };
}

/**
 * Compares the token given with the one expected in time that depends only on the length given
 * (the sender's), never on the expected token nor on where the two differ. Plain code, so it
 * runs alike in Node, Workers, Deno, Bun and browsers (node:crypto's timingSafeEqual does not).
 */
function sameToken(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i % expected.length);
  return difference === 0;
}

async function readStream(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  ms: number,
): Promise<Uint8Array | "too-large" | "too-slow"> {
  const slow = new AbortController();
  const timer = setTimeout(() => slow.abort(), ms);
  try {
    const read = await readBytes(body, limit, slow.signal);
    return "bytes" in read ? read.bytes : "too-large";
  } catch (error) {
    if (slow.signal.aborted) return "too-slow";
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function readNode(req: NodeRequest, limit: number, ms: number): Promise<Uint8Array | "too-large" | "too-slow"> {
  // Express with a body parser has read the body already: express.raw() leaves bytes,
  // express.text() a string, express.json() the parsed value (written out again here).
  if (req.readableEnded) {
    const { body } = req;
    const bytes =
      body instanceof Uint8Array
        ? body
        : encoder.encode(typeof body === "string" ? body : (JSON.stringify(body) ?? ""));
    return Promise.resolve(bytes.byteLength > limit ? "too-large" : bytes);
  }
  return new Promise<Uint8Array | "too-large" | "too-slow">((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    // A sender that stalls is answered (and its connection closed) instead of holding it open; a
    // body already whole in memory (GREEN-API sends it at once) needs no timer.
    const timer = req.complete === true ? undefined : setTimeout(() => resolve("too-slow"), ms);
    const end = (value: Uint8Array | "too-large") => (clearTimeout(timer), resolve(value));
    req.on("data", (chunk) => {
      if (size > limit) return;
      size += chunk.byteLength;
      if (size > limit) end("too-large");
      else chunks.push(chunk);
    });
    req.on("end", () => end(joinBytes(chunks, size)));
    req.on("error", (error) => (clearTimeout(timer), reject(error)));
    req.resume(); // flowing even if something paused it: a body in memory with no timer must still end
  });
}
