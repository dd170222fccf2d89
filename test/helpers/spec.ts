// The bundled spec, read the way every test reads the API's facts: from generated/openapi.json,
// which test/generated.test.ts proves is a fresh bundle of spec/.
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import * as specTools from "../../scripts/spec.js";

const addFormats = formats.default; // ajv-formats is CommonJS with a default export

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON

export const spec: Json = specTools.loadSpec();

export const CREATE_INSTANCE_PATH = "/partner/createInstance/{partnerToken}";
export const createInstance: Json = spec.paths[CREATE_INSTANCE_PATH].post;

/** Follows `$ref`s inside the spec; sibling keywords of a `$ref` win over the target's (OpenAPI 3.1). */
export const deref = (node: Json): Json => specTools.deref(spec, node);

export const requestSchema: Json = deref(createInstance.requestBody.content["application/json"].schema);

/** A JSON Schema 2020-12 validator (Ajv, full formats) that knows every schema of the spec. */
export function specAjv() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "spec", components: spec.components });
  return ajv;
}

/** Compiles a schema object of the spec, whose local `$ref`s point into the spec. */
export function compile(ajv: ReturnType<typeof specAjv>, schema: Json) {
  return ajv.compile(rebase(schema));
}

function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"spec#/'));
}

export type NamedExample = ReturnType<typeof specTools.namedExamples>[number];

/** Every named example under a media type of the spec: request bodies and responses. */
export const namedExamples = (): NamedExample[] => specTools.namedExamples(spec);
