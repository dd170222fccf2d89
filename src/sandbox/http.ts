/// <reference types="node" />
// The sandbox's HTTP face (node:http on 127.0.0.1): GREEN-API's paths and methods from
// generated/operations.js, each request checked as the Prism mock checks it (a bad one gets the
// spec's 400), each 200 answer checked by the operation's validator (a drift is a 500 naming the
// violations, never served), and the control verbs under /_sandbox/, a prefix GREEN-API cannot use.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Operation } from "../executor.js";
import { ContractDriftError, type OperationId, example, mustMatch, operations, validPathValue } from "./facts.js";
import { type NamedExample, examples } from "../../generated/examples.js";
import { validatePartnerError } from "../../generated/validators.js";
import { SandboxControlError } from "./state.js";
import { deliveringTo } from "./deliveries.js";
import { maskTokens } from "../mock-server.js";

/** An answer: a status and a JSON body. */
export interface Answer {
  status: number;
  body: unknown;
  /** A failure (GREEN-API's `{code, description}`), whatever its status: checked as a PartnerError, not as the result. */
  failure?: boolean;
}

/** What serves one operation once its request passed the contract: the path values, the query, the parsed body. */
export interface Call {
  op: Operation & { operationId: OperationId };
  path: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export type Serve = (call: Call) => Answer | Promise<Answer>;
export type Control = (verb: string[], method: string, body: unknown) => unknown;

/** The largest request body read, in bytes: GREEN-API's bodies are small (uploads are multipart, checked by their own limit). */
const MAX_BODY = 1024 * 1024;

/** Each operation's path as a pattern; anchored at the end only, as an apiUrl may carry a prefix (MAX's `/v3`). */
const routes = [...operations.values()].map((op) => {
  const names: string[] = [];
  const source = op.path
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => (names.push(name), "([^/]*)"));
  return { op, names, pattern: new RegExp(`${source}$`) };
});

/** A path segment decoded, or undefined when its percent-escapes are malformed (`%E0%A4%A`). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The operation at `pathname`, with its path values decoded (`malformed` when one cannot be). */
function route(method: string, pathname: string) {
  for (const { op, names, pattern } of routes) {
    if (op.method !== method) continue;
    const match = pattern.exec(pathname);
    if (!match) continue;
    const values = names.map((name, i) => [name, decoded(match[i + 1]!)] as const);
    const malformed = values.some(([, value]) => value === undefined);
    return { op, malformed, path: Object.fromEntries(values.map(([name, value]) => [name, value ?? ""])) };
  }
  return undefined;
}

/** The client left before its request was read (it cut the body, or aborted an upload): nothing to answer. */
class ClientGone extends Error {}

/**
 * The body's bytes, or undefined past `limit` (the rest is read and dropped, so the client still
 * gets its answer); rejects with ClientGone when the client leaves mid-body.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on("error", () => reject(new ClientGone()));
    req.on("close", () => req.complete || reject(new ClientGone()));
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.destroyed || res.headersSent) return; // the client left: nobody to answer
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The query as an object, whole numbers as numbers (the contract's query parameters are integers so far). */
function queryOf(url: URL): Record<string, unknown> {
  return Object.fromEntries(
    [...url.searchParams].map(([name, value]) => [name, /^-?\d{1,15}$/.test(value) ? Number(value) : value]),
  );
}

/** The operation facts of the sending contract (a multipart body's file field and limit), where it has them. */
type Facts = Call["op"] & {
  validateQuery?: Call["op"]["validateSuccess"];
  requestMediaType?: string | null;
  fileField?: string;
  maxFileBytes?: number;
};

