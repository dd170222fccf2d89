// One attempt of a call, in named steps over one `Attempt` record of what happened on the wire:
//   sendAttempt     openapi-fetch builds the request (and runs the caller's middleware)
//   fetchBounded    fetch, sizes checked, a non-2xx body read (bounded) before anything else sees it
//   readSuccess / readFailure (answer.ts)   what the answer means
//   classifyThrown  what a throw means, decided from the wire, never from the error's shape
import type { NetworkError, PartnerResult, Sent, TimeoutError } from "./errors.js";
import { cut, failure, maskedCause } from "./errors.js";
import { fromWire, httpError, readFailure, readSuccess, unexpected, withCause } from "./answer.js";
import { readBytes } from "./bytes.js";
import type { Plan } from "./request.js";
import { untilAborted } from "./timing.js";

/** The call's deadline: its signal (the time limit joined with the caller's), and why it ended. */
export interface Deadline {
  signal: AbortSignal;
  /** `timeout` once the time limit ran out; unset when the caller's signal ended the call. */
  by?: "timeout" | "signal";
  /** When the call's time runs out, in epoch milliseconds. */
  endsAt: number;
  /** Ends the call: its time ran out. */
  expire(): void;
  /** The call ended: its deadline is no longer watched. */
  clear(): void;
}

/** What happened on the wire during one attempt: the facts `sent` and retries are decided from. */
export interface Attempt {
  plan: Plan;
  /** 1 for the first request of the call. */
  number: number;
  deadline: Deadline;
  /** fetch was called: the request may have left. */
  started: boolean;
  /** A status line arrived: the server answered. */
  status?: number;
  headers?: Headers;
  /** The answer's declared Content-Length (`null` when it declared none). */
  length?: string | null;
  /** The body of a non-2xx answer, read (bounded) before anything else could see it. */
  errorText: string;
  /** Our own read of the body failed (the connection broke after the status line). */
  bodyFailed: boolean;
}

/** An attempt's result, and whether it failed in transport (which a method safe to retry may resend). */
export interface Outcome<T> {
  result: PartnerResult<T>;
  transport: boolean;
}

/** The most read of a non-2xx body: enough for any error GREEN-API or a proxy sends. */
const ERROR_BODY_BYTES = 64 * 1024;
/** Errors of a connection that never opened: nothing reached the server. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_INVALID_URL",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Thrown inside an attempt when an answer is larger than the method can need. */
export class TooLarge extends Error {
  constructor(
    readonly status: number,
    readonly limit: number,
    readonly start: string,
  ) {
    super(`the answer is larger than the ${limit} bytes this method can need`);
  }
}

/** Stateless when not streaming, so one serves every call. */
const utf8 = new TextDecoder();

/** Reads a body up to `limit` bytes as text; past it, stops reading, which closes the connection. */
async function readBounded(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
  status: number,
  signal?: AbortSignal,
) {
  const read = await readBytes(body, limit, signal);
  // Decoded once, as fetch's own text() does: per-chunk strings joined cost more memory.
  if ("bytes" in read) return utf8.decode(read.bytes);
  throw new TooLarge(status, limit, utf8.decode(read.tooLarge.subarray(0, 4096)));
}

