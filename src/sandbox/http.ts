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

function route(method: string, pathname: string) {
  for (const { op, names, pattern } of routes) {
    if (op.method !== method) continue;
    const match = pattern.exec(pathname);
    if (match)
      return { op, path: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)])) };
  }
  return undefined;
}

/** The body's bytes, or undefined past `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown) {
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

/**
 * The request listener: GREEN-API's operations through `serve`, the control verbs through
 * `control`; `onDrift` hears every answer the contract refused, and every crash (the test then fails loudly).
 */
export function listener(serve: Serve, control: Control, onDrift: (error: Error) => void) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const found = route(req.method ?? "GET", url.pathname);
    const limit = MAX_BODY + ((found?.op as Facts | undefined)?.maxFileBytes ?? 0);
    const bytes = await readBody(req, limit);
    if (bytes === undefined) return send(res, 413, { error: "request body too large" });
    try {
      if (url.pathname.startsWith("/_sandbox/")) {
        const verb = url.pathname.slice("/_sandbox/".length).split("/").map(decodeURIComponent);
        let body: unknown;
        try {
          body = bytes.length ? JSON.parse(bytes.toString("utf8")) : {};
        } catch {
          return send(res, 400, { error: "the body must be JSON" });
        }
        const result = await control(verb, req.method ?? "GET", body);
        if (!(result instanceof Blob)) return send(res, 200, result ?? {});
        const file = new Uint8Array(await result.arrayBuffer());
        res.writeHead(200, {
          "Content-Type": result.type || "application/octet-stream",
          "Content-Length": file.length,
        });
        return res.end(file);
      }
      if (!found) return send(res, 404, { error: `no GREEN-API method at ${req.method} ${url.pathname}` });
      const op = found.op as Facts;
      const query = queryOf(url);
      const parsed =
        Object.entries(found.path).every(([name, value]) => validPathValue(name, value)) &&
        !(op.validateQuery && !op.validateQuery(query))
          ? await bodyOf(op, req, bytes)
          : "bad";
      if (parsed === "bad") {
        const bad = badRequest(op.operationId);
        return send(res, bad.status, bad.value);
      }
      const answer = await serve({ op: found.op, path: found.path, query, body: parsed.body });
      if (answer.failure) mustMatch(validatePartnerError, answer.body, `the ${op.operationId} failure`);
      else mustMatch(op.validateSuccess, answer.body, `the ${op.operationId} answer`);
      return send(res, answer.status, answer.body);
    } catch (error) {
      if (error instanceof SandboxControlError) return send(res, 400, { error: error.message });
      if (error instanceof ContractDriftError) {
        onDrift(error);
        return send(res, 500, { error: error.message, violations: error.violations });
      }
      onDrift(error as Error);
      return send(res, 500, { error: `sandbox: ${String(error)}` });
    }
  };
}

/** A named example of the spec as an answer (error bodies are GREEN-API's, as the spec shows them). */
export function exampleAnswer(operationId: OperationId, name: string): Answer {
  const { status, value } = example(operationId, name);
  return { status, body: value, failure: status !== 200 || validatePartnerError(value) };
}
