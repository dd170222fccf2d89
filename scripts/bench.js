#!/usr/bin/env node
// `npm run bench`: prints one table of figures, each beside its goal, and writes
// bench/results.json. Ratios are measured side by side in one run, interleaved, as the median of
// several rounds (per call: instructions counted by callgrind, see bench-calls.js), because these
// machines are shared and noisy. Nothing here is a test.
//   --quick      fewer rounds, shorter load runs, lists up to 10 000, no `npm test` timing
//   --readme     also writes the table into CONTRIBUTING.md ("Performance"), between its bench markers
//   --no-npm-test  no `npm test` timing (CONTRIBUTING.md keeps the last one, marked as earlier)
//   --only=calls,wait,...  only these figures (list, calls, wait, size, mock, upload, webhooks, sandbox,
//                reference, loop), printed; nothing is written
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { waitFigures, waitGoalMet, waitRows } from "./bench-wait.js";
import { sandboxFigures, sandboxRows } from "./bench-sandbox.js";
import { uploadFigures } from "./bench-upload.js";
import { webhookFigures, webhookRows } from "./bench-webhooks.js";
import { callFigures, callRows } from "./bench-calls.js";
import { buildAllDocs, languages } from "./docs.js";
import { root } from "./prism.js";
import { loadSpec, namedExamples } from "./spec.js";

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => bytes / 1024;
const token = `gac.${"0".repeat(46)}`;

/** A loopback server answering each path with a fixed text. */
async function serve(answers) {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const text = answers(req.url);
      res.writeHead(text === undefined ? 404 : 200, { "Content-Type": "application/json" }).end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

async function bundle(contents, { minify = true, platform = "browser" } = {}) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform,
    minify,
    write: false,
  });
  return result.outputFiles[0].contents;
}

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const LOAD_SECONDS = quick ? 3 : 10;
const SOAK_SECONDS = quick ? 15 : 60;
const LIST_SIZES = quick ? [1000, 10_000] : [1000, 10_000, 100_000];

const spec = loadSpec();
const examples = namedExamples(spec);
// Path parameters: the secrets obviously fake, the others the spec's examples (idInstance, receiptId).
const pathValues = { partnerToken: token, apiTokenInstance: "0".repeat(50) };
for (const p of Object.values(spec.components.parameters)) if (p.in === "path") pathValues[p.name] ??= p.example;
const OWN = new Set(["partnerToken", "idInstance", "apiTokenInstance"]); // what a client is created with
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([, op]) => op.operationId)
    .map(([method, op]) => {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const example = examples.find((e) => e.path === path && e.method === method && e.status === null)?.value;
      // A multipart upload (sendFileByUpload): the example's file text as the file's bytes.
      const multipart = op.requestBody?.content?.["multipart/form-data"] !== undefined;
      const request = multipart ? { ...example, file: new Blob([String(example.file)]) } : example;
      const extra = Object.fromEntries(names.filter((n) => !OWN.has(n)).map((n) => [n, pathValues[n]])); // deleteNotification's receiptId
      return {
        operationId: op.operationId,
        family: names.includes("partnerToken") ? "partner" : "instance",
        method,
        path,
        url: path.replace(/\{(\w+)\}/g, (_, n) => encodeURIComponent(pathValues[n])),
        pathParams: Object.fromEntries(names.map((n) => [n, pathValues[n]])),
        request,
        multipart,
        fileText: multipart ? String(example.file) : undefined,
        // The client method's arguments: the request body, or the path values it names (`{ receiptId }`).
        args: request !== undefined ? [request] : Object.keys(extra).length ? [extra] : [],
        // The first success example: for getStateInstance, `null` (the instance is still being created).
        answer: JSON.stringify(
          examples.find((e) => e.path === path && e.method === method && e.status === "200").value,
        ),
      };
    }),
);
const listed = examples.find((e) => e.name === "instancesList").value;

/** A list of `n` instances shaped like GREEN-API's documented example. */
function instanceList(n) {
  const [shape] = listed;
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      ...shape,
      idInstance: 1101000000 + i,
      name: `Instance ${1101000000 + i}`,
      apiTokenInstance: (i.toString(16) + shape.apiTokenInstance).slice(0, 50),
      deleted: i % 5 === 0,
    })),
  );
}

