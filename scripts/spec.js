// Reading the bundled spec: shared by the scripts and the tests, so they find the same examples.
import { readFileSync } from "node:fs";
import { bundledSpec } from "./prism.js";

export function loadSpec(path = bundledSpec) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Follows `$ref`s inside the spec; sibling keywords of a `$ref` win over the target's (OpenAPI 3.1). */
export function deref(spec, node) {
  if (!node || typeof node !== "object" || typeof node.$ref !== "string") return node;
  const { $ref, ...siblings } = node;
  const target = $ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((at, key) => at?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  return { ...deref(spec, target), ...siblings };
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * Every named example under a media type: request bodies and responses, of the paths and of the
 * webhooks (`webhook` true; `path` is then the webhook's name).
 * @returns {Array<{path: string, method: string, operationId: string, webhook: boolean, status: string | null, where: string, name: string, mediaType: string, schema: any, value: unknown}>}
 */
export function namedExamples(spec) {
  const found = [];
  const items = [
    ...Object.entries(spec.paths).map(([path, item]) => [path, item, false]),
    ...Object.entries(spec.webhooks ?? {}).map(([name, item]) => [name, item, true]),
  ];
  for (const [path, item, webhook] of items)
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const bodies = [[null, deref(spec, operation.requestBody)]];
      for (const [status, response] of Object.entries(operation.responses))
        bodies.push([status, deref(spec, response)]);
      for (const [status, body] of bodies)
        for (const [mediaType, media] of Object.entries(body?.content ?? {}))
          for (const [name, example] of Object.entries(media.examples ?? {}))
            found.push({
              path,
              method,
              operationId: operation.operationId,
              webhook,
              status,
              where: `${webhook ? "webhook " : ""}${method} ${path} ${status ?? "request"}`,
              name,
              mediaType,
              schema: media.schema,
              value: deref(spec, example).value,
            });
    }
  return found;
}
