// The client's promises that do not need a fault: bad input is refused before anything is sent,
// with the field and the rule; the token is always one path segment; options are checked.
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CreateInstanceRequest, createPartnerClient, validateSettings } from "../src/index.js";
import { answer, loopback } from "./helpers/server.js";
import { CREATE_INSTANCE_PATH, deref, namedExamples, requestSchema, spec } from "./helpers/spec.js";
import { root } from "./helpers/run.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

type Loose = Record<string, unknown>;
const instance = namedExamples().find((e) => e.where.endsWith(" 200") && "idInstance" in (e.value as object))!.value;
const fields = Object.entries(requestSchema.properties as Record<string, Loose>).map(
  ([name, s]) => [name, deref(s)] as const,
);
const integerField = fields.find(([, s]) => s.type === "integer")!;
const enumField = fields.find(([, s]) => Array.isArray(s.enum))!;
const stringField = fields.find(([, s]) => s.type === "string" && !s.enum)!;

let server: Awaited<ReturnType<typeof loopback>>;
beforeAll(async () => void (server = await loopback(answer(200, instance))));
afterAll(() => server.close());

function client(partnerToken = TOKEN) {
  return createPartnerClient({ partnerToken, baseUrl: server.url });
}

async function refused(settings: Loose) {
  const before = server.requests.length;
  const result = await client().createInstance(settings as CreateInstanceRequest);
  expect(server.requests.length, "nothing may be sent").toBe(before);
  expect(result.data).toBeUndefined();
  if (result.error?.kind !== "invalid-request") throw new Error(`expected invalid-request, got ${result.error?.kind}`);
  expect(result.error).toMatchObject({ sent: "no", attempts: 0 });
  expectNoToken(result.error);
  return result.error;
}

describe("invalid settings are refused, nothing is sent, and the error names the field and the rule", () => {
  it.each([
    ["an empty body", {}, "body", "minProperties"],
    ["an unknown field", { stateWebhok: "yes" }, "stateWebhok", "additionalProperties"],
    [
      `${integerField[0]} below its minimum`,
      { [integerField[0]]: integerField[1].minimum - 1 },
      integerField[0],
      "minimum",
    ],
    [
      `${integerField[0]} above its maximum`,
      { [integerField[0]]: integerField[1].maximum + 1 },
      integerField[0],
      "maximum",
    ],
    [
      `${integerField[0]} not a whole number`,
      { [integerField[0]]: integerField[1].minimum + 0.5 },
      integerField[0],
      "type",
    ],
    [`"true" for ${enumField[0]}`, { [enumField[0]]: "true" }, enumField[0], "enum"],
    [`a boolean for ${enumField[0]}`, { [enumField[0]]: true }, enumField[0], "enum"],
    [`a number for ${stringField[0]}`, { [stringField[0]]: 1 }, stringField[0], "type"],
  ])("%s", async (_, settings, field, rule) => {
    const error = await refused(settings);
    expect(error.violations).toContainEqual(expect.objectContaining({ field, rule }));
    const violation = error.violations.find((v) => v.field === field && v.rule === rule)!;
    expect(violation.message.startsWith(field)).toBe(true);
    expect(error.message).toContain(violation.message);
  });

  it("states a bound in plain words, from the spec", async () => {
    const [name, schema] = integerField;
    const error = await refused({ [name]: schema.minimum - 1 });
    expect(error.message).toContain(`${name} must be >= ${schema.minimum}`);
  });

  it("lists every violation at once", async () => {
    const error = await refused({ [integerField[0]]: 1, [enumField[0]]: "true", stateWebhok: "yes" });
    expect(new Set(error.violations.map((v) => v.field))).toEqual(
      new Set([integerField[0], enumField[0], "stateWebhok"]),
    );
  });

  it("refuses what is not an object at all", async () => {
    for (const settings of [null, [], "name"]) await refused(settings as unknown as Loose);
  });

  it("accepts every field of the spec with its example, and sends it as JSON", async () => {
    const settings = Object.fromEntries(fields.map(([name, s]) => [name, s.example]));
    expect(validateSettings(settings, TOKEN)).toEqual([]);
    const result = await client().createInstance(settings as CreateInstanceRequest);
    expect(result.error).toBeUndefined();
    const seen = server.requests.at(-1)!;
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen.body)).toEqual(settings);
  });
});