/** A multipart body as an object of its text fields, and its file (a Blob), as the client sends sendFileByUpload. */
async function formOf(op: Facts, req: IncomingMessage, bytes: Buffer) {
  const type = String(req.headers["content-type"] ?? "");
  if (!type.startsWith("multipart/form-data")) return undefined;
  const form = await new Response(new Uint8Array(bytes), { headers: { "Content-Type": type } }).formData();
  const fields: Record<string, string> = {};
  let file: Blob | undefined;
  for (const [name, value] of form as unknown as Iterable<[string, string | Blob]>)
    if (name === op.fileField && typeof value !== "string") file = value;
    else if (typeof value === "string") fields[name] = value;
    else return undefined;
  if (!file || file.size > (op.maxFileBytes ?? Infinity)) return undefined;
  return { fields, file };
}

/** The request's body, parsed and checked against the contract (as mockFetch and Prism judge it), or `bad`. */
async function bodyOf(op: Facts, req: IncomingMessage, bytes: Buffer): Promise<{ body: unknown } | "bad"> {
  if (!op.validateRequest) return { body: undefined };
  if (op.requestMediaType === "multipart/form-data") {
    const form = await formOf(op, req, bytes).catch(() => undefined);
    return form && op.validateRequest(form.fields) ? { body: { ...form.fields, [op.fileField!]: form.file } } : "bad";
  }
  try {
    const body: unknown = JSON.parse(bytes.toString("utf8"));
    return op.validateRequest(body) ? { body } : "bad";
  } catch {
    return "bad";
  }
}

/** The spec's answer to a request that breaks the contract: `badRequest`, or the operation's first validation 400. */
function badRequest(operationId: OperationId) {
  const named = examples[operationId] as Record<string, NamedExample>;
  const candidates = Object.values(named).filter((e) => e.status === 400 && e.mediaType.includes("json"));
  return (
    named.badRequest ??
    candidates.find((e) => /validation/i.test(String((e.value as { description?: unknown }).description))) ??
    candidates[0]!
  );
}

/** A request the sandbox answers with `status` and `{error}` before reaching an operation or a verb. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request's URL; a target `new URL` cannot read (`http://[bad/`) is refused with 400. */
function urlOf(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://sandbox");
  } catch {
    throw new Refused(400, "the request target is not a URL");
  }
}

/** A control verb over HTTP: its path segments decoded, its JSON body, its answer (JSON, or a file's bytes). */
async function controlCall(control: Control, req: IncomingMessage, res: ServerResponse, url: URL, bytes: Buffer) {
  const verb = url.pathname.slice("/_sandbox/".length).split("/").map(decoded);
  if (verb.includes(undefined))
    throw new SandboxControlError(`${url.pathname} has a malformed percent-escape (% and two hex digits)`);
  let body: unknown;
  try {
    body = bytes.length ? JSON.parse(bytes.toString("utf8")) : {};
  } catch {
    throw new SandboxControlError("the body must be JSON");
  }
  const result = await control(verb as string[], req.method ?? "GET", body);
  if (!(result instanceof Blob)) return send(res, 200, result ?? {});
  const file = new Uint8Array(await result.arrayBuffer());
  if (res.destroyed) return;
  res.writeHead(200, { "Content-Type": result.type || "application/octet-stream", "Content-Length": file.length });
  res.end(file);
}

