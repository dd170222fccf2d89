#!/usr/bin/env node
// `npm start`, the main job: regenerate what derives from the spec, lint it, build the docs, then
// serve the docs and the mock on loopback and print both URLs. Ctrl-C stops both.
// Ports: PORT for the mock (default 4010), DOCS_PORT for the docs (default 8080).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { buildAllDocs, docsDir, languages } from "./docs.js";
import { main as generate } from "./generate.js";
import { runMock } from "./mock.js";
import { root } from "./prism.js";

function step(title, run) {
  process.stdout.write(`• ${title}… `);
  const started = Date.now();
  run();
  console.log(`done (${Date.now() - started} ms)`);
}

await generate([]);
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
function lint(tool, args) {
  try {
    execFileSync(join(root, "node_modules/.bin", tool), args, { cwd: root, env, stdio: "pipe" });
  } catch (error) {
    console.error(`\n${error.stdout}${error.stderr}`);
    throw new Error(`${tool} found problems: fix spec/ first`);
  }
}
step("redocly lint spec/", () => lint("redocly", ["lint", "spec/openapi.yaml"]));
step("spectral lint generated/openapi.json", () => lint("spectral", ["lint", "generated/openapi.json", "--fail-severity", "warn", "--quiet"]));
step("build docs (English and Russian)", () => buildAllDocs());

// The docs are two self-contained files, so a static-server dependency would add more than it saves.
const pages = new Map(Object.values(languages).map((page) => [`/${page.file}`, readFileSync(join(docsDir, page.file))]));
const docs = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0].replace(/\/$/, "/index.html");
  const page = pages.get(path);
  if (!page) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
});
await new Promise((resolve) => docs.listen(Number(process.env.DOCS_PORT ?? 8080), "127.0.0.1", resolve));
const mock = await runMock({ quietCurls: true });
const docsUrl = `http://127.0.0.1:${docs.address().port}`;
console.log(`API reference on ${docsUrl}/ and, in Russian, ${docsUrl}/ru/ (also in ${docsDir})`);
console.log(`Mock ready: npm run mock prints a curl for every example. Ctrl-C stops both.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    docs.closeAllConnections();
    await Promise.all([new Promise((resolve) => docs.close(resolve)), mock.stop()]);
    console.log("Stopped the docs and the mock.");
    process.exit(0);
  });
