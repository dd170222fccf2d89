#!/usr/bin/env node
// Notifications per second through the webhook receiver (method, media type, bounded read, token
// in constant time, parse, validate, de-duplicate in memory, dispatch, answer) on loopback, beside
// a bare node:http server that only JSON.parses the same bodies; each server in its own process,
// autocannon in this one (the same for both), at 10 and 50 connections, each warmed up at that
// count, then interleaved rounds whose order turns, medians.
// Every body is the spec's first notification example with a de-duplication key, with a fresh
// idMessage, so none is a duplicate and every one is dispatched.
// Usage: node scripts/bench-webhooks.js [--quick] [--profile]   (scripts/bench.js calls it too)
// --profile runs the receiver under `node --cpu-prof` and prints where its time went (self time
// per function, the top 15): profile before changing anything.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { build } from "esbuild";
import { root } from "./prism.js";

const TOKEN = `fake-webhook-token-${"0".repeat(24)}`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** In a child process: serve the receiver (bundled from src/) or the bare server, print the URL. */
async function serve(kind, receiverFile) {
  let handler;
  if (kind === "receiver") {
    const { createWebhookReceiver } = await import(pathToFileURL(receiverFile).href);
    const receiver = createWebhookReceiver({ webhookUrlToken: TOKEN });
    receiver.onAny(() => {});
    handler = (req, res) => void receiver.node(req, res);
  } else {
    handler = (req, res) => {
      const chunks = [];
      req.on("data", (chunk) => chunks.push(chunk));
      req.on("end", () => {
        JSON.parse(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(200, { "Content-Type": "text/plain" }).end("OK\n");
      });
    };
  }
  const server = createServer(handler);
  server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}/webhook`));
  process.on("SIGTERM", () => process.exit(0)); // a normal exit, so that --cpu-prof writes its profile
}

function start(kind, receiverFile, profileDir) {
  const flags = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
  const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), "--serve", kind, receiverFile], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise((resolve) => child.stdout.once("data", (chunk) => resolve(String(chunk).trim())));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, url, exited };
}

/** The functions that took the most self time in a V8 CPU profile: [share, ms, name and place]. */
export function topSelfTime(file, count = 15) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
    const us = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => [`${((100 * us) / total).toFixed(1)}%`, `${Math.round(us / 1000)} ms`, name]);
}

/** The CPU time a process has used so far, in ms (user + system, from /proc: Linux only). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** One load run; with the server's pid, also the server's CPU time per answered request. */
async function load(url, template, connections, seconds, pid) {
  const cpuBefore = pid && cpuMs(pid);
  let n = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${TOKEN}` },
        setupRequest: (request) => ({ ...request, body: template.replace("__ID__", `BENCH${n++}`) }),
      },
    ],
  });
  if (result.non2xx || result.errors)
    throw new Error(`load run had ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return {
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    cpuUsPerRequest: pid && ((cpuMs(pid) - cpuBefore) * 1000) / result.requests.total,
  };
}

/** The figures: per connection count, both servers' throughput and p99, and the receiver's share. */
export async function webhookFigures({ quick = false, profileDir } = {}) {
  const { notificationExamples } = await import(pathToFileURL(join(root, "generated/webhooks.js")).href);
  const { dedupKeys } = await import(pathToFileURL(join(root, "generated/webhooks.js")).href);
  const example = Object.values(notificationExamples).find((n) => n.typeWebhook in dedupKeys && "idMessage" in n);
  const template = JSON.stringify({ ...example, idMessage: "__ID__" });
  const receiverFile = join(mkdtempSync(join(tmpdir(), "bench-webhooks-")), "webhooks.mjs");
  await build({
    entryPoints: [join(root, "src/webhooks.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: receiverFile,
    logLevel: "silent",
  });
  const servers = { receiver: start("receiver", receiverFile, profileDir), bare: start("bare", receiverFile) };
  const urls = { receiver: await servers.receiver.url, bare: await servers.bare.url };
  // Many short rounds rather than a few long ones: a burst of load elsewhere spoils fewer of them.
  const seconds = quick ? 3 : 6;
  // An odd number, so that the median is the middle round (of 2 it was the larger), at least 3.
  const rounds = quick ? 3 : 5;
  try {
    const figures = {};
    for (const connections of [10, 50]) {
      // Warm-up at this connection count, both alike: JIT, sockets, the memory store's first keys.
      for (const kind of ["receiver", "bare"]) await load(urls[kind], template, connections, 2);
      const runs = [];
      for (let r = 0; r < rounds; r++) {
        // Interleaved, the order turning each round, so that neither side always runs second.
        const run = {};
        for (const kind of r % 2 ? ["receiver", "bare"] : ["bare", "receiver"])
          run[kind] = await load(urls[kind], template, connections, seconds, servers[kind].child.pid);
        runs.push({ ...run, share: run.receiver.rps / run.bare.rps });
      }
      figures[connections] = {
        receiverRps: median(runs.map((x) => x.receiver.rps)),
        bareRps: median(runs.map((x) => x.bare.rps)),
        share: median(runs.map((x) => x.share)),
        receiverP99Ms: median(runs.map((x) => x.receiver.p99Ms)),
        bareP99Ms: median(runs.map((x) => x.bare.p99Ms)),
        // CPU time per notification of each server process: what each one costs, whatever the load beside.
        receiverCpuUs: median(runs.map((x) => x.receiver.cpuUsPerRequest)),
        bareCpuUs: median(runs.map((x) => x.bare.cpuUsPerRequest)),
      };
    }
    return figures;
  } finally {
    for (const { child } of Object.values(servers)) child.kill();
    await Promise.all(Object.values(servers).map(({ exited }) => exited));
  }
}

/** Rows for bench.js's table: [figure, value, goal]. */
export function webhookRows(figures, goal = 0.8) {
  return Object.entries(figures).flatMap(([connections, f]) => [
    [
      `webhook receiver / bare node:http + JSON.parse, ${connections} connections`,
      `${f.share.toFixed(2)} (${Math.round(f.receiverRps)} vs ${Math.round(f.bareRps)} notifications/s)`,
      `>= ${goal}`,
    ],
    [`webhook receiver, p99 at ${connections} connections`, `${f.receiverP99Ms} ms (bare: ${f.bareP99Ms} ms)`, ""],
    [
      `webhook receiver, CPU time per notification at ${connections} connections`,
      `${Math.round(f.receiverCpuUs)} µs (bare: ${Math.round(f.bareCpuUs)} µs)`,
      "(for reference)",
    ],
  ]);
}

const args = process.argv.slice(2);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (args[0] === "--serve") await serve(args[1], args[2]);
  else {
    const profileDir = args.includes("--profile") ? mkdtempSync(join(tmpdir(), "bench-webhooks-profile-")) : undefined;
    for (const [name, value, goal] of webhookRows(
      await webhookFigures({ quick: args.includes("--quick"), profileDir }),
    ))
      console.log(`${name}  ${value}  ${goal}`);
    if (profileDir) {
      const file = join(
        profileDir,
        readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile")),
      );
      console.log(`\nThe receiver's self time per function (${file}):`);
      for (const row of topSelfTime(file)) console.log(row.join("  "));
    }
  }
}
