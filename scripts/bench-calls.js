#!/usr/bin/env node
// Per call, deterministically: the instructions one call of an operation costs through its client
// and through openapi-fetch alone, counted by valgrind's callgrind (instructions, not time: the
// same on a loaded machine as on a quiet one, where CPU time per call swung from 0.67 to 1.36× for
// code paths that cost the same). Each count is a difference: a process that warms up both
// variants alike then makes `large` calls of one, minus the same process making `small` calls of
// it; Node's start, the import, the warm-up and the first calls' compilation cancel. The loopback
// server answering the spec's first success example lives in the bench's own process, outside
// valgrind, so only the caller's work is counted. An operation's two variants run side by side.
//
// What is counted is a call's steady cost: its code, the runtime, its garbage's collection. Left
// out, because they depend on the clock or on chance and not on the call (each swung a count by
// 5-60 % between identical runs, measured 2026-12-04):
// - V8's compilers (TurboFan keeps optimising undici's functions for thousands of calls, and
//   undici's wasm HTTP parser tiers up whenever its budget runs out): collection is toggled off
//   inside them (COMPILERS);
// - the hash seed's start-up prime search (left out of the count) and Math.random (a fixed seed);
// - a mark-compact, whose start depends on the clock and on what is in flight when young objects
//   are promoted: a predictable GC schedule, no memory reducer, an old generation large enough
//   (512 MB at first) that no mark-compact starts in a run, and one full collection before the
//   counted calls, so that every window starts from the same heap. Young-generation collection,
//   which a call's garbage causes, is counted.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

// Calls of each variant first, in every process of a run alike (BENCH_WARM_UP overrides).
const warmUp = (quick) => Number(process.env.BENCH_WARM_UP ?? (quick ? 30 : 40));
// One thread: V8's compiler and garbage collector otherwise work on helper threads whose share of
// the count depends on timing (two identical runs differed by 10 %); the rest as said above.
const NODE_FLAGS = (
  process.env.BENCH_NODE_FLAGS ??
  "--single-threaded --hash-seed=1 --random-seed=1 --predictable-gc-schedule --no-memory-reducer --expose-gc --initial-old-space-size=512"
)
  .split(" ")
  .filter(Boolean);
// V8's compilers' entry points (Node 20's V8): collection is off inside them. A compiler entered
// from inside another toggles collection back on for its span; none was seen to.
const COMPILERS = [
  "v8::internal::Compiler::CompileOptimized*",
  "v8::internal::Runtime_CompileLazy*",
  "v8::internal::baseline::BaselineBatchCompiler::CompileBatch*",
  "v8::internal::wasm::*BackgroundCompileJob::Run*",
  "v8::internal::RegExpImpl::CompileIrregexp*",
  // The hash seed's secret, drawn at start-up by a prime search whose length is chance (its cost
  // swung by 13 M instructions between identical processes): only a start-up cost, but one that
  // the difference of two processes does not cancel.
  "v8::internal::HashSeed::InitializeRoots*",
];

/** A multipart request as openapi-fetch alone sends it: its fields, and the file named by `fileName`. */
export function formOf({ file, ...fields }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  form.append("file", file, fields.fileName);
  return form;
}

/**
 * The variants of one operation, each an async function making one call and throwing if it failed:
 * `client` (its method on createPartnerClient / createInstanceClient), `openapiFetch` (openapi-fetch
 * alone, the same request) and `fetch` (raw fetch + JSON). `op` is one of bench.js's `operations`.
 */
export function variantsFor(op, client, url, { token, idInstance, apiTokenInstance }) {
  const own =
    op.family === "partner"
      ? client.createPartnerClient({ partnerToken: token, baseUrl: url })
      : client.createInstanceClient({ idInstance, apiTokenInstance, apiUrl: url });
  const alone = client.createClient({ baseUrl: url });
  return {
    client: async () => {
      const result = await own[op.operationId](...op.args);
      if (result.error) throw new Error(`client failed: ${result.error.message}`);
    },
    openapiFetch: async () => {
      const { response } = await alone[op.method.toUpperCase()](op.path, {
        params: { path: op.pathParams },
        ...(op.request === undefined
          ? {}
          : op.multipart
            ? { body: formOf(op.request), bodySerializer: (form) => form }
            : { body: op.request }),
      });
      if (!response.ok) throw new Error("openapi-fetch failed");
    },
    fetch: async () => {
      const init = {
        method: op.method.toUpperCase(),
        ...(op.request === undefined
          ? {}
          : op.multipart
            ? { body: formOf(op.request) }
            : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(op.request) }),
      };
      await (await fetch(url + op.url, init)).json();
    },
  };
}

/** An operation as JSON for a child process (a multipart file as its text), and back. */
const toJson = (op) =>
  JSON.stringify({ ...op, request: op.multipart ? { ...op.request, file: op.fileText } : op.request });
