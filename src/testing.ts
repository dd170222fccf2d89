// `green-api-partner/testing`: the contract's mock for a partner's own test suite (Node). Two
// ways, both answering only what the spec's named examples say:
//   startMock()   Prism on loopback, for integration tests (needs the optional peer @stoplight/prism-cli)
//   mockFetch()   no server: a fetch for createPartnerClient({ fetch }), for unit tests
import type { Client, Middleware } from "openapi-fetch";
import { type NamedExample, examples } from "../generated/examples.js";
import { operationList as generated } from "../generated/operations.js";
import type { paths } from "../generated/types.js";
import * as validators from "../generated/validators.js";
import { type Validator, validatePartnerError, validateQuotaExceededError } from "../generated/validators.js";
import type { Operation } from "./executor.js";
import { PRISM_MISSING, maskTokens, startMockServer } from "./mock-server.js";
import { notificationExamples, webhookDelivery, webhookUrlTokenRule } from "../generated/webhooks.js";
import { validateWebhookUrlToken } from "../generated/validators.js";
import { readBytes } from "./bytes.js";
import { untilAborted, wholeMs } from "./timing.js";
import type { Notification } from "./webhooks.js";

export { PRISM_MISSING, maskTokens };

const operationList: Array<Operation & { operationId: OperationId }> = generated;

export type OperationId = keyof typeof examples;
/** The spec's named examples of an operation's answers: a name that is not one does not compile. */
export type ExampleName<Op extends OperationId> = keyof (typeof examples)[Op] & string;
/**
 * An answer of one's own, for what the spec's examples do not hold (mockFetch only):
 * - `{ status?, json }` or `{ status?, text }`: that body (status 200 unless given; `headers` optional),
 *   sent as it is, not checked against the spec: a 500, a malformed body, a `{code: 500}` inside 200;
 * - `{ timeout: true }`: no answer at all; the fetch rejects only when the request's signal aborts
 *   (the client's `timeoutMs` or the caller's signal);
 * - `{ reset: true }`: the connection is cut after the request was sent: the fetch rejects as
 *   Node's does (`TypeError: fetch failed`, cause `ECONNRESET`), so the client reports `sent: "maybe"`.
 */
export type MockAnswer =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; text: string; headers?: Record<string, string> }
  | { timeout: true }
  | { reset: true };
/** One answer of a sequence: a named example of the spec, or an answer of one's own. */
export type ExampleStep<Op extends OperationId> = ExampleName<Op> | MockAnswer;
/** A named example (or an answer of one's own), or several: each call takes the next, and the last one repeats (null, starting, notAuthorized, ...). */
export type ExampleSequence<Op extends OperationId> =
  ExampleStep<Op> | readonly [ExampleStep<Op>, ...ExampleStep<Op>[]];
/** Which named example(s) each operation answers with; unnamed operations answer their first example. */
export type ExampleChoice = { [Op in OperationId]?: ExampleSequence<Op> };

export interface MockServer {
  /** The mock's base URL, for `createPartnerClient({ baseUrl })` and `createInstanceClient({ apiUrl })`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the contract's mock (Prism, in this process) on 127.0.0.1: every partner and instance
 * method, each request validated (a bad one gets the spec's 400), no CORS, log lines masked. For
 * a test suite's global set-up; `port` 0 or absent picks a free one.
 */
export async function startMock(
  options: { port?: number | undefined; onLog?: ((line: string) => void) | undefined } = {},
): Promise<MockServer> {
  const { url, stop } = await startMockServer({ port: options.port ?? 0, onLog: options.onLog ?? (() => {}) });
  return { url, stop };
}

function exampleOf<Op extends OperationId>(operationId: Op, name: string): NamedExample {
  const named = (examples[operationId] as Record<string, NamedExample>)[name];
  if (!named) throw new TypeError(`${operationId} has no named example ${JSON.stringify(name)}`);
  return named;
}

/** Each call takes the next step of the sequence; the last one repeats. */
function sequence<S>(steps: S | readonly S[]): () => S {
  const list: readonly S[] = Array.isArray(steps) ? steps : [steps as S];
  let at = 0;
  return () => list[Math.min(at++, list.length - 1)]!;
}

/** The path of a request as the operation's template with its parameters' values, or undefined. */
function matcher(op: Operation) {
  const names: string[] = [];
  const source = op.path
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => (names.push(name), "([^/]*)"));
  // Anchored at the end only: an apiUrl may carry a path of its own (MAX's `/v3`).
  const pattern = new RegExp(`${source}$`);
  return (path: string) => {
    const match = pattern.exec(path);
    // A value that is not valid percent-encoding stays as it came: its parameter's rule refuses it (the spec's 400).
    const value = (raw: string) => {
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    };
    return match ? Object.fromEntries(names.map((name, i) => [name, value(match[i + 1]!)])) : undefined;
  };
}
const matchers = operationList.map((op) => ({ op, match: matcher(op) }));

