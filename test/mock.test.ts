// The Prism mock against the spec and the client: every named example comes back through the
// client in the right place, invalid requests get the spec's 400, broken examples fail loudly,
// and the client's validator and the mock agree on what may be sent.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Middleware } from "openapi-fetch";
import { describe, expect, inject, it } from "vitest";
import { type CreateInstanceRequest, createPartnerClient, validateSettings } from "../src/index.js";
import { serialise } from "../src/executor.js";
import * as generatedOperations from "../generated/operations.js";
import { startPrism } from "../scripts/prism.js";
import { startMock } from "../src/testing.js";
import { root } from "./helpers/run.js";
import { callOperation, pathOf, use } from "./helpers/call.js";
import { CREATE_INSTANCE_PATH, byId, deref, namedExamples, operations, requestSchema, spec } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const mockUrl = inject("mockUrl");
const validBody = namedExamples().find((e) => e.status === null)!.value as CreateInstanceRequest;
const responseExamples = namedExamples().filter((e) => e.status !== null);
const firstCreated = responseExamples.find((e) => e.status === "200")!.value;
const opOf = (path: string, method: string) => operations.find((o) => o.path === path && o.method === method)!;

function headers(extra: Record<string, string>): Middleware {
  return { onRequest: ({ request }) => void Object.entries(extra).forEach(([k, v]) => request.headers.set(k, v)) };
}

function post(body: unknown, token = TOKEN, url = mockUrl) {
  return fetch(url + CREATE_INSTANCE_PATH.replace("{partnerToken}", encodeURIComponent(token)), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("the mock answers every named example of every operation through the client", () => {
  it.each(
    responseExamples.map(
      (e) => [`${opOf(e.path, e.method).operationId}: ${e.name} (HTTP ${e.status}, ${e.mediaType})`, e] as const,
    ),
  )("%s", async (_, example) => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl, retry: false });
    const prefer =
      example.status === "200" ? `example=${example.name}` : `code=${example.status}, example=${example.name}`;
    use(partner, headers({ Prefer: prefer, Accept: example.mediaType }));
    const result = await callOperation(partner, opOf(example.path, example.method));
    const value = example.value as Record<string, unknown> | string | null;
    const op = opOf(example.path, example.method);
    if (typeof value === "string") expect(result.error).toMatchObject({ kind: "http", status: Number(example.status) });
    else if (example.status === "200" && (value === null || op.failureStyle === "http-status"))
      expect(result).toEqual({ data: value });
    else if (value !== null && "code" in value)
      expect(result.error).toMatchObject({
        kind: "api",
        code: value.code,
        description: value.description,
        status: Number(example.status),
      });
    else if (!example.status!.startsWith("2"))
      expect(result.error).toMatchObject({ kind: "api", status: Number(example.status), body: value }); // a 466's quota objects
    else expect(result).toEqual({ data: value });
  });

  it.each(operations.map((op) => [op.operationId, op] as const))(
    "%s: a valid request with no preference gets the first success example",
    async (_, op) => {
      const result = await callOperation(createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl }), op);
      expect(result).toEqual({ data: op.successes[0]!.value });
    },
  );
});

describe("the mock refuses an invalid request with the spec's 400", () => {
  const badRequest = deref(
    deref(spec.paths[CREATE_INSTANCE_PATH].post.responses["400"]).content["application/json"].examples,
  );
  const enumField = Object.entries(requestSchema.properties as Record<string, object>).find(
    ([, s]) => deref(s).enum,
  )![0];
  const [delayField, delay] = Object.entries(requestSchema.properties as Record<string, object>)
    .map(([name, s]) => [name, deref(s)] as const)
    .find(([, s]) => s.type === "integer")!;

  it.each([
    ["an empty object", {}, TOKEN],
    ["an unknown field", { stateWebhok: "yes" }, TOKEN],
    ["a delay out of range", { [delayField]: delay.maximum + 1 }, TOKEN],
    [`"true" for a yes/no field`, { [enumField]: "true" }, TOKEN],
    ["a token with whitespace", { name: "x" }, "gac.a b"],
    ["a token with ..", { name: "x" }, "gac..x"],
  ])("%s", async (_, body, token) => {
    const response = await post(body, token);
    expect(response.status).toBe(400);
    expect(Object.values(badRequest).map((e) => deref(e).value)).toContainEqual(await response.json());
    const violations = JSON.parse(response.headers.get("sl-violations") ?? "[]");
    expect(violations.length).toBeGreaterThan(0);
  });
});