/** One request, from its target to its answer; what it throws, `listener` answers. */
async function handle(serve: Serve, control: Control, req: IncomingMessage, res: ServerResponse) {
  const url = urlOf(req);
  const found = route(req.method ?? "GET", url.pathname);
  const isControl = url.pathname.startsWith("/_sandbox/");
  // The path is echoed with the segment where GREEN-API carries a token masked (`listener` masks the known tokens too).
  if (!found && !isControl) throw new Refused(404, `no GREEN-API method at ${req.method} ${pathHead(url.pathname)}`);
  const limit = MAX_BODY + ((found?.op as Facts | undefined)?.maxFileBytes ?? 0);
  const bytes = await readBody(req, limit);
  if (fromOwnDelivery(req))
    throw new Refused(400, "a webhookUrl points at the sandbox itself: the sandbox is not a webhook receiver");
  if (isControl) {
    if (bytes === undefined) throw new Refused(413, "request body too large");
    return controlCall(control, req, res, url, bytes);
  }
  const op = found!.op as Facts;
  const query = queryOf(url);
  // A body over the limit: the operation's generic 400 (the contract lists no 413 for any operation).
  if (bytes === undefined) return sendExample(res, tooLarge(op.operationId));
  // A malformed escape, a bad path value or query, a bad body: the spec's 400, as the mock answers.
  const parsed =
    !found!.malformed &&
    Object.entries(found!.path).every(([name, value]) => validPathValue(name, value)) &&
    !(op.validateQuery && !op.validateQuery(query))
      ? await bodyOf(op, req, bytes)
      : "bad";
  if (parsed === "bad") {
    const bad = badRequest(op.operationId);
    return send(res, bad.status, bad.value);
  }
  const answer = await serve({ op: found!.op, path: found!.path, query, body: parsed.body });
  if (answer.failure) mustMatch(validatePartnerError, answer.body, `the ${op.operationId} failure`);
  else mustMatch(op.validateSuccess, answer.body, `the ${op.operationId} answer`);
  return send(res, answer.status, answer.body);
}

/** Whether the request is one of the sandbox's own webhook POSTs (its webhookUrl is the sandbox). */
function fromOwnDelivery(req: IncomingMessage): boolean {
  const { remotePort, localPort } = req.socket;
  return remotePort !== undefined && deliveringTo.get(remotePort) === localPort;
}

/** The spec's answer to a body over the sandbox's limit: its generic "bad request data" 400 (JSON, else text), as no operation lists a 413. */
function tooLarge(operationId: OperationId): NamedExample {
  const named = examples[operationId] as Record<string, NamedExample>;
  return named.badRequest ?? named.badRequestText ?? badRequest(operationId);
}

/** Sends a named example of the spec in its own media type (a text/plain 400 as text). */
function sendExample(res: ServerResponse, { status, value, mediaType }: NamedExample) {
  if (mediaType.includes("json") || res.destroyed || res.headersSent) return send(res, status, value);
  const text = String(value);
  res.writeHead(status, { "Content-Type": mediaType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request listener: GREEN-API's operations through `serve`, the control verbs through
 * `control`; `onDrift` hears every answer the contract refused, and every crash (the test then
 * fails loudly). Nothing a request does escapes it: a client that left gets nothing. Every error
 * text it answers passes through `mask` (the tokens the sandbox knows) and `maskTokens` (a token
 * the client put where GREEN-API carries one): no answer echoes a token.
 */
export function listener(
  serve: Serve,
  control: Control,
  onDrift: (error: Error) => void,
  mask: (text: string) => string = (text) => text,
) {
  const fail = (res: ServerResponse, status: number, message: string, extra: object = {}) =>
    send(res, status, { error: maskTokens(mask(message)), ...extra });
  return (req: IncomingMessage, res: ServerResponse): void =>
    void handle(serve, control, req, res).catch((error: unknown) => {
      if (error instanceof ClientGone) return; // the client left mid-body: nobody to answer
      if (error instanceof Refused) return fail(res, error.status, error.message);
      if (error instanceof SandboxControlError) return fail(res, 400, error.message);
      onDrift(error as Error);
      if (error instanceof ContractDriftError)
        return fail(res, 500, error.message, { violations: JSON.parse(mask(JSON.stringify(error.violations))) });
      fail(res, 500, `sandbox: ${String(error)}`);
    });
}

/** A named example of the spec as an answer (error bodies are GREEN-API's, as the spec shows them). */
export function exampleAnswer(operationId: OperationId, name: string): Answer {
  const { status, value } = example(operationId, name);
  return { status, body: value, failure: status !== 200 || validatePartnerError(value) };
}

/** The start of a path, up to its method name, for a 404: a token may stand in any later segment, so none is echoed. */
function pathHead(pathname: string): string {
  const segments = pathname.split("/");
  return segments.length > 3 ? `${segments.slice(0, 3).join("/")}/…` : pathname;
}
