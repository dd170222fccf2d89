// The GREEN-API facts the code reads at run time, generated from spec/ (issues #22 and #23): each
// generated value equals what the spec says, the spec's text states the same numbers, and the
// rules it sets (the webhook token, the webhook URL, the phone number, the query) refuse what can
// never work and take what can. Numbers come from the spec, never from this file.
import { describe, expect, it } from "vitest";
import * as generated from "../generated/operations.js";
import * as v from "../generated/validators.js";
import { webhookDelivery, webhookUrlTokenRule } from "../generated/webhooks.js";
import { deref, operations, spec } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const schema = (name: string): Json => spec.components.schemas[name];
const op = (id: string): Json => (generated as Json)[id];

describe("per operation: queryParams, validateQuery, poll", () => {
  const queryOf = (id: string) =>
    operations
      .filter((o) => o.operationId === id)
      .flatMap(({ path, operation }) => [...(spec.paths[path].parameters ?? []), ...(operation.parameters ?? [])])
      .map(deref)
      .filter((p: Json) => p.in === "query");

  it.each(operations.map((o) => [o.operationId] as const))(
    "%s: its query's names, and a validator only with one",
    (id) => {
      const query = queryOf(id);
      expect(op(id).queryParams).toEqual(query.map((p: Json) => p.name));
      expect(typeof op(id).validateQuery).toBe(query.length ? "function" : "undefined");
    },
  );

  it("at least one operation has a query (receiveNotification)", () => {
    expect(operations.filter((o) => op(o.operationId).queryParams.length).length).toBeGreaterThan(0);
  });

  it.each(operations.filter((o) => queryOf(o.operationId).length).map((o) => [o.operationId] as const))(
    "%s: validateQuery takes each bound, refuses one past it, an unknown name and an unparsed string",
    (id) => {
      const { validateQuery } = op(id);
      for (const p of queryOf(id)) {
        const { minimum, maximum } = p.schema;
        expect(minimum, `${p.name} has a minimum`).toEqual(expect.any(Number));
        expect(validateQuery({ [p.name]: minimum })).toBe(true);
        expect(validateQuery({ [p.name]: minimum - 1 })).toBe(false);
        // A maximum where GREEN-API documents one (lastOutgoingMessages' minutes has none).
        if (maximum !== undefined) {
          expect(validateQuery({ [p.name]: maximum })).toBe(true);
          expect(validateQuery({ [p.name]: maximum + 1 })).toBe(false);
        }
        expect(validateQuery({ [p.name]: String(minimum) })).toBe(false);
        expect(validateQuery.errors[0]).toMatchObject({ instancePath: `/${p.name}`, keyword: "type" });
      }
      expect(validateQuery({ notAParameter: 1 })).toBe(false);
      expect(validateQuery.errors[0]).toMatchObject({ keyword: "additionalProperties" });
    },
  );

  it("receiveNotification refuses the receiveTimeout of issue #22 (600)", () => {
    expect(generated.receiveNotification.validateQuery({ receiveTimeout: 600 })).toBe(false);
  });

  it.each(operations.map((o) => [o.operationId, o] as const))("%s: poll is its x-poll, or null", (id, o) => {
    expect(op(id).poll).toEqual(o.operation["x-poll"] ?? null);
  });

  it("the waits have GREEN-API's advice: getStateInstance, qr and receiveNotification", () => {
    expect(generated.getStateInstance.poll).toEqual({ timeoutMs: expect.any(Number), intervalMs: expect.any(Number) });
    expect(generated.qr.poll).toEqual({ intervalMs: expect.any(Number) });
    expect(generated.receiveNotification.poll).toEqual({
      receiveTimeout: expect.any(Number),
      retryDelayMs: expect.any(Number),
    });
    // The advised long-poll wait is one the query accepts.
    expect(
      generated.receiveNotification.validateQuery(pick(generated.receiveNotification.poll, "receiveTimeout")),
    ).toBe(true);
  });

  it("each x-poll's numbers stand in its operation's description, with their source", () => {
    const text = (id: string) => operations.find((o) => o.operationId === id)!.operation.description as string;
    const { timeoutMs, intervalMs } = generated.getStateInstance.poll;
    expect(text("getStateInstance")).toContain(
      `every ${intervalMs / 1000} seconds, for up to ${timeoutMs / 60000} minutes`,
    );
    expect(text("qr")).toContain(`every ${generated.qr.poll.intervalMs / 1000} seconds (\`x-poll\`)`);
    const { receiveTimeout, retryDelayMs } = generated.receiveNotification.poll;
    expect(text("receiveNotification")).toContain(`with \`receiveTimeout\` ${receiveTimeout}`);
    expect(text("receiveNotification")).toContain(`wait ${retryDelayMs / 1000} seconds`);
  });
});

const pick = <T extends object, K extends keyof T>(from: T, key: K) => ({ [key]: from[key] }) as Pick<T, K>;