describe("the mock refuses an invalid deleteInstanceAccount body with the spec's 400", () => {
  const op = byId("deleteInstanceAccount");
  it.each([
    ["no idInstance", {}],
    ["idInstance 0", { idInstance: 0 }],
    ["idInstance as a string", { idInstance: "1" }],
    ["another field", { idInstance: 1, name: "x" }],
  ])("%s", async (_, body) => {
    const response = await fetch(mockUrl + pathOf(op, TOKEN), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    await response.arrayBuffer();
  });
});

describe("the mock validates its own answers", () => {
  it("fails loudly, instead of serving it, on an example that breaks its schema", async () => {
    const broken = structuredClone(spec);
    const first = Object.keys(broken.components.examples).find((name) => name === responseExamples[0]!.name)!;
    broken.components.examples[first].value.idInstance = "not a number";
    const path = join(mkdtempSync(join(tmpdir(), "broken-spec-")), "openapi.json");
    writeFileSync(path, JSON.stringify(broken));
    const mock = await startPrism({ mode: "mock", spec: path, onLog: () => {} });
    try {
      const response = await post(validBody, TOKEN, mock.url);
      expect(response.status).toBe(500);
      expect(response.headers.get("sl-violations")).toContain("idInstance");
    } finally {
      await mock.stop();
    }
  });
});

describe("the client's validator and the mock agree on what may be sent", () => {
  const fields = Object.entries(requestSchema.properties as Record<string, object>).map(
    ([name, s]) => [name, deref(s)] as const,
  );
  type FieldSchema = { type?: string; minimum?: number; maximum?: number; enum?: string[] };
  /** Values the field's schema accepts, edges included. */
  const validOf = (s: FieldSchema) =>
    s.enum
      ? fc.constantFrom(...s.enum)
      : s.type === "integer"
        ? fc.oneof(fc.constantFrom(s.minimum!, s.maximum!), fc.integer({ min: s.minimum!, max: s.maximum! }))
        : fc.string({ maxLength: 20 });
  /** Values it refuses: just past the bounds, wrong spellings and wrong types. */
  const invalidOf = (s: FieldSchema) => {
    const values: unknown[] = [null, true, 1.5, ["x"], { x: 1 }];
    if (s.enum) values.push("true", "false", "", ...s.enum.map((v) => v.toUpperCase()));
    if (s.type === "integer") values.push(s.minimum! - 1, s.maximum! + 1, String(s.minimum), s.minimum! + 0.5);
    else values.push(7);
    return fc.constantFrom(...values);
  };
  const validSettings = fc
    .subarray(fields, { minLength: 1 })
    .chain((chosen) => fc.record(Object.fromEntries(chosen.map(([name, s]) => [name, validOf(s)]))));
  const settings = fc.oneof(
    { weight: 3, arbitrary: validSettings },
    {
      weight: 3,
      arbitrary: fc
        .tuple(validSettings, fc.constantFrom(...fields))
        .chain(([body, [name, s]]) => invalidOf(s).map((bad) => ({ ...body, [name]: bad }))),
    },
    { weight: 1, arbitrary: validSettings.map((body) => ({ ...body, stateWebhok: "yes" })) },
    { weight: 1, arbitrary: fc.constantFrom({}, [], null, "name") },
  );
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constant(TOKEN) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("", ".", "..", "gac..x", "gac.a b", "gac.a\tb", "a#b", "a?b", "a/b", "%2F", "$&", "ü"),
    },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  );

  it("on at least 500 generated bodies and tokens", async () => {
    const verdicts = { sendable: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(settings, token, async (body, partnerToken) => {
        const sendable = validateSettings(body, partnerToken).length === 0;
        verdicts[sendable ? "sendable" : "refused"]++;
        const response = await post(body, partnerToken);
        await response.arrayBuffer();
        // The mock refuses with the spec's 400; a token that is no path segment at all
        // (`a/b`, `a?b`, `a#b`) does not reach the operation and gets a 404.
        const accepted = response.status === 200;
        if (!accepted) expect([400, 404]).toContain(response.status);
        expect({ body, partnerToken, accepted }).toEqual({ body, partnerToken, accepted: sendable });
      }),
      { numRuns: 500, seed: 20261123 },
    );
    // Both verdicts are well represented, so agreement is not agreement on one answer only.
    expect(verdicts.sendable + verdicts.refused).toBeGreaterThanOrEqual(500);
    expect(Math.min(verdicts.sendable, verdicts.refused)).toBeGreaterThan(50);
  }, 120_000);
});

