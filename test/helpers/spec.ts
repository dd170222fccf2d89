// The bundled spec, read the way every test reads the API's facts: from generated/openapi.json,
// which test/generated.test.ts proves is a fresh bundle of spec/.
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import * as specTools from "../../scripts/spec.js";

const addFormats = formats.default; // ajv-formats is CommonJS with a default export

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON

export const spec: Json = specTools.loadSpec();

/** Follows `$ref`s inside the spec; sibling keywords of a `$ref` win over the target's (OpenAPI 3.1). */
export const deref = (node: Json): Json => specTools.deref(spec, node);

export type NamedExample = ReturnType<typeof specTools.namedExamples>[number] & { operationId: string };

/** Every named example under a media type of the spec: request bodies and responses. */
export const namedExamples = (): NamedExample[] =>
  specTools.namedExamples(spec).map((e: ReturnType<typeof specTools.namedExamples>[number]) => ({ ...e, operationId: spec.paths[e.path][e.method].operationId }));

/** One operation of the spec, with what the tests need of it. */
export interface SpecOperation {
  operationId: "createInstance" | "getInstances" | "deleteInstanceAccount";
  method: string;
  path: string;
  operation: Json;
  /** The request body's schema, dereferenced; undefined for a method without a body. */
  requestSchema: Json;
  /** The first named request example; undefined for a method without a body. */
  request: unknown;
  /** The 200's branches: the method's result and PartnerError. */
  successSchema: Json;
  errorSchema: Json;
  /** The named 200 examples that are results, not errors. */
  successes: NamedExample[];
  retrySafe: boolean;
}

export const operations: SpecOperation[] = Object.entries(spec.paths as Json).flatMap(([path, item]: [string, Json]) =>
  Object.entries(item)
    .filter(([method]) => method !== "parameters")
    .map(([method, operation]: [string, Json]) => {
      const oneOf = deref(deref(deref(operation.responses["200"]).content["application/json"].schema).oneOf);
      const [successSchema, errorSchema] = [...oneOf].sort((a: Json) => (a.$ref.endsWith("/PartnerError") ? 1 : -1)).map(deref);
      const examples = namedExamples().filter((e) => e.path === path && e.method === method);
      const requestBody = operation.requestBody ? deref(operation.requestBody).content["application/json"] : undefined;
      return {
        operationId: operation.operationId,
        method,
        path,
        operation,
        requestSchema: requestBody && deref(requestBody.schema),
        request: examples.find((e) => e.status === null)?.value,
        successSchema,
        errorSchema,
        successes: examples.filter((e) => e.status === "200" && !(e.value && typeof e.value === "object" && "code" in e.value)),
        retrySafe: operation["x-retry-safe"],
      };
    }),
);

export const byId = (id: SpecOperation["operationId"]) => operations.find((o) => o.operationId === id)!;
export const createInstanceOp = byId("createInstance");
export const CREATE_INSTANCE_PATH = createInstanceOp.path;
export const createInstance: Json = createInstanceOp.operation;
export const requestSchema: Json = createInstanceOp.requestSchema;

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