/**
 * Makes every call of `operationId` through `client` (a partner or an instance client) answer
 * the named example, or each call the next of several, whether the client points at
 * `startMock()`'s URL or uses `mockFetch()` (both read the `Prefer` header this sets). Returns the undo.
 */
export function useExample<Op extends OperationId>(
  client: { raw: Client<paths> },
  operationId: Op,
  names: ExampleName<Op> | readonly [ExampleName<Op>, ...ExampleName<Op>[]],
): () => void {
  for (const name of typeof names === "string" ? [names] : names) exampleOf(operationId, name);
  const op = operationList.find((o) => o.operationId === operationId)!;
  const match = matcher(op);
  const next = sequence<string>(names);
  const middleware: Middleware = {
    onRequest({ request }) {
      if (!match(new URL(request.url).pathname)) return undefined;
      const name = next();
      const { status, mediaType } = exampleOf(operationId, name);
      request.headers.set("Prefer", status === 200 ? `example=${name}` : `code=${status}, example=${name}`);
      request.headers.set("Accept", mediaType);
      return request;
    },
  };
  client.raw.use(middleware);
  return () => client.raw.eject(middleware);
}

function respond({ status, mediaType, value }: NamedExample): Response {
  const body = typeof value === "string" ? value : JSON.stringify(value);
  return new Response(body, { status, headers: { "Content-Type": mediaType } });
}

/** The example, checked against the operation's answer schemas first: an example that drifted from the spec throws. */
function checked(op: Operation, name: string, example: NamedExample): NamedExample {
  const json = example.mediaType.includes("json");
  const fits = !json
    ? typeof example.value === "string"
    : validatePartnerError(example.value) ||
      (example.status === 466 && validateQuotaExceededError(example.value)) ||
      (example.status === 200 && op.validateSuccess(example.value));
  if (!fits)
    throw new Error(
      `mockFetch: the example ${op.operationId}/${name} does not match the spec's schema for HTTP ${example.status}`,
    );
  return example;
}

/** A path value checked by its parameter's validator, compiled from the spec (`validatePartnerToken`, `validateIdInstance`, ...). */
function validPathValue(name: string, value: string): boolean {
  const validate = (validators as unknown as Record<string, Validator | undefined>)[
    `validate${name[0]!.toUpperCase()}${name.slice(1)}`
  ];
  if (!validate) return true;
  return validate(value) || (/^\d+$/.test(value) && validate(Number(value)));
}

/**
 * A `fetch` that answers partner and instance calls from the spec's named examples, with no
 * server: `createPartnerClient({ fetch: mockFetch({ getInstances: "noInstances" }) })`, or a
 * sequence per operation, `mockFetch({ getStateInstance: ["creating", "starting", "notAuthorized"] })`.
 * A step may also be an answer of one's own (see `MockAnswer`): `{ status: 500, json: {...} }`,
 * `{ text: "<html>" }`, `{ timeout: true }` (never answers until the signal aborts), `{ reset: true }`
 * (the connection cut after sending). A `Prefer: example=NAME` header (what `useExample` sets)
 * wins over `choice`. Like the mock, it answers a request that breaks the contract (a token, the
 * query, the body) with the spec's 400, and an unknown path with 404. Every named example is
 * validated against the spec before it is given.
 */
