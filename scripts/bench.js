#!/usr/bin/env node
// `npm run bench`: prints one table of figures, each beside its goal, and writes
// bench/results.json. Ratios are measured side by side in one run, interleaved, as the median of
// several rounds, because these machines are shared and noisy. Nothing here is a test.
//   --quick   fewer rounds and shorter load runs, for a smoke check (figures are noisier)
//   --readme  also writes the table into README.md, between its bench markers
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { build } from "esbuild";
import { buildDocs } from "./docs.js";
import { bundledSpec, root, startPrism } from "./prism.js";
import { loadSpec, namedExamples } from "./spec.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const CALLS = quick ? 100 : 300;
const LOAD_SECONDS = quick ? 2 : 5;
const SOAK_SECONDS = quick ? 5 : 30;

const spec = loadSpec();
const settings = namedExamples(spec).find((e) => e.status === null).value;
const created = namedExamples(spec).find((e) => e.status === "200").value;
const token = `gac.${"0".repeat(46)}`;
const path = Object.keys(spec.paths)[0].replace("{partnerToken}", token);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => bytes / 1024;

async function bundle(contents, minify = true) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    minify,
    write: false,
  });
  return result.outputFiles[0].contents;
}

async function loopbackServer(body) {
  const text = JSON.stringify(body);
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "Content-Type": "application/json" }).end(text));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function timePerCall(call) {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  return (performance.now() - started) / CALLS;
}

async function clientAgainstFetch(client, url) {
  const partner = client.createPartnerClient({ partnerToken: token, baseUrl: url });
  const variants = {
    client: async () => {
      const result = await partner.createInstance(settings);
      if (!result.data) throw new Error(`client failed: ${result.error.message}`);
    },
    fetch: async () => {
      const response = await fetch(url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(settings) });
      await response.json();
    },
    // openapi-fetch's own POST, to show how much of the client's cost is openapi-fetch's.
    openapiFetch: async () => {
      await partner.raw.POST(Object.keys(spec.paths)[0], { params: { path: { partnerToken: token } }, body: settings });
    },
  };
  const names = Object.keys(variants);
  for (const name of names) await timePerCall(variants[name]); // warm-up
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate which goes first, so drift on the machine does not favour one of them.
    const round = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      round[name] = await timePerCall(variants[name]);
    }
    rounds.push(round);
  }
  const per = (name) => median(rounds.map((round) => round[name]));
  return {
    clientMs: per("client"),
    fetchMs: per("fetch"),
    openapiFetchMs: per("openapiFetch"),
    ratio: median(rounds.map((round) => round.client / round.fetch)),
    openapiFetchRatio: median(rounds.map((round) => round.openapiFetch / round.fetch)),
  };
}

function validatorCost(client, roundTripMs) {
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 20_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) if (client.validateSettings(settings, token).length) throw new Error("example is invalid");
    rounds.push((performance.now() - started) / n);
  }
  const perBodyMs = median(rounds);
  return { perBodyUs: perBodyMs * 1000, shareOfRoundTrip: perBodyMs / roundTripMs };
}

