// The Prism mock against the spec and the client: every named example comes back through the
// client in the right place, invalid requests get the spec's 400, broken examples fail loudly,
// and the client's validator and the mock agree on what may be sent.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Middleware } from "openapi-fetch";
import { describe, expect, inject, it } from "vitest";
import { type CreateInstanceRequest, createPartnerClient, validateSettings } from "../src/index.js";
import { startPrism } from "../scripts/prism.js";
import { CREATE_INSTANCE_PATH, deref, namedExamples, requestSchema, spec } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const mockUrl = inject("mockUrl");
const validBody = namedExamples().find((e) => e.status === null)!.value as CreateInstanceRequest;
const responseExamples = namedExamples().filter((e) => e.status !== null);
const firstCreated = responseExamples.find((e) => e.status === "200")!.value;

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

describe("the mock answers every named example through the client", () => {
  it.each(responseExamples.map((e) => [`${e.name} (HTTP ${e.status}, ${e.mediaType})`, e] as const))("%s", async (_, example) => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl });
    const prefer = example.status === "200" ? `example=${example.name}` : `code=${example.status}, example=${example.name}`;
    partner.raw.use(headers({ Prefer: prefer, Accept: example.mediaType }));
    const result = await partner.createInstance(validBody);
    const value = example.value as Record<string, unknown> | string;
    if (typeof value === "string") expect(result.error).toMatchObject({ kind: "http", status: Number(example.status) });
    else if ("code" in value)
      expect(result.error).toMatchObject({ kind: "api", code: value.code, description: value.description, status: Number(example.status) });
    else expect(result).toEqual({ data: value });
  });

  it("answers a valid request with no preference with the first created instance", async () => {
    const result = await createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl }).createInstance(validBody);
    expect(result).toEqual({ data: firstCreated });
  });
});

describe("the mock refuses an invalid request with the spec's 400", () => {
  const badRequest = deref(deref(spec.paths[CREATE_INSTANCE_PATH].post.responses["400"]).content["application/json"].examples);
  const enumField = Object.entries(requestSchema.properties as Record<string, object>).find(([, s]) => deref(s).enum)![0];
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
  const fields = Object.entries(requestSchema.properties as Record<string, object>).map(([name, s]) => [name, deref(s)] as const);
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
    { weight: 1, arbitrary: fc.constantFrom("", ".", "..", "gac..x", "gac.a b", "gac.a\tb", "a#b", "a?b", "a/b", "%2F", "$&", "ü") },
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
