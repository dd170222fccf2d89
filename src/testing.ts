// `green-api-partner/testing`: the contract's mock for a partner's own test suite (Node). Two
// ways, both answering only what the spec's named examples say:
//   startMock()   Prism on loopback, for integration tests (needs the optional peer @stoplight/prism-cli)
//   mockFetch()   no server: a fetch for createPartnerClient({ fetch }), for unit tests
import type { Client, Middleware } from "openapi-fetch";
import { type NamedExample, examples } from "../generated/examples.js";
import { operationList as generated } from "../generated/operations.js";
import type { paths } from "../generated/types.js";
import { validatePartnerError, validatePartnerToken } from "../generated/validators.js";
import type { Operation } from "./executor.js";
import { PRISM_MISSING, maskTokens, startMockServer } from "./mock-server.js";

export { PRISM_MISSING, maskTokens };

const operationList: Array<Operation & { operationId: OperationId }> = generated;

export type OperationId = keyof typeof examples;
/** The spec's named examples of an operation's answers: a name that is not one does not compile. */
export type ExampleName<Op extends OperationId> = keyof (typeof examples)[Op] & string;
/** Which named example each operation answers with; unnamed operations answer their first success. */
export type ExampleChoice = { [Op in OperationId]?: ExampleName<Op> };

export interface MockServer {
  /** The mock's base URL, for `createPartnerClient({ baseUrl })`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the contract's mock (Prism, in this process) on 127.0.0.1: every partner method, each
 * request validated (a bad one gets the spec's 400), no CORS, log lines masked. For a test
 * suite's global set-up; `port` 0 or absent picks a free one.
 */
export async function startMock(options: { port?: number; onLog?: (line: string) => void } = {}): Promise<MockServer> {
  const { url, stop } = await startMockServer({ port: options.port ?? 0, onLog: options.onLog ?? (() => {}) });
  return { url, stop };
}

function exampleOf<Op extends OperationId>(operationId: Op, name: string): NamedExample {
  const named = (examples[operationId] as Record<string, NamedExample>)[name];
  if (!named) throw new TypeError(`${operationId} has no named example ${JSON.stringify(name)}`);
  return named;
}

/**
 * Makes every call of `operationId` through `partner` answer the named example, when the
 * partner client points at `startMock()`'s URL (Prism's `Prefer` header). Returns the undo.
 */
export function useExample<Op extends OperationId>(partner: { raw: Client<paths> }, operationId: Op, name: ExampleName<Op>): () => void {
  const { status, mediaType } = exampleOf(operationId, name);
  const op = operationList.find((o) => o.operationId === operationId)!;
  const prefix = op.path.slice(0, op.path.indexOf("{"));
  const middleware: Middleware = {
    onRequest({ request }) {
      if (!new URL(request.url).pathname.startsWith(prefix)) return undefined;
      request.headers.set("Prefer", status === 200 ? `example=${name}` : `code=${status}, example=${name}`);
      request.headers.set("Accept", mediaType);
      return request;
    },
  };
  partner.raw.use(middleware);
  return () => partner.raw.eject(middleware);
}

function respond({ status, mediaType, value }: NamedExample): Response {
  const body = typeof value === "string" ? value : JSON.stringify(value);
  return new Response(body, { status, headers: { "Content-Type": mediaType } });
}

/** The example, checked against the operation's answer schemas first: an example that drifted from the spec throws. */
function checked(op: Operation, name: string, example: NamedExample): NamedExample {
  const json = example.mediaType.includes("json");
  const fits = !json ? typeof example.value === "string" : validatePartnerError(example.value) || (example.status === 200 && op.validateSuccess(example.value));
  if (!fits) throw new Error(`mockFetch: the example ${op.operationId}/${name} does not match the spec's schema for HTTP ${example.status}`);
  return example;
}

/**
 * A `fetch` that answers partner calls from the spec's named examples, with no server: pass it
 * as `createPartnerClient({ fetch: mockFetch({ getInstances: "noInstances" }) })`. Like the mock,
 * it answers a request that breaks the contract (token, body) with the spec's 400, and an
 * unknown path with 404. Every answer is validated against the spec before it is given.
 */
export function mockFetch(choice: ExampleChoice = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const op = operationList.find((o) => o.method === request.method && path.startsWith(o.path.slice(0, o.path.indexOf("{"))));
    const token = op && decodeURIComponent(path.slice(op.path.indexOf("{")));
    if (!op || token === undefined || token.includes("/")) return new Response("Not Found", { status: 404 });
    const named = examples[op.operationId] as Record<string, NamedExample>;
    const badRequest = Object.entries(named).find(([, e]) => e.status === 400 && e.mediaType.includes("json"))!;
    let valid = validatePartnerToken(token);
    if (valid && op.validateRequest) {
      try {
        valid = op.validateRequest(JSON.parse(await request.text()));
      } catch {
        valid = false;
      }
    }
    if (!valid) return respond(checked(op, badRequest[0], badRequest[1]));
    const name = (choice as Record<string, string | undefined>)[op.operationId] ?? Object.keys(named)[0]!;
    return respond(checked(op, name, exampleOf(op.operationId, name)));
  };
}