// Every other operation with a body (deleteInstanceAccount, getAuthorizationCode, setSettings, ...),
// read from the spec: bodies built from each request schema, valid and just-invalid.
describe.each(
  operations
    .filter(
      (op) => op.requestSchema && op.operationId !== "createInstance" && op.requestMediaType === "application/json",
    )
    .map((op) => [op.operationId, op] as const),
)("the client's validator and the mock agree on %s's body", (operationId, op) => {
  type FieldSchema = {
    type?: string;
    minimum?: number;
    maximum?: number;
    enum?: string[];
    pattern?: string;
    minLength?: number;
    maxLength?: number;
    example?: unknown;
  };
  const schema = op.requestSchema as {
    properties: Record<string, object>;
    required?: string[];
    minProperties?: number;
  };
  const fields = Object.entries(schema.properties).map(([name, field]) => [name, deref(field) as FieldSchema] as const);
  const required = fields.filter(([name]) => schema.required?.includes(name));
  const optional = fields.filter(([name]) => !schema.required?.includes(name));
  const validOf = (f: FieldSchema) =>
    f.enum
      ? fc.constantFrom(...f.enum)
      : f.type === "integer"
        ? fc.oneof(
            fc.constantFrom(f.minimum!, f.maximum!),
            fc.integer({ min: f.minimum!, max: Math.min(f.maximum!, 2 ** 31) }),
          )
        : f.type === "boolean"
          ? fc.boolean()
          : f.type === "object"
            ? fc.constant(f.example)
            : f.pattern
              ? // A string of the field's form (a URL, a file name with its extension), within its length.
                fc
                  .stringMatching(new RegExp(f.pattern))
                  .filter((v) => v.length >= (f.minLength ?? 0) && v.length <= (f.maxLength ?? Infinity))
              : fc.string({ minLength: f.minLength ?? 0, maxLength: Math.min(20, f.maxLength ?? 20) });
  const invalidOf = (f: FieldSchema) => {
    const values: unknown[] = [null, 1.5, ["x"], { x: 1 }, ...(f.type === "boolean" ? ["true"] : [true])];
    if (f.enum) values.push("true", "", ...f.enum.map((v) => v.toUpperCase()));
    if (f.pattern) values.push("", "no such form");
    if (f.maxLength !== undefined && !f.pattern) values.push("x".repeat(f.maxLength + 1));
    if (f.type === "integer") values.push(f.minimum! - 1, f.maximum! + 1, String(f.minimum), f.minimum! + 0.5);
    else values.push(7);
    return fc.constantFrom(...values);
  };
  const valid = fc
    .subarray(optional, { minLength: required.length ? 0 : (schema.minProperties ?? 0) })
    .chain((chosen) => fc.record(Object.fromEntries([...required, ...chosen].map(([name, f]) => [name, validOf(f)]))));
  const body = fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...fields))
        .chain(([good, [name, f]]) => invalidOf(f).map((bad) => ({ ...good, [name]: bad }))),
    },
    { weight: 1, arbitrary: valid.map((good) => ({ ...good, notAField: 1 })) },
    { weight: 1, arbitrary: fc.constantFrom({}, [], null, "x") },
  );
  const operation = (generatedOperations as unknown as Record<string, Parameters<typeof serialise>[0]>)[operationId]!;

  it("on at least 200 generated bodies", async () => {
    const verdicts = { sendable: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const sendable = serialise(operation, value).violations.length === 0;
        verdicts[sendable ? "sendable" : "refused"]++;
        const response = await fetch(mockUrl + pathOf(op, TOKEN), {
          method: op.method.toUpperCase(),
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(value),
        });
        await response.arrayBuffer();
        if (response.status !== 200) expect(response.status).toBe(400);
        expect({ value, accepted: response.status === 200 }).toEqual({ value, accepted: sendable });
      }),
      { numRuns: 200, seed: 20261201 },
    );
    expect(Math.min(verdicts.sendable, verdicts.refused)).toBeGreaterThan(30);
  }, 120_000);
});

