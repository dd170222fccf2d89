// Gate 3: every named example validates against its own schema (JSON Schema 2020-12), and the
// gate bites: a broken copy of each example is rejected.
import { describe, expect, it } from "vitest";
import { byId, compile, deref, namedExamples, operations, specAjv } from "./helpers/spec.js";

const ajv = specAjv();
const examples = namedExamples();

describe("named examples", () => {
  it.each(operations.map((op) => [op.operationId, op] as const))(
    "exist on every media type of %s",
    (_, { operation }) => {
      const mediaTypes = [operation.requestBody, ...Object.values(operation.responses)]
        .filter(Boolean)
        .map(deref)
        .flatMap((body) => Object.entries(body.content ?? {}));
      for (const [mediaType, media] of mediaTypes as Array<[string, { examples?: object }]>)
        expect(Object.keys(media.examples ?? {}), mediaType).not.toHaveLength(0);
    },
  );

  it.each(examples.map((e) => [`${e.where} ${e.mediaType} ${e.name}`, e] as const))("%s validates", (_, example) => {
    const validate = compile(ajv, example.schema);
    expect(validate(example.value), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(examples.map((e) => [`${e.where} ${e.mediaType} ${e.name}`, e] as const))(
    "a broken copy of %s is rejected",
    (_, example) => {
      const validate = compile(ajv, example.schema);
      // A value of the wrong type: an object where text is expected, and a foreign object elsewhere.
      const broken = typeof example.value === "string" ? { text: example.value } : [example.value];
      expect(validate(broken)).toBe(false);
    },
  );

  it("include a WhatsApp instance, a MAX instance and a failure inside HTTP 200", () => {
    const ok = examples
      .filter((e) => e.where.endsWith(" 200") && e.operationId === "createInstance")
      .map((e) => e.value as Record<string, unknown>);
    const types = ok.map((value) => value.typeInstance);
    expect(types).toContain("whatsapp");
    expect(types).toContain("v3");
    expect(ok).toContainEqual({ code: 401, description: "Unauthorized" });
  });

  it.each(operations.map((op) => [op.operationId, op] as const))(
    "of %s's 200 answer are a result or GREEN-API's error, never both",
    (_, op) => {
      const validators = [op.successSchema, op.errorSchema].map((branch: object) => compile(ajv, branch));
      const mine = examples.filter((e) => e.status === "200" && e.path === op.path);
      // A partner method's 200 has a result example and an error one; an instance method's only results.
      expect(mine.length).toBeGreaterThanOrEqual(op.failureStyle === "inside-200" ? 2 : 1);
      for (const example of mine)
        expect(
          validators.filter((v: (x: unknown) => boolean) => v(example.value)),
          example.name,
        ).toHaveLength(1);
    },
  );

  it("tell one story: every created instance is listed, with its token, and the delete example deletes a listed one", () => {
    const listed = byId("getInstances").successes.flatMap(
      (e) => e.value as Array<{ idInstance: number; apiTokenInstance: string; typeInstance: string }>,
    );
    for (const created of byId("createInstance").successes.map(
      (e) => e.value as { idInstance: number; apiTokenInstance: string; typeInstance: string },
    ))
      expect(listed, String(created.idInstance)).toContainEqual(expect.objectContaining(created));
    const deleted = (byId("deleteInstanceAccount").request as { idInstance: number }).idInstance;
    expect(listed.find((i) => i.idInstance === deleted)).toMatchObject({ deleted: false });
  });
});