describe("webhookDelivery: how GREEN-API delivers a webhook", () => {
  it("is the spec's x-webhook-delivery", () => {
    expect(webhookDelivery).toEqual(spec["x-webhook-delivery"]);
    expect(Object.keys(webhookDelivery)).toEqual(["answerWithinMs", "resendAfterMs", "keptForMs"]);
  });

  it("says what the Webhooks group's text says, and names its source", () => {
    const text: string = spec.tags.find((t: Json) => t.name === "Webhooks").description;
    expect(text).toContain(`within ${webhookDelivery.answerWithinMs / 1000} seconds`);
    expect(text).toContain(`again after ${webhookDelivery.resendAfterMs / 1000} seconds`);
    expect(text).toContain(`up to ${webhookDelivery.keptForMs / 3_600_000} hours`);
    expect(text).toMatch(/`x-webhook-delivery`; GREEN-API's page "Working with incoming webhooks"/);
  });
});

describe("quotaFields: the quota objects of a 466", () => {
  it("are QuotaExceededError's fields, each a QuotaStatus or null", () => {
    const quota = schema("QuotaExceededError");
    expect(generated.quotaFields).toEqual(Object.keys(quota.properties));
    for (const field of generated.quotaFields)
      expect(quota.properties[field].anyOf).toEqual([{ $ref: "#/components/schemas/QuotaStatus" }, { type: "null" }]);
  });
});

describe("webhookUrlToken: what can be sent as `Authorization: Bearer <token>` and matched", () => {
  const token = schema("WebhookUrlToken");
  const refused = [" leading", "trailing ", "in side", "tab\there", "line\nbreak", "кириллица", "café", "nul\u0000"];
  const taken = [token.example, "", "AZaz09-._~+/=", "!#$%&'()*,:;<>?@[]^`{|}\"\\"];

  it("is the rule in plain words, from the spec", () => {
    expect(webhookUrlTokenRule).toBe(token["x-pattern-description"]);
    expect(webhookUrlTokenRule).toMatch(/visible ASCII/);
  });

  it.each(refused)("refuses %j", (value) => {
    expect(v.validateWebhookUrlToken(value)).toBe(false);
  });

  it.each(taken)("takes %j", (value) => {
    expect(v.validateWebhookUrlToken(value)).toBe(true);
  });

  it.each(["CreateInstanceRequest", "SetSettingsRequest"])(
    "%s holds to it; getSettings' answer stays tolerant",
    (name) => {
      const validate = (v as Json)[`validate${name}`];
      expect(schema(name).properties.webhookUrlToken.$ref).toBe("#/components/schemas/WebhookUrlToken");
      for (const value of refused) expect(validate({ webhookUrlToken: value }), value).toBe(false);
      for (const value of taken) expect(validate({ webhookUrlToken: value }), value).toBe(true);
      expect(v.validateInstanceSettings({ wid: "", webhookUrlToken: " anything goes in an answer " })).toBe(true);
    },
  );
});

describe("webhookUrl: an http(s) URL, or the empty string that turns webhooks off", () => {
  const url = schema("WebhookUrl");
  const refused = ["not a url", "mysite.com/webhook", "ftp://mysite.com/", "https://", "https:///path", "https://a b/"];
  const taken = [url.example, "", "http://127.0.0.1:8080", "https://mysite.com", "HTTPS://MYSITE.COM/x?a=1#b"];

  it.each(["CreateInstanceRequest", "SetSettingsRequest"])("%s refuses what is no URL and takes what is", (name) => {
    const validate = (v as Json)[`validate${name}`];
    expect(schema(name).properties.webhookUrl.$ref).toBe("#/components/schemas/WebhookUrl");
    for (const value of refused) expect(validate({ webhookUrl: value }), value).toBe(false);
    for (const value of taken) expect(validate({ webhookUrl: value }), value).toBe(true);
  });

  it("says its rule in plain words", () => {
    expect(url["x-pattern-description"]).toMatch(/http:\/\/ or https:\/\//);
  });
});

describe("getAuthorizationCode's phoneNumber: the bounds of a real international number", () => {
  const phone = schema("GetAuthorizationCodeRequest").properties.phoneNumber;
  const ok = (phoneNumber: number) => v.validateGetAuthorizationCodeRequest({ phoneNumber });

  it("is 7 to 15 digits (the shortest numbers in use, E.164's longest)", () => {
    expect(String(phone.minimum)).toHaveLength(7);
    expect(String(phone.maximum)).toHaveLength(15);
    expect(phone.description).toMatch(/From 7 to 15 digits/);
  });

  it("refuses 12 (issue #22), one below the minimum and one above the maximum; takes both bounds", () => {
    expect(ok(12)).toBe(false);
    expect(ok(phone.minimum - 1)).toBe(false);
    expect(ok(phone.maximum + 1)).toBe(false);
    expect(ok(phone.minimum)).toBe(true);
    expect(ok(phone.maximum)).toBe(true);
    expect(ok(phone.example)).toBe(true);
  });
});

describe("outgoingQueue: GREEN-API's outgoing queue", () => {
  it("is the spec's x-outgoing-queue, whole positive numbers", () => {
    const { outgoingQueue } = generated;
    expect(outgoingQueue).toEqual(spec["x-outgoing-queue"]);
    for (const value of Object.values(outgoingQueue)) expect(Number.isInteger(value) && value > 0).toBe(true);
  });
});