describe("npm run mock's printed curl commands", () => {
  it("each get their named example from the mock, with its status", async () => {
    const { exampleCurls } = await import("../scripts/mock.js");
    const curls: string[] = exampleCurls(mockUrl);
    expect(curls).toHaveLength(responseExamples.length);
    // Four at a time: several hundred shells and curls one after another took over a minute on a loaded machine.
    const left = [...curls.entries()];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let next = left.shift(); next; next = left.shift()) {
          const [i, curl] = next;
          const run = await promisify(execFile)("bash", [
            "-c",
            `${curl.split("\n")[1]} -o /dev/null -w '%{http_code}'`,
          ]);
          expect(run.stdout, responseExamples[i]!.name).toBe(responseExamples[i]!.status);
        }
      }),
    );
  }, 120_000);
});

describe("the mock on a port that is taken", () => {
  const taken = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as AddressInfo).port, close: () => server.close() };
  };

  it("startMock() rejects with an Error that names the port and carries EADDRINUSE (Prism rejects with a string)", async () => {
    const busy = await taken();
    try {
      const failure = await startMock({ port: busy.port }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).toMatchObject({ code: "EADDRINUSE", message: `port ${busy.port} on 127.0.0.1 is in use` });
    } finally {
      busy.close();
    }
  });

  it("npm run mock says so in one line with the variable to set, no stack, exit 1", async () => {
    const busy = await taken();
    try {
      const result = spawnSync("node", ["scripts/mock.js"], {
        cwd: root,
        env: { ...process.env, PORT: String(busy.port) },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect([result.status, result.stderr.trim()]).toEqual([
        1,
        `npm run mock: port ${busy.port} on 127.0.0.1 is in use: set PORT to a free port, e.g. PORT=${busy.port + 1} npm run mock`,
      ]);
    } finally {
      busy.close();
    }
  }, 30_000);
});

describe("the mock against a path that is not valid percent-encoding", () => {
  it("answers 400 and goes on serving (Prism 5.14's path matcher would throw outside any catch and end the process)", async () => {
    const mock = await startMock();
    try {
      const bad = pathOf(
        operations.find((op) => op.method === "get")!,
        TOKEN,
      ).replace(/[^/]+$/, "%E0%A4%A");
      const answer = await fetch(`${mock.url}${bad}`);
      expect(answer.status).toBe(400);
      expect(await answer.text()).toMatch(/percent-encoding/);
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: mock.url });
      expect((await partner.getInstances()).error).toBeUndefined();
    } finally {
      await mock.stop();
    }
  });
});