async function load(url, requestPath, seconds) {
  const result = await autocannon({
    url: url + requestPath,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(settings),
    connections: 10,
    duration: seconds,
  });
  if (result.non2xx || result.errors) throw new Error(`load run had ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { rps: result.requests.average, p99Ms: result.latency.p99 };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
}

async function mockAgainstBare() {
  const bare = await loopbackServer(created);
  const startedAt = performance.now();
  const mock = await startPrism({ mode: "mock", onLog: () => {} });
  const firstAnswer = await fetch(mock.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(settings) });
  await firstAnswer.text();
  const startToFirstAnswerMs = performance.now() - startedAt;
  try {
    const rounds = [];
    for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
      const b = await load(bare.url, path, LOAD_SECONDS);
      const m = await load(mock.url, path, LOAD_SECONDS);
      rounds.push({ bare: b, mock: m, share: m.rps / b.rps });
    }
    await load(mock.url, path, SOAK_SECONDS);
    return {
      bareRps: median(rounds.map((r) => r.bare.rps)),
      mockRps: median(rounds.map((r) => r.mock.rps)),
      share: median(rounds.map((r) => r.share)),
      bareP99Ms: median(rounds.map((r) => r.bare.p99Ms)),
      mockP99Ms: median(rounds.map((r) => r.mock.p99Ms)),
      mockRssMbAfterSoak: rssMb(mock.child.pid),
      soakSeconds: SOAK_SECONDS,
      startToFirstAnswerMs,
    };
  } finally {
    await mock.stop();
    bare.server.close();
  }
}

function fullBuildMs() {
  const started = performance.now();
  const env = { ...process.env, REDOCLY_TELEMETRY: "off" };
  execFileSync("node", ["scripts/generate.js", "--out", mkdtempSync(join(tmpdir(), "bench-gen-"))], { cwd: root, stdio: "ignore" });
  execFileSync(join(root, "node_modules/.bin/redocly"), ["lint", "spec/openapi.yaml"], { cwd: root, env, stdio: "ignore" });
  execFileSync(join(root, "node_modules/.bin/spectral"), ["lint", bundledSpec, "--quiet"], { cwd: root, stdio: "ignore" });
  buildDocs({ output: join(mkdtempSync(join(tmpdir(), "bench-docs-")), "index.html") });
  return performance.now() - started;
}

const clientBytes = await bundle(`export * from "./src/index.ts";`, true);
const fetchOnlyBytes = await bundle(`export { default } from "openapi-fetch";`, true);
const clientFile = join(mkdtempSync(join(tmpdir(), "bench-client-")), "client.mjs");
writeFileSync(clientFile, await bundle(`export * from "./src/index.ts";`, false));
const client = await import(pathToFileURL(clientFile).href);

const { server, url } = await loopbackServer(created);
const calls = await clientAgainstFetch(client, url);
server.close();
const validator = validatorCost(client, calls.fetchMs);
const mock = await mockAgainstBare();
const buildMs = fullBuildMs();

const size = {
  clientGzipKb: kb(gzipSync(clientBytes).length),
  fetchOnlyGzipKb: kb(gzipSync(fetchOnlyBytes).length),
  clientMinKb: kb(clientBytes.length),
};
const rows = [
  ["client createInstance, per call", `${calls.clientMs.toFixed(3)} ms`, ""],
  ["raw fetch, same request, per call", `${calls.fetchMs.toFixed(3)} ms`, ""],
  ["client / raw fetch", calls.ratio.toFixed(3), "<= 1.10"],
  ["openapi-fetch POST alone / raw fetch", calls.openapiFetchRatio.toFixed(3), "(for reference)"],
  ["validator, per request body", `${validator.perBodyUs.toFixed(2)} µs`, ""],
  ["validator / loopback round trip", `${(validator.shareOfRoundTrip * 100).toFixed(3)} %`, "< 1 %"],
  ["browser bundle (client, min+gzip)", `${size.clientGzipKb.toFixed(2)} KB`, "<= 5 KB"],
  ["openapi-fetch alone (min+gzip)", `${size.fetchOnlyGzipKb.toFixed(2)} KB`, ""],
  ["bare Node server, 10 connections", `${Math.round(mock.bareRps)} req/s, p99 ${mock.bareP99Ms} ms`, ""],
  ["Prism mock, 10 connections", `${Math.round(mock.mockRps)} req/s, p99 ${mock.mockP99Ms} ms`, ""],
  ["mock / bare throughput", mock.share.toFixed(3), ">= 0.25"],
  [`mock memory after ${mock.soakSeconds} s under load`, `${mock.mockRssMbAfterSoak.toFixed(1)} MB RSS`, ""],
  ["mock start to first answer", `${Math.round(mock.startToFirstAnswerMs)} ms`, ""],
  ["full build (generate, lint, docs)", `${Math.round(buildMs)} ms`, ""],
];
const width = Math.max(...rows.map((r) => r[0].length));
const valueWidth = Math.max(...rows.map((r) => r[1].length));
console.log(`${"figure".padEnd(width)}  ${"value".padEnd(valueWidth)}  goal`);
for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${goal}`);

if (process.argv.includes("--readme")) {
  const table = ["| figure | value | goal |", "|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)}, Node ${process.version}${quick ? ", --quick" : ""}.`;
  const readme = join(root, "README.md");
  const text = readFileSync(readme, "utf8").replace(
    /<!-- bench:start -->[\s\S]*<!-- bench:end -->/,
    `<!-- bench:start -->\n${stamp}\n\n${table}\n<!-- bench:end -->`,
  );
  writeFileSync(readme, text);
}

const results = {
  when: new Date().toISOString(),
  machine: { node: process.version, quick, rounds: ROUNDS, callsPerRound: CALLS },
  calls,
  validator,
  size,
  mock,
  fullBuildMs: buildMs,
  goals: {
    clientOverFetch: { goal: "<= 1.10", met: calls.ratio <= 1.1 },
    validatorShare: { goal: "< 1%", met: validator.shareOfRoundTrip < 0.01 },
    bundle: { goal: "<= 5 KB", met: size.clientGzipKb <= 5 },
    mockThroughput: { goal: ">= 0.25 of bare", met: mock.share >= 0.25 },
  },
};
mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nWrote bench/results.json");
