/// <reference types="node" />
// The sandbox's HTTP face (node:http on 127.0.0.1): GREEN-API's paths and methods from
// generated/operations.js, each request checked as the Prism mock checks it (a bad one gets the
// spec's 400), each 200 answer checked by the operation's validator (a drift is a 500 naming the
// violations, never served), and the control verbs under /_sandbox/, a prefix GREEN-API cannot use.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Operation } from "../executor.js";
import { ContractDriftError, type OperationId, example, mustMatch, operations, validPathValue } from "./facts.js";
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

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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

/** Whether the request keeps the contract: path values, query, body (as mockFetch and Prism judge it). */
function valid(op: Call["op"], path: Record<string, string>, query: Record<string, unknown>, text: string) {
  if (!Object.entries(path).every(([name, value]) => validPathValue(name, value))) return { ok: false as const };
  const facts = op as Call["op"] & { queryParams?: string[]; validateQuery?: Call["op"]["validateSuccess"] };
  if (facts.validateQuery && !facts.validateQuery(query)) return { ok: false as const };
  if (!op.validateRequest) return { ok: true as const, body: undefined };
  try {
    const body: unknown = JSON.parse(text);
    return op.validateRequest(body) ? { ok: true as const, body } : { ok: false as const };
  } catch {
    return { ok: false as const };
  }
}

/**
 * The request listener: GREEN-API's operations through `serve`, the control verbs through
 * `control`; `onDrift` hears every answer the contract refused, and every crash (the test then fails loudly).
 */
export function listener(serve: Serve, control: Control, onDrift: (error: Error) => void) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const text = await readBody(req);
    if (text === undefined) return send(res, 413, { error: "request body too large" });
    try {
      if (url.pathname.startsWith("/_sandbox/")) {
        const verb = url.pathname.slice("/_sandbox/".length).split("/").map(decodeURIComponent);
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          return send(res, 400, { error: "the body must be JSON" });
        }
        return send(res, 200, (await control(verb, req.method ?? "GET", body)) ?? {});
      }
      const found = route(req.method ?? "GET", url.pathname);
      if (!found) return send(res, 404, { error: `no GREEN-API method at ${req.method} ${url.pathname}` });
      const query = queryOf(url);
      const checked = valid(found.op, found.path, query, text);
      if (!checked.ok) {
        const bad = example(found.op.operationId, "badRequest");
        return send(res, bad.status, bad.value);
      }
      const answer = await serve({ op: found.op, path: found.path, query, body: checked.body });
      if (answer.failure) mustMatch(validatePartnerError, answer.body, `the ${found.op.operationId} failure`);
      else mustMatch(found.op.validateSuccess, answer.body, `the ${found.op.operationId} answer`);
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