const fromJson = (text) => {
  const op = JSON.parse(text);
  if (op.multipart) {
    op.request = { ...op.request, file: new Blob([op.request.file]) };
    op.args = [op.request]; // the client method's argument is the request itself
  }
  return op;
};

/** One measured process: warm up both variants alike, then `calls` calls of `variant`. */
async function run([clientFile, url, variant, callsText, warmUpText]) {
  const op = fromJson(process.env.BENCH_OP);
  const own = JSON.parse(process.env.BENCH_OWN);
  const variants = variantsFor(op, await import(pathToFileURL(clientFile).href), url, own);
  for (let i = 0; i < Number(warmUpText); i++) {
    await variants.client();
    await variants.openapiFetch();
  }
  globalThis.gc?.(); // every counted window starts from the same heap
  for (let i = 0, n = Number(callsText); i < n; i++) await variants[variant]();
}

/** Instructions a process ran, from callgrind's output file ("summary:" or "totals:", first event Ir). */
function instructions(file) {
  const text = readFileSync(file, "utf8");
  const line = text.match(/^summary:\s*(\d+)/m) ?? text.match(/^totals:\s*(\d+)/m);
  if (!line) throw new Error(`no instruction count in ${file}`);
  return Number(line[1]);
}

async function callgrind(dir, name, args, env) {
  const out = join(dir, `${name}.out`);
  await promisify(execFile)(
    "valgrind",
    [
      "--tool=callgrind",
      ...COMPILERS.map((name) => `--toggle-collect=${name}`),
      "--collect-atstart=yes", // after the toggles, which otherwise turn it off
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...NODE_FLAGS,
      fileURLToPath(import.meta.url),
      ...args,
    ],
    { env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
  );
  return instructions(out);
}

/** Whether valgrind can be run here. */
async function hasValgrind() {
  try {
    await promisify(execFile)("valgrind", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The figures: per operation, instructions per call through the client and through openapi-fetch
 * alone, and their ratio; or `{ missing: reason }` when valgrind is not installed.
 * `operations`: bench.js's (each with `fileText` when multipart); `own`: the client's own values.
 */
export async function callFigures({ quick = false, clientFile, operations, answer, own }) {
  if (!(await hasValgrind())) return { missing: "valgrind is not installed (apt-get install valgrind)" };
  // Calls of the smaller and the larger process: the difference is what is counted.
  // (BENCH_CALLS="small,large" overrides.) Under valgrind a call takes about 50 ms of CPU.
  const [small, large] = (process.env.BENCH_CALLS ?? (quick ? "20,120" : "30,180")).split(",").map(Number);
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const text = answer(req.url);
      res.writeHead(text === undefined ? 404 : 200, { "Content-Type": "application/json" }).end(text);
    });
  });
  // Under valgrind a process may pause for seconds (a collection): the server must not close its
  // idle connection meanwhile (Node's 5 s default), or the next call races the close.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), "bench-callgrind-"));
  const results = {};
  const measure = async (op) => {
    const env = { BENCH_OP: toJson(op), BENCH_OWN: JSON.stringify(own) };
    const count = (variant, calls) =>
      callgrind(
        dir,
        `${op.operationId}-${variant}-${calls}`,
        ["--run", clientFile, url, variant, String(calls), String(warmUp(quick))],
        env,
      );
    const perCall = async (variant) =>
      ((await count(variant, large)) - (await count(variant, small))) / (large - small);
    // Side by side: what the clock still moves in a count (the event loop's polls while an answer
    // is on its way) moves both alike.
    const [client, openapiFetch] = await Promise.all([perCall("client"), perCall("openapiFetch")]);
    results[op.operationId] = {
      family: op.family,
      calls: large - small,
      client,
      openapiFetch,
      ratio: client / openapiFetch,
    };
    // As each one ends: a long run on a loaded machine shows its progress.
    console.error(`bench: ${callRows({ [op.operationId]: results[op.operationId] })[0].join("  ")}`);
  };
  try {
    // One operation at a time, its two variants side by side (2 cores).
    for (const op of operations) await measure(op);
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Rows for bench.js's table: [figure, value, goal]. */
export function callRows(figures, goal = 1.05) {
  if (figures.missing)
    return [["per call: client / openapi-fetch alone, instructions", `not measured: ${figures.missing}`, `<= ${goal}`]];
  const k = (n) => `${(n / 1000).toFixed(0)}k`;
  return Object.entries(figures).map(([id, r]) => [
    `${id}, per call: client / openapi-fetch alone, instructions`,
    `${r.ratio.toFixed(3)} (${k(r.client)} vs ${k(r.openapiFetch)} per call)`,
    `<= ${goal}`,
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--run") await run(process.argv.slice(3));