// Asynchronously: the loopback server answering the worker lives in this process.
async function runWorker(variant, clientFile, url, calls) {
  const worker = join(root, "scripts/bench-list-worker.js");
  const { stdout } = await promisify(execFile)(process.execPath, [worker, variant, clientFile, url, String(calls)], {
    encoding: "utf8",
  });
  return JSON.parse(stdout.trim().split("\n").pop());
}

async function listAtScale(clientFile) {
  const results = {};
  for (const n of LIST_SIZES) {
    const text = instanceList(n);
    const server = await serve(() => text);
    const calls = Math.max(3, Math.round(300_000 / n));
    const rounds = [];
    for (let r = 0; r < Math.min(ROUNDS, 5); r++) {
      const order = r % 2 ? ["raw", "client"] : ["client", "raw"];
      const round = {};
      for (const variant of order) round[variant] = await runWorker(variant, clientFile, server.url, calls);
      rounds.push(round);
    }
    await server.close();
    results[n] = {
      bytes: text.length,
      clientMs: median(rounds.map((r) => r.client.ms)),
      rawMs: median(rounds.map((r) => r.raw.ms)),
      timeRatio: median(rounds.map((r) => r.client.ms / r.raw.ms)),
      clientRssMb: median(rounds.map((r) => r.client.rssMb)),
      rawRssMb: median(rounds.map((r) => r.raw.rssMb)),
      memoryRatio: median(rounds.map((r) => r.client.rssMb / r.raw.rssMb)),
    };
  }
  return results;
}

/** Figure 3: min+gzip browser bundles. */
async function bundles() {
  const size = async (contents) => kb(gzipSync(await bundle(contents)).length);
  return {
    wholeKb: await size(`export * from "./src/index.ts";`),
    createInstanceOnlyKb: await size(
      `import { createPartnerCore, createInstance } from "./src/index.ts"; export const run = (partnerToken, settings) => createInstance(createPartnerCore({ partnerToken }), settings);`,
    ),
    openapiFetchKb: await size(`export { default } from "openapi-fetch";`),
  };
}

/** The mock in its own process, as `green-api-partner-mock` runs it, so that its memory is its own. */
function spawnMock() {
  const script = `const { startMockServer } = await import(${JSON.stringify(pathToFileURL(join(root, "src/mock-server.js")).href)}); const m = await startMockServer({ onLog: () => {} }); console.log(m.url);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise((resolve) => child.stdout.once("data", (chunk) => resolve(String(chunk).trim())));
  return { child, url };
}

function rssMb(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
}

async function load(url, requestPath, seconds, body) {
  const result = await autocannon({
    url: url + requestPath,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: 10,
    duration: seconds,
  });
  if (result.non2xx || result.errors)
    throw new Error(`load run had ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { rps: result.requests.average, p99Ms: result.latency.p99 };
}

/** Figure 4: the mock's start, latency, throughput against a bare server, and memory under load. */
async function mockFigures() {
  const create = operations.find((op) => op.operationId === "createInstance");
  const path = create.path.replace("{partnerToken}", token);
  const body = JSON.stringify(create.request);
  const starts = [];
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    const { child, url } = spawnMock();
    const answer = await fetch((await url) + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    await answer.text();
    starts.push(performance.now() - started);
    child.kill();
  }
  const bare = await serve(() => create.answer);
  const { child, url: mockUrl } = spawnMock();
  const url = await mockUrl;
  try {
    const rounds = [];
    for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
      const b = await load(bare.url, path, LOAD_SECONDS, body);
      const m = await load(url, path, LOAD_SECONDS, body);
      rounds.push({ bare: b, mock: m, share: m.rps / b.rps });
    }
    // Memory: after a warm-up third of the soak, then at its end.
    const warmUp = Math.max(5, Math.round(SOAK_SECONDS / 3));
    await load(url, path, warmUp, body);
    const afterWarmUp = rssMb(child.pid);
    await load(url, path, SOAK_SECONDS - warmUp, body);
    const afterSoak = rssMb(child.pid);
    return {
      startToFirstAnswerMs: median(starts),
      bareRps: median(rounds.map((r) => r.bare.rps)),
      mockRps: median(rounds.map((r) => r.mock.rps)),
      share: median(rounds.map((r) => r.share)),
      bareP99Ms: median(rounds.map((r) => r.bare.p99Ms)),
      mockP99Ms: median(rounds.map((r) => r.mock.p99Ms)),
      soakSeconds: SOAK_SECONDS,
      rssAfterWarmUpMb: afterWarmUp,
      rssAfterSoakMb: afterSoak,
      memoryGrowth: afterSoak / afterWarmUp - 1,
    };
  } finally {
    child.kill();
    await bare.close();
  }
}

