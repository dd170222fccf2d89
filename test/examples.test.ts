// Gate 3: every named example validates against its own schema (JSON Schema 2020-12), and the
// gate bites: a broken copy of each example is rejected.
import { describe, expect, it } from "vitest";
import { compile, createInstance, deref, namedExamples, specAjv } from "./helpers/spec.js";

const ajv = specAjv();
const examples = namedExamples();

describe("named examples", () => {
  it("exist on every media type of createInstance", () => {
    const mediaTypes = [createInstance.requestBody, ...Object.values(createInstance.responses)]
      .map(deref)
      .flatMap((body) => Object.entries(body.content ?? {}));
    for (const [mediaType, media] of mediaTypes as Array<[string, { examples?: object }]>)
      expect(Object.keys(media.examples ?? {}), mediaType).not.toHaveLength(0);
  });

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
    const ok = examples.filter((e) => e.where.endsWith(" 200")).map((e) => e.value as Record<string, unknown>);
    const types = ok.map((value) => value.typeInstance);
    expect(types).toContain("whatsapp");
    expect(types).toContain("v3");
    expect(ok).toContainEqual({ code: 401, description: "Unauthorized" });
  });

  it("of the 200 answer match exactly one branch of its oneOf", () => {
    const branches = deref(deref(createInstance.responses["200"]).content["application/json"].schema).oneOf;
    const validators = branches.map((branch: object) => compile(ajv, branch));
    for (const example of examples.filter((e) => e.where.endsWith(" 200")))
      expect(validators.filter((v: (x: unknown) => boolean) => v(example.value)), example.name).toHaveLength(1);
  });
});
