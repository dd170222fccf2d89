// The bundled spec, read the way every test reads the API's facts: from generated/openapi.json,
// which test/generated.test.ts proves is a fresh bundle of spec/.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";

const addFormats = formats.default; // ajv-formats is CommonJS with a default export

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON

export const spec: Json = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8"));

export const CREATE_INSTANCE_PATH = "/partner/createInstance/{partnerToken}";
export const createInstance: Json = spec.paths[CREATE_INSTANCE_PATH].post;

/** Follows `$ref`s inside the spec; sibling keywords of a `$ref` win over the target's (OpenAPI 3.1). */
export function deref(node: Json): Json {
  if (!node || typeof node !== "object" || typeof node.$ref !== "string") return node;
  const { $ref, ...siblings } = node;
  const target = ($ref as string)
    .replace(/^#\//, "")
    .split("/")
    .reduce((at: Json, key: string) => at?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  return { ...deref(target), ...siblings };
}

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

export interface NamedExample {
  where: string;
  name: string;
  mediaType: string;
  schema: Json;
  value: unknown;
}

/** Every named example under a media type of the spec: request bodies and responses. */
export function namedExamples(): NamedExample[] {
  const found: NamedExample[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths))
    for (const [method, operation] of Object.entries<Json>(item)) {
      if (method === "parameters") continue;
      const bodies: Array<[string, Json]> = [[`${method} ${path} request`, deref(operation.requestBody)]];
      for (const [status, response] of Object.entries<Json>(operation.responses))
        bodies.push([`${method} ${path} ${status}`, deref(response)]);
      for (const [where, body] of bodies)
        for (const [mediaType, media] of Object.entries<Json>(body?.content ?? {}))
          for (const [name, example] of Object.entries<Json>(media.examples ?? {}))
            found.push({ where, name, mediaType, schema: media.schema, value: deref(example).value });
    }
  return found;
}
