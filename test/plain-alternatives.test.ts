// scripts/generate.js compiles the spec's readable alternatives (an open enum's anyOf, a nullable
// value's anyOf/oneOf with null) as the plain schema they equal: a validator then checks a field
// once instead of calling a function per branch. It must accept and refuse exactly what the spec does.
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { plainAlternatives, withoutAnnotations } from "../scripts/generate.js";
import { namedExamples, operations, spec } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- schemas and examples are free-form JSON

// The spec's schemas as the generator reads them (annotations left out), and every inline answer schema.
const schemas: Record<string, Json> = Object.fromEntries(
  Object.entries(spec.components.schemas as Json).map(([name, schema]) => [name, withoutAnnotations(schema)]),
);
for (const op of operations)
  if (op.successSchema && !op.successSchema.$ref)
    schemas[`${op.operationId}Answer`] = withoutAnnotations(op.successSchema);
const plain = Object.fromEntries(
  Object.entries(schemas).map(([name, schema]) => [name, plainAlternatives(schema, schemas, new Set([name]))]),
);
const validatorsOf = (components: Record<string, Json>) => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema({ $id: "spec", components: { schemas: components } });
  return (name: string) => ajv.getSchema(`spec#/components/schemas/${name}`)!;
};
const [original, compiled] = [validatorsOf(schemas), validatorsOf(plain)];

/** Every node of a JSON value, the value itself first. */
const nodes = (value: Json): Json[] =>
  value && typeof value === "object" ? [value, ...Object.values(value).flatMap(nodes)] : [value];
/** `value` with the node at each path replaced by each of a few values of every type, or removed. */
function* variants(value: Json): Generator<Json> {
  if (!value || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    for (const other of [null, "x", "", 0, -1, 1.5, true, {}, [], ["x"]]) yield setAt(value, key, other);
    if (!Array.isArray(value)) yield setAt(value, key, undefined);
    for (const deeper of variants(value[key])) yield setAt(value, key, deeper);
  }
}
const setAt = (value: Json, key: string, to: Json) => {
  const copy = Array.isArray(value) ? [...value] : { ...value };
  if (to === undefined) delete copy[key];
  else copy[key] = to;
  return copy;
};
const seeds = [1, "x", null, true, [], {}, ...namedExamples().flatMap((e) => nodes(e.value))];

describe("the validators' plain alternatives (scripts/generate.js plainAlternatives)", () => {
  it("change the schemas they are for: open enums and nullable values", () => {
    const changed = Object.keys(schemas).filter(
      (name) => JSON.stringify(plain[name]) !== JSON.stringify(schemas[name]),
    );
    expect(changed).toEqual(expect.arrayContaining(["PartnerInstance", "TypeInstance"]));
    expect(JSON.stringify(plain.PartnerInstance)).not.toMatch(/anyOf|oneOf/);
  });

  it.each(Object.keys(schemas))("%s accepts and refuses exactly what the spec's schema does", (name) => {
    const [spec, ours] = [original(name), compiled(name)];
    let accepted = 0;
    let refused = 0;
    for (const seed of seeds) {
      const values = spec(seed) ? [seed, ...variants(seed)] : [seed];
      for (const value of values) {
        const verdict = spec(value);
        if (ours(value) !== verdict) expect.fail(`${name}: ${JSON.stringify(value)} is ${verdict ? "" : "not "}valid`);
        if (verdict) accepted++;
        else refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    if (namedExamples().some((e) => spec(e.value))) expect(accepted).toBeGreaterThan(0);
  });

  it("leave every other alternative as it is", () => {
    const components: Record<string, Json> = {
      Known: { type: "string", enum: ["a", "b"] },
      Time: { type: "string", pattern: "^\\d" },
      Self: { anyOf: [{ $ref: "#/components/schemas/Self" }, { type: "null" }] },
    };
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    for (const schema of [
      { oneOf: [ref("Known"), { type: "string" }] }, // a known value passes both branches: oneOf refuses it
      { anyOf: [ref("Known"), { type: "null" }] }, // the enum refuses null on its own
      { anyOf: [{ type: "object", allOf: [{ required: ["a"] }] }, { type: "null" }] },
      { anyOf: [ref("Time"), { type: "integer" }] },
      { anyOf: [ref("Time"), { type: "null" }, { type: "boolean" }] },
    ])
      expect(plainAlternatives(schema, components)).toEqual(schema);
    expect(plainAlternatives(components.Self, components, new Set(["Self"]))).toEqual(components.Self);
    expect(plainAlternatives({ anyOf: [ref("Time"), { type: "null" }] }, components)).toEqual({
      type: ["string", "null"],
      pattern: "^\\d",
    });
    expect(plainAlternatives({ anyOf: [ref("Known"), { type: "string" }] }, components)).toEqual({ type: "string" });
  });
});
