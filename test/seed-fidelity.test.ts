// Gate 4: the spec against the documentation's facts, field by field: the seed page's for
// createInstance (test/fixtures/seed.json), and GREEN-API's for the two other methods
// (test/fixtures/, all written by hand). Any difference, missing or extra field fails.
import { describe, expect, it } from "vitest";
import deleteFacts from "./fixtures/deleteInstanceAccount.json" with { type: "json" };
import getInstancesFacts from "./fixtures/getInstances.json" with { type: "json" };
import seed from "./fixtures/seed.json" with { type: "json" };
import { byId, createInstance, deref, requestSchema, spec } from "./helpers/spec.js";

const properties = (schema: { properties: Record<string, object> }) =>
  Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name, deref(s)]));
const responseSchema = deref(deref(createInstance.responses["200"]).content["application/json"].schema);
const [instanceSchema, errorSchema] = responseSchema.oneOf.map(deref);

describe("the spec says what GREEN-API's documentation says", () => {
  it("for the call: method, path, path parameter and server", () => {
    expect(spec.paths[seed.path][seed.method].operationId).toBe("createInstance");
    const params = spec.paths[seed.path].parameters.map(deref).filter((p: { in: string }) => p.in === "path");
    expect(params.map((p: { name: string; required: boolean }) => [p.name, p.required])).toEqual(
      seed.pathParameters.map((name) => [name, true]),
    );
    expect(spec.servers[0].variables.partnerApiUrl.default).toBe(seed.serverDefault);
    expect(createInstance.requestBody.required).toBe(true);
  });

  it("for the body as a whole: at least one field, no unknown field", () => {
    expect(requestSchema.minProperties).toBe(seed.atLeastOneField ? 1 : undefined);
    expect(requestSchema.additionalProperties).toBe(false);
    expect(requestSchema.required ?? []).toEqual([]);
  });

  it("has exactly the seed's request fields", () => {
    expect(Object.keys(requestSchema.properties).sort()).toEqual(seed.requestFields.map((f) => f.name).sort());
  });

  it.each(seed.requestFields.map((f) => [f.name, f] as const))("request field %s", (name, field) => {
    const s = properties(requestSchema)[name];
    const expected = field as Partial<Record<string, unknown>>;
    expect({
      type: s.type,
      values: s.enum,
      default: s.default,
      minimum: s.minimum,
      maximum: s.maximum,
      recommendedMaximum: s["x-recommended-maximum"],
      temporarilyNotWorking: s["x-temporarily-not-working"] ?? undefined,
    }).toEqual({
      type: expected.type,
      values: expected.values,
      default: expected.default,
      minimum: expected.minimum,
      maximum: expected.maximum,
      recommendedMaximum: expected.recommendedMaximum,
      temporarilyNotWorking: expected.temporarilyNotWorking,
    });
    expect(s.description, "the description keeps the seed's notes").toBeTruthy();
    if (expected.temporarilyNotWorking) expect(s.description).toMatch(/temporarily not working/i);
    if (expected.source === "code samples") expect(s.description).toMatch(/code samples/);
    if (typeof expected.maximum === "number") expect(s.description).toContain(String(expected.maximum));
    if (typeof expected.recommendedMaximum === "number")
      expect(s.description).toContain(String(expected.recommendedMaximum));
  });

  it("has exactly the seed's response fields, all required", () => {
    expect(Object.keys(instanceSchema.properties).sort()).toEqual(seed.responseFields.map((f) => f.name).sort());
    expect([...instanceSchema.required].sort()).toEqual(seed.responseFields.map((f) => f.name).sort());
    for (const field of seed.responseFields) {
      const s = properties(instanceSchema)[field.name];
      const types = s.type ? [s.type] : s.anyOf.map((b: object) => deref(b).type);
      expect(new Set(types), field.name).toEqual(new Set([field.type]));
      for (const value of field.knownValues ?? [])
        expect(
          s.anyOf.map(deref).flatMap((b: { enum?: string[] }) => b.enum ?? []),
          field.name,
        ).toContain(value);
    }
  });

  it("has exactly the seed's error fields", () => {
    expect(Object.keys(errorSchema.properties).sort()).toEqual(seed.errorFields.map((f) => f.name).sort());
    expect([...errorSchema.required].sort()).toEqual(seed.errorFields.map((f) => f.name).sort());
    for (const field of seed.errorFields) expect(properties(errorSchema)[field.name].type).toBe(field.type);
  });

  it("shows the seed's success answer and its failure inside HTTP 200 as named examples", () => {
    const examples = Object.values(deref(createInstance.responses["200"]).content["application/json"].examples);
    const values = examples.map((e) => deref(e).value);
    expect(values).toContainEqual(seed.successExample);
    expect(values).toContainEqual(seed.failureInside200);
  });

  it("states the quirks in the operation's description", () => {
    const text = createInstance.description;
    expect(text).toMatch(/HTTP 200/);
    expect(text).toMatch(/secret/i);
    expect(text).toMatch(/never\s+resend/i);
    expect(text).toMatch(/authori[sz]ed/i);
  });
});

