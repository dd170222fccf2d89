#!/usr/bin/env node
// waitForState's cost while it waits: a waiter process polls a loopback server that answers
// getStateInstance with the spec's `null` example (the instance is still being created) for the
// whole wait, so the wait ends in its timeout. The waiter runs alone in a fresh process and
// measures its own CPU time (process.cpuUsage) over the wait; the server, in the calling process,
// counts the polls (less the waiter's one warm-up call). Beside it, for reference, the smallest
// poll loop (fetch, JSON.parse, setTimeout) in the same kind of process. Goal: no busy loop (CPU
// well under the wall time; polls = wait / interval +- 1).
// Usage: node scripts/bench-wait.js [--quick]   (scripts/bench.js calls it too)
//        node scripts/bench-wait.js --waiter <client|bare> <clientFile> <url> <path> <idInstance> <timeoutMs> <intervalMs>
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { root } from "./prism.js";
import { loadSpec, namedExamples } from "./spec.js";

export const INTERVAL_MS = 1000; // the shortest interval waitForState accepts: the most polls per second
const SETTLE_MS = 2000;
const INSTANCE_TOKEN = "0".repeat(50); // obviously fake

/**
 * In a waiter process: `client` runs one waitForState; `bare`, for reference, the smallest loop that
 * does the same (fetch, JSON.parse, setTimeout) until the same deadline. Prints what it saw as JSON.
 */
async function waiter(kind, clientFile, url, path, idInstance, timeoutMs, intervalMs) {
  const { createInstanceClient, waitForState } = await import(pathToFileURL(clientFile).href);
  const instance = createInstanceClient({
    idInstance: Number(idInstance),
    apiTokenInstance: INSTANCE_TOKEN,
    apiUrl: url,
  });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const bareWait = async () => {
    const endsAt = Date.now() + Number(timeoutMs);
    let last;
    while (Date.now() < endsAt) {
      last = JSON.parse(await (await fetch(url + path)).text());
      const wait = Math.min(Number(intervalMs), endsAt - Date.now());
      if (wait > 0) await sleep(wait);
    }
    return { error: { kind: "timeout", lastState: last } };
  };
  // One call first, outside the figure: Node loads and compiles fetch (undici) on its first use, once
  // per process, and V8 goes on compiling in the background for about a second after it.
  const warmUp = await instance.getStateInstance();
  if (warmUp.error) throw new Error(warmUp.error.message);
  await sleep(SETTLE_MS);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result =
    kind === "bare"
      ? await bareWait()
      : await waitForState(instance, "notAuthorized", { timeoutMs: Number(timeoutMs), intervalMs: Number(intervalMs) });
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      wallMs,
      cpuMs: (user + system) / 1000,
      ended: result.error?.kind ?? "data",
      lastState: result.error?.lastState,
    }),
  );
}

/** The figure: each waiter's CPU time over the wait and the polls the server saw, waitForState first. */
export async function waitFigures({ quick = false, clientFile } = {}) {
  if (!clientFile) {
    clientFile = join(mkdtempSync(join(tmpdir(), "bench-wait-")), "client.mjs");
    await build({
      entryPoints: [join(root, "src/index.ts")],
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: clientFile,
      logLevel: "silent",
    });
  }
  const spec = loadSpec();
  const creating = namedExamples(spec).find(
    (e) => e.operationId === "getStateInstance" && e.status === "200" && e.value === null,
  );
  const idInstance = spec.components.parameters.idInstance.example;
  const path = creating.path.replace("{idInstance}", idInstance).replace("{apiTokenInstance}", INSTANCE_TOKEN);
  let polls = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === path) polls++;
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(creating.value));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const timeoutMs = quick ? 10_000 : 30_000;
  const url = `http://127.0.0.1:${server.address().port}`;
  try {
    const figures = {};
    for (const kind of ["client", "bare"]) {
      polls = 0;
      const args = [
        fileURLToPath(import.meta.url),
        "--waiter",
        kind,
        clientFile,
        url,
        path,
        String(idInstance),
        String(timeoutMs),
        String(INTERVAL_MS),
      ];
      const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: "utf8" });
      const seen = JSON.parse(stdout.trim().split("\n").pop());
      if (seen.ended !== "timeout" || seen.lastState !== null)
        throw new Error(`the ${kind} wait should end in its timeout with lastState null, not ${stdout}`);
      // The waiter's warm-up call is not a poll of the wait.
      figures[kind] = { ...seen, cpuShare: seen.cpuMs / seen.wallMs, polls: polls - 1 };
    }
    return {
      timeoutMs,
      intervalMs: INTERVAL_MS,
      expectedPolls: timeoutMs / INTERVAL_MS,
      ...figures.client,
      bare: figures.bare,
    };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** Rows for bench.js's table: [figure, value, goal]. */
export function waitRows(f, goal = 0.02) {
  return [
    [
      `waitForState, ${f.timeoutMs / 1000} s of null answers: CPU time / wall time`,
      `${(f.cpuShare * 100).toFixed(2)} % (${f.cpuMs.toFixed(0)} ms CPU in ${(f.wallMs / 1000).toFixed(1)} s; bare fetch loop: ${(f.bare.cpuShare * 100).toFixed(2)} %)`,
      `< ${goal * 100} %`,
    ],
    [
      `waitForState, ${f.timeoutMs / 1000} s every ${f.intervalMs / 1000} s: polls`,
      `${f.polls}`,
      `${f.expectedPolls} ± 1`,
    ],
  ];
}

export const waitGoalMet = (f, goal = 0.02) => f.cpuShare < goal && Math.abs(f.polls - f.expectedPolls) <= 1;

const args = process.argv.slice(2);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (args[0] === "--waiter") await waiter(...args.slice(1));
  else
    for (const [name, value, goal] of waitRows(await waitFigures({ quick: args.includes("--quick") })))
      console.log(`${name}  ${value}  ${goal}`);
}