/** Sends attempt `number` of `plan` and reads its answer; never rejects. */
export async function sendAttempt<T>(plan: Plan, number: number, deadline: Deadline): Promise<Outcome<T>> {
  const attempt: Attempt = { plan, number, deadline, started: false, errorText: "", bodyFailed: false };
  const { op, core } = plan;
  try {
    const { data, response } = await core.raw.request(
      op.method.toLowerCase() as "post",
      op.path as never,
      {
        baseUrl: plan.baseUrl,
        params: plan.params,
        body: plan.body as never,
        bodySerializer: (serialised: unknown) => serialised as string, // serialised once, in prepare()
        parseAs: "stream",
        // Following a redirect would send the call, and the token, a second time.
        redirect: "manual",
        // A fetch of the caller's gets the deadline on its Request (honour it); the global fetch
        // gets it at the call (fetchBounded), so that its own Request follows it directly: one
        // signal followed fewer per call.
        signal: core.customFetch ? deadline.signal : undefined,
        fetch: (request: Request) => fetchBounded(attempt, request),
      } as never,
    );
    // The status that arrived (a copy of the answer cannot carry one outside 200-599).
    if (!response.ok)
      return { result: readFailure(attempt, attempt.status ?? response.status, response.headers), transport: false };
    let text: string;
    try {
      text = await readSuccessText(attempt, data as ReadableStream<Uint8Array> | undefined, response);
    } catch (thrown) {
      if (thrown instanceof TooLarge)
        return {
          result: unexpected(attempt, thrown.message, thrown.start, response.status, response.headers),
          transport: false,
        };
      attempt.bodyFailed = true;
      throw thrown;
    }
    return { result: readSuccess<T>(attempt, text, response.status, response.headers), transport: false };
  } catch (thrown) {
    return classifyThrown<T>(attempt, thrown);
  }
}

/**
 * The fetch openapi-fetch calls: records that the request may have left and what answered,
 * refuses an answer larger than the method can need (before openapi-fetch reads it whole), and
 * reads a non-2xx body (bounded) into `attempt.errorText`, handing openapi-fetch a copy.
 */
async function fetchBounded(attempt: Attempt, request: Request): Promise<Response> {
  const { plan, deadline } = attempt;
  const customFetch = plan.core.customFetch;
  attempt.started = true;
  // The global fetch ends on the Request's signal; any other is raced with it too (and a fetch
  // that answers synchronously, or throws, is still a promise here).
  const response = customFetch
    ? await untilAborted(
        Promise.resolve().then(() => customFetch(request)),
        deadline.signal,
      )
    : await globalThis.fetch(request, { signal: deadline.signal });
  attempt.status = response.status;
  attempt.headers = response.headers;
  attempt.length = response.headers.get("Content-Length");
  const length = Number(attempt.length ?? 0);
  const most = response.ok ? plan.op.maxResponseBytes : ERROR_BODY_BYTES;
  if (length > most) {
    await response.body?.cancel().catch(() => {}); // closes the connection
    throw new TooLarge(response.status, most, "");
  }
  if (response.ok || !response.body || response.status < 200) return response;
  try {
    attempt.errorText = await readBounded(response.body, most, response.status, raceSignal(attempt));
  } catch (error) {
    if (!(error instanceof TooLarge)) throw ((attempt.bodyFailed = true), error);
    attempt.errorText = error.start; // an error page larger than any error: its start is enough
  }
  return rewrapped(attempt.errorText, response);
}

/** A 2xx answer's body as text, bounded by the method's largest answer and the deadline. */
async function readSuccessText(
  attempt: Attempt,
  body: ReadableStream<Uint8Array> | undefined,
  response: Response,
): Promise<string> {
  // A length the server declared is already checked, and the global fetch holds a body to it
  // unless it is compressed, and ends its read on the Request's signal: then the plain read is
  // bounded. Any other body is counted, and raced with the signal.
  // (The length fetchBounded read, unless a middleware of the caller's answered with another response.)
  const length = attempt.headers === response.headers ? attempt.length : response.headers.get("Content-Length");
  const declared =
    !attempt.plan.core.customFetch && length !== null && response.headers.get("Content-Encoding") === null;
  if (declared) return response.text();
  return readBounded(body, attempt.plan.op.maxResponseBytes, response.status, raceSignal(attempt));
}

/**
 * The signal a body read is raced with: none for the global fetch, which ends its body's stream
 * on the Request's signal itself (racing each chunk costs a promise and a listener per call);
 * the deadline's for any other fetch, which may not.
 */
function raceSignal(attempt: Attempt): AbortSignal | undefined {
  return attempt.plan.core.customFetch ? attempt.deadline.signal : undefined;
}