// The two other methods against their fixtures (test/fixtures/, written by hand from GREEN-API's
// documentation of them).

type Field = {
  name: string;
  type: string;
  required?: boolean;
  knownValues?: string[];
  minimum?: number;
  time?: boolean;
  secret?: boolean;
  deprecated?: boolean;
};
type FieldSchema = { type?: string | string[]; anyOf?: object[]; enum?: string[]; pattern?: string; format?: string };
/** A field's schemas through its anyOf branches, `null` aside: an optional answer field may be null. */
const branchesOf = (s: FieldSchema): FieldSchema[] =>
  s.anyOf
    ? s.anyOf.flatMap((b) => branchesOf(deref(b)))
    : s.type === "null"
      ? []
      : [{ ...s, type: [s.type ?? []].flat().filter((t) => t !== "null") }];
const typesOf = (s: FieldSchema): Set<string> => new Set(branchesOf(s).flatMap((b) => b.type ?? []));

function expectFields(schema: { properties: Record<string, object>; required?: string[] }, fields: Field[]) {
  expect(Object.keys(schema.properties).sort()).toEqual(fields.map((f) => f.name).sort());
  expect([...(schema.required ?? [])].sort()).toEqual(
    fields
      .filter((f) => f.required)
      .map((f) => f.name)
      .sort(),
  );
  for (const field of fields) {
    const s = properties(schema)[field.name];
    expect(typesOf(s), field.name).toEqual(new Set([field.type]));
    expect(s.description, `${field.name} is described`).toBeTruthy();
    if (field.minimum !== undefined) expect(s.minimum, field.name).toBe(field.minimum);
    if (field.secret) expect(s["x-secret"], field.name).toBe(true);
    if (field.deprecated) expect(s.deprecated, field.name).toBe(true);
    if (field.time)
      for (const time of branchesOf(s)) {
        expect(time.format, `${field.name} is not RFC 3339 date-time`).toBeUndefined();
        expect(new RegExp(time.pattern!).test("2022-06-03T18:39:44"), field.name).toBe(true);
      }
    for (const value of field.knownValues ?? [])
      expect(
        branchesOf(s).flatMap((b) => b.enum ?? []),
        field.name,
      ).toContain(value);
  }
}

describe.each([
  ["getInstances", getInstancesFacts],
  ["deleteInstanceAccount", deleteFacts],
] as const)("the spec says what GREEN-API's documentation says of %s", (id, facts) => {
  const op = byId(id);

  it("for the call: method, path, path parameter, body and retry safety", () => {
    expect(spec.paths[facts.path][facts.method].operationId).toBe(id);
    const params = spec.paths[facts.path].parameters.map(deref).filter((p: { in: string }) => p.in === "path");
    expect(params.map((p: { name: string }) => p.name)).toEqual(facts.pathParameters);
    expect(Boolean(op.operation.requestBody)).toBe(facts.requestBody);
    expect(op.operation["x-retry-safe"]).toBe(facts.retrySafe);
  });

  it("for its answer's fields", () => {
    expect(op.successSchema.type).toBe(facts.result);
    if ("itemFields" in facts) expectFields(deref(op.successSchema.items), facts.itemFields);
    if ("resultFields" in facts) expectFields(op.successSchema, facts.resultFields);
    if ("requestFields" in facts) {
      expectFields(op.requestSchema, facts.requestFields);
      expect(op.requestSchema.additionalProperties).toBe(false);
    }
    expect(op.errorSchema.title).toBe("PartnerError");
  });

  it("shows its documented examples as named examples", () => {
    const values = Object.values(deref(op.operation.responses["200"]).content["application/json"].examples).map(
      (e) => deref(e).value,
    );
    if ("documentedExample" in facts) {
      const list = values.find(Array.isArray) as unknown[];
      for (const item of facts.documentedExample) expect(list).toContainEqual(item);
      const live = list.find((i) => !(i as { deleted: boolean }).deleted) as { timeDeleted: string };
      expect(live.timeDeleted).toBe(facts.notDeletedSentinel);
    }
    if ("successExample" in facts) expect(values).toContainEqual(facts.successExample);
    for (const failure of "failuresInside200" in facts ? facts.failuresInside200 : [])
      expect(values).toContainEqual(failure);
  });

  it("states its quirks in the operation's description", () => {
    for (const quirk of facts.quirks)
      expect(op.operation.description.toLowerCase(), quirk).toContain(quirk.toLowerCase());
  });
});