export function mockFetch(choice: ExampleChoice = {}): typeof fetch {
  const chosen = new Map(
    Object.entries(choice).map(([operationId, steps]) => [operationId, sequence<string | MockAnswer>(steps)]),
  );
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const found = matchers
      .map(({ op, match }) => ({ op, values: match(url.pathname) }))
      .find((m) => m.values && m.op.method === request.method);
    if (!found) return new Response("Not Found", { status: 404 });
    const { op, values } = found as { op: Operation & { operationId: OperationId }; values: Record<string, string> };
    const named = examples[op.operationId] as Record<string, NamedExample>;
    if (!(await validRequest(op, values, url.searchParams, request))) {
      const badRequest = Object.entries(named).find(([, e]) => e.status === 400 && e.mediaType.includes("json"))!;
      return respond(checked(op, badRequest[0], badRequest[1]));
    }
    const preferred = /example=([\w-]+)/.exec(request.headers.get("Prefer") ?? "")?.[1];
    const step = preferred ?? chosen.get(op.operationId)?.() ?? Object.keys(named)[0]!;
    if (typeof step !== "string") return ownAnswer(step, request.signal);
    return respond(checked(op, step, exampleOf(op.operationId, step)));
  };
}

/** Whether a request keeps the contract: its path values, its query and its body (JSON, or a multipart form). */
async function validRequest(
  op: Operation,
  values: Record<string, string>,
  search: URLSearchParams,
  request: Request,
): Promise<boolean> {
  if (!Object.entries(values).every(([name, value]) => validPathValue(name, value))) return false;
  if (op.validateQuery && !validQuery(op.validateQuery, search)) return false;
  if (!op.validateRequest) return true;
  try {
    if (op.requestMediaType === "multipart/form-data") {
      const form = await request.formData();
      const fileField = op.fileField ?? "file";
      const fields: Record<string, unknown> = {};
      form.forEach((value, name) => {
        if (name !== fileField) fields[name] = value;
      });
      return form.get(fileField) instanceof Blob && op.validateRequest(fields);
    }
    return op.validateRequest(JSON.parse(await request.text()));
  } catch {
    return false;
  }
}

/** A query checked as the spec's validator takes it: numbers as numbers (an integer parameter), or every value as text. */
function validQuery(validate: Validator, search: URLSearchParams): boolean {
  const given: [string, string][] = [];
  search.forEach((value, name) => given.push([name, value])); // no DOM.Iterable in the build's lib
  const asText = Object.fromEntries(given);
  const asNumbers = Object.fromEntries(
    given.map(([name, value]) => [name, /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value]),
  );
  return validate(asNumbers) || validate(asText);
}