/** Figure 5: each language's page weight, and the time from opening it to the operations being visible. */
async function referenceFigures() {
  const dir = mkdtempSync(join(tmpdir(), "bench-docs-"));
  buildAllDocs(dir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
  const results = {};
  try {
    for (const [lang, page] of Object.entries(languages)) {
      const file = join(dir, page.file);
      const bytes = readFileSync(file);
      const ids = Object.values(loadSpec(page.spec).paths).flatMap((item) =>
        Object.values(item)
          .filter((op) => op.operationId)
          .map((op) => op.operationId),
      );
      const times = [];
      for (let r = 0; r < 3; r++) {
        const tab = await browser.newPage();
        const started = performance.now();
        await tab.goto(pathToFileURL(file).href);
        // Visible: the first view's link to every operation, one click from it.
        // (in the DOM: a tag's group of the menu may be folded, one click from it).
        for (const id of ids)
          await tab.locator(`a[href="#operation/${id}"]`).first().waitFor({ state: "attached", timeout: 30_000 });
        times.push(performance.now() - started);
        await tab.close();
      }
      results[lang] = { kb: kb(bytes.length), gzipKb: kb(gzipSync(bytes).length), visibleMs: median(times) };
    }
  } finally {
    await browser.close();
  }
  return results;
}

/** Figure 6: the project's own loop. */
function loopFigures() {
  const time = (command, args) => {
    const started = performance.now();
    execFileSync(command, args, { cwd: root, stdio: "ignore", env: { ...process.env, REDOCLY_TELEMETRY: "off" } });
    return performance.now() - started;
  };
  const buildMs =
    time(process.execPath, ["scripts/generate.js", "--out", mkdtempSync(join(tmpdir(), "bench-gen-"))]) +
    time(join(root, "node_modules/.bin/redocly"), ["lint", "spec/openapi.yaml"]) +
    time(join(root, "node_modules/.bin/spectral"), ["lint", "generated/openapi.json", "--quiet"]) +
    time(process.execPath, [
      "-e",
      `import(${JSON.stringify(pathToFileURL(join(root, "scripts/docs.js")).href)}).then((d) => d.buildAllDocs(${JSON.stringify(mkdtempSync(join(tmpdir(), "bench-docs-")))}))`,
    ]) +
    time(process.execPath, [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      mkdtempSync(join(tmpdir(), "bench-dist-")),
    ]);
  return { buildMs, testMs: quick || process.argv.includes("--no-npm-test") ? null : time("npm", ["test"]) };
}

// The client, bundled once for Node, with openapi-fetch beside it for the per-call figure.
const clientFile = join(mkdtempSync(join(tmpdir(), "bench-client-")), "client.mjs");
writeFileSync(
  clientFile,
  await bundle(`export * from "./src/index.ts"; export { default as createClient } from "openapi-fetch";`, {
    minify: false,
    platform: "node",
  }),
);

// `--only=calls,wait` measures and prints only those figures, and writes nothing.
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
// A figure that fails is reported and left out; the others still run. CONTRIBUTING.md is then not rewritten.
const failed = [];
const measure = async (name, figure) => {
  if (only && !only.includes(name)) return undefined;
  try {
    return await figure();
  } catch (error) {
    console.error(`bench: the ${name} figure failed:`, error);
    failed.push(name);
    return undefined;
  }
};
const list = await measure("list", () => listAtScale(clientFile));
// Per call: instructions counted by callgrind (scripts/bench-calls.js). The CPU time per call it
// replaces is gone: on this shared 2-core machine it gave 0.67 to 1.36 for code paths that cost the
// same, so its ratio said more about the load than about the client.
const calls = await measure("calls", () =>
  callFigures({
    quick,
    clientFile,
    operations,
    answer: (url) => operations.find((op) => url === op.url)?.answer,
    own: { token, idInstance: pathValues.idInstance, apiTokenInstance: pathValues.apiTokenInstance },
  }),
);
const wait = await measure("wait", () => waitFigures({ quick, clientFile }));
const size = await measure("size", bundles);
const mock = await measure("mock", mockFigures);
const upload = await measure("upload", () => uploadFigures({ megabytes: 100 }));
const webhooks = await measure("webhooks", () => webhookFigures({ quick }));
const sandbox = await measure("sandbox", () => sandboxFigures({ quick }));
const reference = await measure("reference", referenceFigures);
const loop = await measure("loop", loopFigures);

const GOALS = {
  listTime: 1.5,
  listMemory: 1.5,
  perCall: 1.05,
  waitCpuShare: 0.02,
  bundleKb: 7,
  mockStartMs: 1000,
  mockP99Ms: 10,
  mockGrowth: 0.1,
  webhookShare: 0.8,
  uploadMemory: 1.5,
};
const rows = [];
for (const [n, r] of Object.entries(list ?? {})) {
  rows.push([
    `getInstances, ${Number(n).toLocaleString("en")} instances (${kb(r.bytes / 1024).toFixed(1)} MB): client / fetch+JSON.parse, time`,
    `${r.timeRatio.toFixed(2)} (${r.clientMs.toFixed(1)} vs ${r.rawMs.toFixed(1)} ms)`,
    `<= ${GOALS.listTime}`,
  ]);
  rows.push([
    `getInstances, ${Number(n).toLocaleString("en")} instances: client / fetch+JSON.parse, peak memory`,
    `${r.memoryRatio.toFixed(2)} (${r.clientRssMb.toFixed(0)} vs ${r.rawRssMb.toFixed(0)} MB RSS)`,
    `<= ${GOALS.listMemory}`,
  ]);
}
if (calls) rows.push(...callRows(calls, GOALS.perCall));
if (wait) rows.push(...waitRows(wait, GOALS.waitCpuShare));
if (size) {
  rows.push(["browser bundle, whole client (min+gzip)", `${size.wholeKb.toFixed(2)} KB`, `<= ${GOALS.bundleKb} KB`]);
  rows.push([
    "browser bundle, createInstance only (min+gzip)",
    `${size.createInstanceOnlyKb.toFixed(2)} KB`,
    "below the whole",
  ]);
  rows.push(["openapi-fetch alone (min+gzip)", `${size.openapiFetchKb.toFixed(2)} KB`, "(for reference)"]);
}
if (mock) {
  rows.push([
    "mock, start to first answer",
    `${Math.round(mock.startToFirstAnswerMs)} ms`,
    `<= ${GOALS.mockStartMs} ms`,
  ]);
  rows.push(["mock, p99 at 10 connections", `${mock.mockP99Ms} ms`, `<= ${GOALS.mockP99Ms} ms`]);
  rows.push([
    "mock / bare Node server, throughput",
    `${mock.share.toFixed(3)} (${Math.round(mock.mockRps)} vs ${Math.round(mock.bareRps)} req/s)`,
    "(for reference)",
  ]);
  rows.push([
    `mock memory growth, ${mock.soakSeconds} s load after warm-up`,
    `${(mock.memoryGrowth * 100).toFixed(1)} % (${mock.rssAfterWarmUpMb.toFixed(0)} → ${mock.rssAfterSoakMb.toFixed(0)} MB RSS)`,
    `<= ${GOALS.mockGrowth * 100} %`,
  ]);
}
if (upload) {
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
  rows.push([
    `sendFileByUpload of ${mb(upload.fileBytes)} MB: peak RSS growth / file size`,
    `${(upload.client / upload.fileBytes).toFixed(2)} (${mb(upload.client)} MB; plain fetch of the same FormData: ${mb(upload.fetch)} MB)`,
    `<= ${GOALS.uploadMemory}`,
  ]);
}
if (webhooks) rows.push(...webhookRows(webhooks, GOALS.webhookShare));
if (sandbox) rows.push(...sandboxRows(sandbox));
for (const [lang, r] of Object.entries(reference ?? {})) {
  rows.push([
    `reference (${lang}), page weight`,
    `${(r.kb / 1024).toFixed(2)} MB (${(r.gzipKb / 1024).toFixed(2)} MB gzip)`,
    "",
  ]);
  rows.push([`reference (${lang}), open to every operation in its menu`, `${Math.round(r.visibleMs)} ms`, ""]);
}
// The figures live with the contributor material, in CONTRIBUTING.md (README is for users).
const readme = join(root, "CONTRIBUTING.md");
if (loop) {
  rows.push(["full build (generate, lint, docs in both languages, tsc)", `${Math.round(loop.buildMs)} ms`, ""]);
  if (loop.testMs !== null)
    rows.push(["npm test, wall time", `${(loop.testMs / 1000).toFixed(1)} s`, "about 180 s at most"]);
  else if (!quick) {
    // --no-npm-test: CONTRIBUTING.md keeps the last measured figure, marked as such.
    const earlier = readFileSync(readme, "utf8").match(/^\| npm test, wall time \| ([\d.]+ s)/m)?.[1];
    if (earlier) rows.push(["npm test, wall time", `${earlier} (an earlier run)`, "about 180 s at most"]);
  }
}

const width = Math.max(...rows.map((r) => r[0].length));
const valueWidth = Math.max(...rows.map((r) => r[1].length));
console.log(`${"figure".padEnd(width)}  ${"value".padEnd(valueWidth)}  goal`);
for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${goal}`);

if (only) process.exit(0);

if (failed.length) {
  console.error(`\nbench: ${failed.join(", ")} failed (above); CONTRIBUTING.md is left as it was.`);
  process.exitCode = 1;
} else if (process.argv.includes("--readme")) {
  const table = ["| figure | value | goal |", "|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}${quick ? ", --quick" : ""}.`;
  writeFileSync(
    readme,
    readFileSync(readme, "utf8").replace(
      /<!-- bench:start -->[\s\S]*<!-- bench:end -->/,
      `<!-- bench:start -->\n${stamp}\n\n${table}\n<!-- bench:end -->`,
    ),
  );
}

