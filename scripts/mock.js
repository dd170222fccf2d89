#!/usr/bin/env node
// `npm run mock`: Prism on the bundled spec, on 127.0.0.1:$PORT (default 4010), for every
// partner and instance method. A valid request gets the method's first success example; `Prefer: example=<name>` gets any named example; an
// invalid request gets the spec's 400 with the violations in the `sl-violations` header.
import { fileURLToPath } from "node:url";
import { startPrism } from "./prism.js";
import { deref, loadSpec, namedExamples } from "./spec.js";

/** One curl command per named response example, for a mock at `url`. */
export function exampleCurls(url, spec = loadSpec()) {
  // Every path parameter takes its example: the partner token, an instance's id and token, a receiptId.
  const values = Object.fromEntries(
    Object.values(spec.components.parameters).map((p) => [deref(spec, p).name, deref(spec, p).example]),
  );
  const examples = namedExamples(spec);
  const quote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`;
  /**
   * The shortest request example of an operation, as curl arguments (JSON, or a multipart form
   * whose file part's bytes are piped in: `printf ... |` before curl); none for a method without a body.
   */
  const bodyOf = (path, method) => {
    const bodies = examples.filter((e) => e.status === null && e.path === path && e.method === method);
    if (!bodies.length) return { pipe: "", args: "" };
    const shortest = bodies.reduce((a, b) => (JSON.stringify(b.value).length < JSON.stringify(a.value).length ? b : a));
    if (shortest.mediaType !== "multipart/form-data")
      return { pipe: "", args: ` -H 'Content-Type: application/json' -d ${quote(JSON.stringify(shortest.value))}` };
    const schema = deref(spec, shortest.schema);
    const [file] = Object.keys(schema.properties).filter((name) => schema.properties[name].contentMediaType);
    const { [file]: bytes, ...fields } = shortest.value;
    const name = fields.fileName ?? file;
    const parts = Object.entries(fields).map(([key, value]) => ` -F ${quote(`${key}=${value}`)}`);
    return {
      pipe: `printf '%s' ${quote(bytes)} | `,
      args: ` -F ${quote(`${file}=@-;filename=${name}`)}${parts.join("")}`,
    };
  };
  return examples
    .filter((e) => e.status !== null)
    .map((e) => {
      const target = `${url}${e.path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name]))}`;
      const prefer = e.status === "200" ? `example=${e.name}` : `code=${e.status}, example=${e.name}`;
      const operationId = spec.paths[e.path][e.method].operationId;
      const body = bodyOf(e.path, e.method);
      return `# ${operationId}: ${e.name} (HTTP ${e.status}, ${e.mediaType})\n${body.pipe}curl -s -X ${e.method.toUpperCase()} '${target}' -H 'Accept: ${e.mediaType}' -H 'Prefer: ${prefer}'${body.args}`;
    });
}

export async function runMock({ port = Number(process.env.PORT ?? 4010), quietCurls = false } = {}) {
  const mock = await startPrism({ mode: "mock", port });
  console.log(`GREEN-API mock (Prism) listening on ${mock.url}`);
  if (!quietCurls) console.log(`\nOne request per named example:\n\n${exampleCurls(mock.url).join("\n\n")}\n`);
  return mock;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mock = await runMock();
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => mock.stop().then(() => process.exit(0)));
}
