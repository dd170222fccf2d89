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

export type NamedExample = ReturnType<typeof specTools.namedExamples>[number];

/** Every named example under a media type of the spec: request bodies and responses. */
export const namedExamples = (): NamedExample[] => specTools.namedExamples(spec);

/** One operation of the spec, with what the tests need of it. */
export interface SpecOperation {
  operationId: string;
  /** `x-failure-style`: partner methods answer failures inside HTTP 200, instance methods with real statuses. */
  failureStyle: "inside-200" | "http-status";
  /** The family: partner methods take the partner token, instance methods an instance's id and token. */
  family: "partner" | "instance";
  method: string;
  path: string;
  operation: Json;
  /** The request body's schema, dereferenced; undefined for a method without a body. */
  requestSchema: Json;
  /** The request body's media type (`application/json`, `multipart/form-data`); undefined without a body. */
  requestMediaType: string | undefined;
  /** The first named request example; undefined for a method without a body. */
  request: unknown;
  /** The 200's result: the branch beside PartnerError (partner methods), or the whole 200 (instance methods). */
  successSchema: Json;
  /** GREEN-API's `{code, description}` error body (inside HTTP 200 for partner methods, with a 4xx/5xx for instance methods). */
  errorSchema: Json;
  /** The named 200 examples that are results, not errors. */
  successes: NamedExample[];
  retrySafe: boolean;
}

export const operations: SpecOperation[] = Object.entries(spec.paths as Json).flatMap(([path, item]: [string, Json]) =>
  Object.entries(item)
    .filter(([method]) => !["parameters", "servers", "summary", "description"].includes(method))
    .map(([method, operation]: [string, Json]) => {
      const ok = deref(deref(operation.responses["200"]).content["application/json"].schema);
      // Instance methods (x-failure-style http-status) have no PartnerError branch: their 200 is the result.
      const failureStyle = operation["x-failure-style"];
      const partnerError = deref({ $ref: "#/components/schemas/PartnerError" });
      const [successSchema, errorSchema] =
        failureStyle === "http-status"
          ? [ok, partnerError]
          : [...ok.oneOf].sort((a: Json) => (a.$ref.endsWith("/PartnerError") ? 1 : -1)).map(deref);
      const examples = namedExamples().filter((e) => !e.webhook && e.path === path && e.method === method);
      // A body has one media type: JSON, or multipart/form-data (sendFileByUpload).
      const [requestMediaType, requestBody] = operation.requestBody
        ? Object.entries(deref(operation.requestBody).content as Record<string, Json>)[0]!
        : [undefined, undefined];
      return {
        operationId: operation.operationId,
        failureStyle,
        family: path.includes("{partnerToken}") ? ("partner" as const) : ("instance" as const),
        method,
        path,
        operation,
        requestSchema: requestBody && deref(requestBody.schema),
        requestMediaType,
        request: examples.find((e) => e.status === null)?.value,
        successSchema,
        errorSchema,
        successes: examples.filter(
          (e) =>
            e.status === "200" &&
            (failureStyle === "http-status" || !(e.value && typeof e.value === "object" && "code" in e.value)),
        ),
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