const largest = list && list[Math.max(...Object.keys(list).map(Number))];
const results = {
  when: new Date().toISOString(),
  failed,
  machine: { node: process.version, quick, rounds: ROUNDS },
  list,
  calls,
  wait,
  size,
  mock,
  webhooks,
  reference,
  loop,
  goals: {
    listTime: { goal: `<= ${GOALS.listTime} at the largest list`, met: largest && largest.timeRatio <= GOALS.listTime },
    listMemory: {
      goal: `<= ${GOALS.listMemory} at the largest list`,
      met: largest && largest.memoryRatio <= GOALS.listMemory,
    },
    perCall: {
      goal: `<= ${GOALS.perCall} for every operation`,
      met: calls && !calls.missing && Object.values(calls).every((r) => r.ratio <= GOALS.perCall),
    },
    wait: {
      goal: `CPU < ${GOALS.waitCpuShare * 100} % of the wall time, polls = wait / interval ± 1`,
      met: wait && waitGoalMet(wait, GOALS.waitCpuShare),
    },
    bundle: { goal: `<= ${GOALS.bundleKb} KB`, met: size && size.wholeKb <= GOALS.bundleKb },
    mockStart: { goal: `<= ${GOALS.mockStartMs} ms`, met: mock && mock.startToFirstAnswerMs <= GOALS.mockStartMs },
    mockP99: { goal: `<= ${GOALS.mockP99Ms} ms`, met: mock && mock.mockP99Ms <= GOALS.mockP99Ms },
    mockMemory: { goal: `<= ${GOALS.mockGrowth * 100} % growth`, met: mock && mock.memoryGrowth <= GOALS.mockGrowth },
    webhookShare: {
      goal: `>= ${GOALS.webhookShare} of a bare node:http server at 10 and 50 connections`,
      met: webhooks && Object.values(webhooks).every((f) => f.share >= GOALS.webhookShare),
    },
  },
};
mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nWrote bench/results.json");