describe("the partner token", () => {
  it.each([
    "",
    ".",
    "..",
    "a/b",
    "../getInstances",
    "a?b=1",
    "a#b",
    "a b",
    "a\tb",
    "a\nb",
    "x..y",
    "gac.ünï",
    "%2F%2E%2E%2F",
    'a"b',
    "a\\b",
    "a\u0000b",
    "\ud800",
  ])("%j is refused by the spec's pattern when the client is made, naming the rule, never the token", (token) => {
    let thrown: unknown;
    try {
      createPartnerClient({ partnerToken: token, baseUrl: server.url });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    // An empty token is called missing; any other breaks the rule, which the message names.
    const rule =
      token === ""
        ? "partnerToken is required"
        : `partnerToken ${deref(spec.components.parameters.partnerToken).schema["x-pattern-description"]}`;
    expect((thrown as Error).message).toContain(rule);
    if (token.length > 3) expectNoToken(thrown, token, token.length); // a 1-character "token" is in every text
    expect(validateSettings({ name: "x" }, token)).toContainEqual(
      expect.objectContaining({ field: "partnerToken", rule: "pattern" }),
    );
  });

  it.each(["gac.abc$&def", "gac.$x", "a;b=c", "gac.(x)*+,:@~!'"])(
    "%j is sent as exactly one path segment",
    async (token) => {
      const result = await client(token).createInstance({ name: "x" });
      expect(result.error).toBeUndefined();
      const path = server.requests.at(-1)!.url;
      const prefix = CREATE_INSTANCE_PATH.replace("{partnerToken}", "");
      expect(path.startsWith(prefix)).toBe(true);
      const segment = path.slice(prefix.length);
      expect(segment).not.toMatch(/[/?#]/);
      expect(decodeURIComponent(segment)).toBe(token);
    },
  );
});

describe("createPartnerClient", () => {
  it("defaults baseUrl to the spec's server", () => {
    expect(createPartnerClient({ partnerToken: TOKEN }).baseUrl).toBe(spec.servers[0].variables.partnerApiUrl.default);
  });

  it("keeps the raw typed openapi-fetch client reachable", async () => {
    const { data } = await client().raw.POST("/partner/createInstance/{partnerToken}", {
      params: { path: { partnerToken: TOKEN } },
      body: { name: "raw" },
    });
    expect(data).toEqual(instance);
  });

  it.each([
    ["a missing partnerToken", {}],
    ["a partnerToken that is not a string", { partnerToken: 42 }],
    ["a baseUrl that is not a URL", { partnerToken: TOKEN, baseUrl: "not a url" }],
    ["a baseUrl with a query", { partnerToken: TOKEN, baseUrl: "https://api.green-api.com?x=1" }],
    ["a timeoutMs that is not positive", { partnerToken: TOKEN, timeoutMs: 0 }],
    [
      "a baseUrl with a user name and password",
      { partnerToken: TOKEN, baseUrl: `https://user:${TOKEN}@api.green-api.com` },
    ],
    ["a baseUrl of another scheme", { partnerToken: TOKEN, baseUrl: "ftp://api.green-api.com" }],
    ["retry attempts that are not a whole number", { partnerToken: TOKEN, retry: { attempts: 0.5 } }],
  ])("throws a TypeError on %s, naming no token", (_, options) => {
    let thrown: unknown;
    try {
      createPartnerClient(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expectNoToken(thrown);
  });
});

describe("the package in browsers", () => {
  it("bundles for the browser platform: no Node-only import anywhere in the client", async () => {
    // esbuild fails to resolve a `node:` module, or any Node built-in, for platform "browser".
    const result = await build({
      entryPoints: [join(root, "src/index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).toContain("was not sent");
  });
});
