#!/usr/bin/env node
// `npm start`, the main job: regenerate what derives from the spec, lint it, build the docs, then
// serve the docs and the mock on loopback and print both URLs. Ctrl-C stops both.
// Ports: PORT for the mock (default 4010), DOCS_PORT for the docs (default 8080), both checked
// before any work, so a port in use is said at once with the variable to set.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { buildAllDocs, docsDir, languages } from "./docs.js";
import { main as generate } from "./generate.js";
import { exampleCurls, runMock } from "./mock.js";
import { asError, root } from "./prism.js";

/** A problem the user can fix: said in one line, no stack trace, exit 1. */
class Refusal extends Error {}
process.on("uncaughtException", (error) => {
  // A bug shows its stack; a bare string (what Prism rejects with) shows as itself, never as `undefined`.
  console.error(error instanceof Refusal ? error.message : error instanceof Error ? error : String(error));
  process.exit(1);
});

function portOf(variable, fallback) {
  const value = process.env[variable] ?? String(fallback);
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new Refusal(`${variable} must be a port number (0 to 65535)`);
  return Number(value);
}

/** Listens on 127.0.0.1:port, or refuses with the variable that chose the port. */
function listen(server, port, variable) {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => {
      const why = error.code === "EADDRINUSE" ? "is in use" : `cannot be used (${error.code})`;
      reject(
        new Refusal(`port ${port} ${why}: set ${variable} to a free port, e.g. ${variable}=${port + 1} npm start`),
      );
    });
    server.listen(port, "127.0.0.1", () => resolve(server.address().port));
  });
}

const ports = { mock: portOf("PORT", 4010), docs: portOf("DOCS_PORT", 8080) };
if (ports.mock && ports.mock === ports.docs)
  throw new Refusal(`PORT and DOCS_PORT are both ${ports.mock}: set one of them to another free port`);

// The docs are two self-contained files, so a static-server dependency would add more than it saves.
// The docs server holds its port from the start; the mock's port is probed now and taken after the build.
const pages = new Map();
const docs = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  // `/ru` as typed in an address bar: the page's relative links need the trailing slash.
  if (pages.has(`${path}/index.html`)) return res.writeHead(301, { Location: `${path}/` }).end();
  const page = pages.get(path.replace(/\/$/, "/index.html"));
  if (!page) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
});
const docsPort = await listen(docs, ports.docs, "DOCS_PORT");
const probe = createServer();
await listen(probe, ports.mock, "PORT");
await new Promise((resolve) => probe.close(resolve));

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
    throw new Refusal(`${tool} found problems: fix spec/ first`);
  }
}
step("redocly lint spec/", () => lint("redocly", ["lint", "spec/openapi.yaml"]));
step("spectral lint generated/openapi.json", () =>
  lint("spectral", ["lint", "generated/openapi.json", "--fail-severity", "warn", "--quiet"]),
);
step("build docs (English and Russian)", () => buildAllDocs());

for (const page of Object.values(languages)) pages.set(`/${page.file}`, readFileSync(join(docsDir, page.file)));
// Probed free above, the mock's port can still be taken meanwhile (the build takes seconds).
const mock = await runMock({ port: ports.mock, quietCurls: true }).catch((reason) => {
  const error = asError(reason, ports.mock);
  if (error.code !== "EADDRINUSE") throw error;
  throw new Refusal(`${error.message}: set PORT to a free port, e.g. PORT=${ports.mock + 1} npm start`);
});
const docsUrl = `http://127.0.0.1:${docsPort}`;
console.log(`API reference on ${docsUrl}/ and, in Russian, ${docsUrl}/ru/ (also in ${docsDir})`);
// Not `npm run mock` as the hint: it would take the same PORT as this mock.
console.log(`Mock ready. Try:\n${exampleCurls(mock.url)[0]}\nCtrl-C stops both.`);

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