/** What an attempt that threw comes to, decided from what happened on the wire, never from the error's shape. */
export function classifyThrown<T>(attempt: Attempt, thrown: unknown): Outcome<T> {
  const { plan, deadline, number: attempts } = attempt;
  const { operationId, retrySafe } = plan.op;
  const url = plan.url();
  const mask = plan.mask();
  if (thrown instanceof TooLarge) {
    const message = `${operationId} failed: ${thrown.message} (HTTP ${thrown.status}); the connection was closed`;
    const ok = thrown.status >= 200 && thrown.status < 300;
    const result = ok
      ? unexpected(attempt, thrown.message, "", thrown.status, undefined, message)
      : httpError(attempt, thrown.status, undefined, "", message);
    return { result, transport: false };
  }
  const cause = maskedCause(thrown, mask);
  const unsafe = retrySafe ? "" : "; it was not resent";
  const answered = attempt.status !== undefined;
  if (deadline.signal.aborted) {
    const by = deadline.by ?? "signal";
    const sent: Sent = answered ? "yes" : attempt.started ? "maybe" : "no";
    const effect =
      sent === "no"
        ? "; nothing was sent"
        : sent === "yes"
          ? "; GREEN-API received it"
          : `; it may have taken effect${unsafe}`;
    const message =
      by === "timeout"
        ? `${operationId} got no whole answer within ${plan.limit} ms from ${url}${effect}`
        : `${operationId} was aborted by the caller's signal${effect}`;
    const fields = { operationId, sent, attempts, url, by, timeoutMs: plan.limit };
    return { result: { error: failure<TimeoutError>("timeout", message, fields, cause) }, transport: false };
  }
  let root: Error = cause; // the innermost cause says what happened ("connect ECONNREFUSED ...")
  while (root.cause instanceof Error) root = root.cause;
  if (answered && !attempt.bodyFailed) {
    // Answered, then something between the socket and the result threw (a middleware of the
    // caller's, say): the answer is what counts, and the error is kept as the cause.
    const status = attempt.status!;
    if (status >= 200 && status < 300) {
      const reason = `the answer could not be read (${cut(root.message, 200)})`;
      return fromWire<T>(withCause(unexpected(attempt, reason, "", status, attempt.headers), cause));
    }
    return fromWire<T>(withCause(readFailure(attempt, status, attempt.headers), cause));
  }
  const network = (sent: Sent, message: string, transport: boolean): Outcome<T> => ({
    result: { error: failure<NetworkError>("network", message, { operationId, sent, attempts, url }, cause) },
    transport,
  });
  if (answered)
    return network(
      "yes",
      `${operationId} lost the connection while reading the answer (HTTP ${attempt.status}) from ${url} (${root.message}); GREEN-API received it`,
      true,
    );
  if (!attempt.started || notConnected(root)) {
    const message = attempt.started
      ? `${operationId} could not connect to ${url} (${root.message}); nothing was sent`
      : `${operationId} was not sent: it failed before any request was made (${root.message})`;
    return network("no", message, attempt.started);
  }
  const message = `${operationId} could not reach ${url} or lost the answer (${root.message}); it may have taken effect${unsafe}`;
  return network("maybe", message, true);
}

/** Errors a fetch throws before it connects anywhere: nothing can have been sent. */
function notConnected(root: Error): boolean {
  const code = (root as { code?: unknown }).code;
  if (typeof code === "string") return NOT_CONNECTED.has(code);
  return /^(bad port|invalid url|unknown scheme|url scheme must be)/i.test(root.message);
}

/** A copy of a non-2xx answer holding the body already read; it cannot throw (a reason phrase
 *  that is not Latin-1, a status `Response` refuses): such parts are left out. */
function rewrapped(text: string, response: Response): Response {
  try {
    return new Response(text, { status: response.status, headers: response.headers });
  } catch {
    return new Response(text, { status: 500 });
  }
}