/** An answer of one's own: a body as given, no answer until the signal aborts, or a cut connection. */
function ownAnswer(answer: MockAnswer, signal: AbortSignal): Promise<Response> {
  if ("timeout" in answer)
    return new Promise((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  if ("reset" in answer) {
    const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" });
    return Promise.reject(new TypeError("fetch failed", { cause }));
  }
  const json = "json" in answer;
  const body = json ? JSON.stringify(answer.json) : answer.text;
  const headers = { "Content-Type": json ? "application/json" : "text/plain", ...answer.headers };
  return Promise.resolve(new Response(body, { status: answer.status ?? 200, headers }));
}

/** The spec's named notification examples, by name: what `deliverWebhook` and `green-api-partner send-webhook` send. */
export { notificationExamples };
/** A named notification example of the spec: a name that is not one does not compile. */
export type NotificationExampleName = keyof typeof notificationExamples & string;

export interface DeliverWebhookOptions {
  /** Sent as `Authorization: Bearer <webhookUrlToken>`, as GREEN-API does; no header without it. Must meet `webhookUrlTokenRule`. */
  webhookUrlToken?: string | undefined;
  /** What sends the request: the global fetch by default; `(request) => receiver.fetch(request)` for no server at all. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Aborts the delivery. */
  signal?: AbortSignal | undefined;
  /**
   * How long the whole exchange may take, the answer's body included, in milliseconds. Default:
   * as long as GREEN-API waits for an answer (`webhookDelivery.answerWithinMs`).
   */
  timeoutMs?: number | undefined;
  /** The most of the answer's body that is read, in bytes (the rest is cut off). Default 65536. */
  maxAnswerBytes?: number | undefined;
}

/** deliverWebhook's deadline passed: `answered` tells whether the receiver's status had arrived (the body had not). */
export interface DeliveryTimeoutError extends Error {
  name: "TimeoutError";
  timeoutMs: number;
  answered: boolean;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * POSTs one notification to a receiver the way GREEN-API does (`Content-Type: application/json;
 * charset=utf-8`, the token as a Bearer `Authorization`), and resolves with the receiver's answer,
 * its body already read (at most `maxAnswerBytes`). `notification` is a named example of the
 * spec, or a body of your own. Never throws synchronously: an unknown example name or a token
 * that breaks `webhookUrlTokenRule` is a rejected TypeError (naming the rule, never the token); a
 * receiver that does not answer whole within `timeoutMs` is a rejected `DeliveryTimeoutError`; a
 * connection that fails is fetch's own TypeError, its `cause` saying why (`ECONNREFUSED`, ...).
 */
export async function deliverWebhook(
  url: string | URL,
  notification: NotificationExampleName | Notification,
  options: DeliverWebhookOptions = {},
): Promise<Response> {
  let body: unknown = notification;
  if (typeof notification === "string") {
    if (!Object.hasOwn(notificationExamples, notification))
      throw new TypeError(`the spec has no notification example ${JSON.stringify(notification)}`);
    body = notificationExamples[notification];
  }
  const { webhookUrlToken, maxAnswerBytes = 65_536 } = options;
  const timeoutMs = wholeMs(options.timeoutMs ?? webhookDelivery.answerWithinMs, "timeoutMs", "deliverWebhook");
  // GREEN-API could not send such a token byte for byte, and fetch refuses it in a header.
  if (webhookUrlToken !== undefined && webhookUrlToken !== "" && !validateWebhookUrlToken(webhookUrlToken))
    throw new TypeError(`deliverWebhook: webhookUrlToken ${webhookUrlTokenRule}`);
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" };
  if (webhookUrlToken !== undefined) headers.Authorization = `Bearer ${webhookUrlToken}`;
  // One controller, held by its timer and its listeners: undici can drop a Request's signal after a
  // garbage collection (nodejs/undici#4068), so the signal also goes in fetch's own init, and the
  // whole exchange is raced with it as well.
  const controller = new AbortController();
  const { signal } = controller;
  const answered = { yes: false };
  const timer = setTimeout(() => controller.abort(deliveryTimeout(url, timeoutMs, answered.yes)), timeoutMs);
  const forward = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener("abort", forward, { once: true });
  try {
    const init: RequestInit = { method: "POST", headers, body: JSON.stringify(body), signal };
    const response = await untilAborted(
      options.fetch ? options.fetch(new Request(url, init)) : fetch(url, init),
      signal,
    );
    answered.yes = true;
    const read = await readBytes(response.body, maxAnswerBytes, signal);
    const bytes = "bytes" in read ? read.bytes : read.tooLarge.subarray(0, maxAnswerBytes);
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : (bytes as Uint8Array<ArrayBuffer>), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", forward);
  }
}

function deliveryTimeout(url: string | URL, timeoutMs: number, answered: boolean): DeliveryTimeoutError {
  const { origin, pathname } = new URL(url);
  const what = answered ? "answered, but its body did not arrive" : "did not answer";
  const error = new Error(`${origin}${pathname} ${what} within ${timeoutMs} ms`) as DeliveryTimeoutError;
  return Object.assign(error, { name: "TimeoutError" as const, timeoutMs, answered });
}

export type {
  Sandbox,
  SandboxOptions,
  SandboxDurations,
  SandboxInstanceView,
  DeliveryRecord,
  DeliveryAttempt,
} from "./sandbox/index.js";
/**
 * A stateful GREEN-API on 127.0.0.1 for integration tests: instances are created, listed, linked,
 * messaged and deleted, their states move on the sandbox's clock (`clock: "manual"`: only
 * `advance(ms)` moves it), and the notifications their settings turn on are POSTed to their
 * `webhookUrl` and resent as GREEN-API does. Loaded on first use (Node only). README: "A sandbox
 * for your integration tests".
 */
export async function startSandbox(
  options?: import("./sandbox/index.js").SandboxOptions,
): Promise<import("./sandbox/index.js").Sandbox> {
  return (await import("./sandbox/index.js")).startSandbox(options);
}
