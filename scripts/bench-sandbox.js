#!/usr/bin/env node
// The sandbox at scale (`node scripts/bench-sandbox.js [--quick]`, and `npm run bench`): 10,000
// instances created over HTTP, then 1,000 sendMessage calls a second through their queues, each
// message's outgoingAPIMessageReceived and statuses POSTed to a receiver on loopback. Prints the
// memory each instance holds, the deliveries per second, and how late a delivery is against its
// schedule (made → answered 200) and how late a queued message leaves (answered → sent).
// The sandbox (bundled from src/) runs alone in a child process (--expose-gc); the load and the
// receiver are in this one, so the figures are the sandbox's own.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import http from "node:http";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

/**
 * The child: the sandbox alone (real clock, instances ready at once), its delivery figures
 * gathered by `onDelivery`. It prints its URL, then answers lines on stdin: `heap` (heap used
 * after a full GC) and `report` (every figure, then it exits).
 */
const CHILD = `
import { createInterface } from "node:readline";
const { startSandbox } = await import(process.env.SANDBOX_MODULE);
const latency = [], sentAt = [];
let delivered = 0;
const sandbox = await startSandbox({
  partnerToken: process.env.TOKEN,
  durations: { creatingMs: 0, startingMs: 0 },
  onDelivery(record, attempt) {
    if (attempt.status !== 200) return;
    delivered++;
    latency.push(Date.now() - record.madeAt);
    if (record.typeWebhook === "outgoingAPIMessageReceived") sentAt.push([record.notification.idMessage, record.madeAt]);
  },
});
console.log(sandbox.url);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "heap") { globalThis.gc(); console.log(process.memoryUsage().heapUsed); }
  if (line === "report") {
    const undelivered = sandbox.deliveries().filter((r) => r.outcome !== "delivered").length;
    const report = JSON.stringify({ delivered, undelivered, latency, sentAt, rssMb: process.memoryUsage().rss / 1048576 });
    process.stdout.write(report + "\\n", () => process.exit(0)); // exit only once the pipe took it all
  }
}
`;

/** POSTs JSON with a keep-alive agent (the load generator's side), resolves with the parsed answer. */
function poster(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (path, body) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body ?? {});
      const request = http.request(
        `${base}${path}`,
        {
          method: "POST",
          agent,
          headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) },
        },
        (answer) => {
          const chunks = [];
          answer.on("data", (chunk) => chunks.push(chunk));
          answer.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString() || "null")));
        },
      );
      request.on("error", reject);
      request.end(text);
    });
}

/** A receiver that only answers 200: what the deliveries go to. */
async function bareReceiver() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

async function measure({ instances: count, rate, seconds }) {
  const token = "gac.bench-sandbox";
  const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", CHILD], {
    cwd: root,
    env: { ...process.env, SANDBOX_MODULE: await sandboxModule(), TOKEN: token },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (line) => (line && child.stdin.write(`${line}\n`), (await lines.next()).value);
  const url = await ask();
  const post = poster(url);
  const receiver = await bareReceiver();
  try {
    const heapBefore = Number(await ask("heap"));
    const instances = [];
    const settings = {
      webhookUrl: receiver.url,
      outgoingWebhook: "yes",
      outgoingAPIMessageWebhook: "yes",
      delaySendMessagesMilliseconds: 500,
    };
    for (let i = 0; i < count; i += 100)
      instances.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, count - i) }, () => post(`/partner/createInstance/${token}`, settings)),
        )),
      );
    await post("/_sandbox/wait"); // creatingMs and startingMs are 0: ready once the clock's timers ran
    for (const { idInstance } of instances) await post(`/_sandbox/instances/${idInstance}/link`);
    const heapAfter = Number(await ask("heap"));
    const answeredAt = new Map();
    const start = performance.now();
    const pending = [];
    let sent = 0;
    while (performance.now() - start < seconds * 1000) {
      for (const due = Math.floor(((performance.now() - start) / 1000) * rate); sent < due; sent++) {
        const { idInstance, apiTokenInstance } = instances[sent % instances.length];
        pending.push(
          post(`/waInstance${idInstance}/sendMessage/${apiTokenInstance}`, {
            chatId: "79007654321@c.us",
            message: `bench ${sent}`,
          }).then((a) => answeredAt.set(a.idMessage, Date.now())),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(pending);
    const sendMs = performance.now() - start;
    await post("/_sandbox/wait");
    const allMs = performance.now() - start;
    const report = JSON.parse(await ask("report"));
    const leave = report.sentAt.map(([id, at]) => at - answeredAt.get(id)).filter(Number.isFinite);
    return {
      instances: instances.length,
      sent,
      sendRate: sent / (sendMs / 1000),
      bytesPerInstance: (heapAfter - heapBefore) / instances.length,
      delivered: report.delivered,
      undelivered: report.undelivered,
      deliveriesPerSecond: report.delivered / (allMs / 1000),
      latencyP50: percentile(report.latency, 50),
      latencyP99: percentile(report.latency, 99),
      latencyMax: percentile(report.latency, 100),
      leaveP99: percentile(leave, 99),
      rssMb: report.rssMb,
    };
  } finally {
    receiver.close();
    child.kill();
  }
}

/**
 * Bundles `entry` (src/ TypeScript) for Node into node_modules/.cache/`name`: two levels below the
 * root, as dist/sandbox/ is (the sandbox reads ../../generated/openapi.json); packages stay
 * external. `plugins` may map dist/ imports to src/ (the bin). Returns the file's path.
 */
export async function bundleForNode(entry, name, plugins = []) {
  const dir = join(root, "node_modules/.cache");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, name);
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    packages: "external",
    logLevel: "silent",
    plugins,
    // generated/validators.js requires Ajv's runtime helpers: give the ESM bundle a require.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  });
  return outfile;
}

const sandboxModule = async () => pathToFileURL(await bundleForNode("src/sandbox/index.ts", "bench-sandbox.mjs")).href;

export async function sandboxFigures({ quick = false } = {}) {
  return measure({ instances: quick ? 2_000 : 10_000, rate: 1_000, seconds: quick ? 3 : 10 });
}

export function sandboxRows(f) {
  return [
    [
      `sandbox, memory per instance (${f.instances.toLocaleString("en")} instances)`,
      `${(f.bytesPerInstance / 1024).toFixed(1)} KB`,
      "",
    ],
    [
      `sandbox, ${f.sent.toLocaleString("en")} sends at ${Math.round(f.sendRate)}/s: webhook deliveries per second`,
      `${Math.round(f.deliveriesPerSecond)} (${f.delivered.toLocaleString("en")} delivered, ${f.undelivered} not)`,
      "",
    ],
    [
      "sandbox, a delivery's lateness (made → answered 200): p50 / p99 / max",
      `${f.latencyP50} / ${f.latencyP99} / ${f.latencyMax} ms`,
      "",
    ],
    ["sandbox, a queued message's lateness (sendMessage answered → sent): p99", `${f.leaveP99} ms`, ""],
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await sandboxFigures({ quick: process.argv.includes("--quick") });
  for (const [name, value] of sandboxRows(figures)) console.log(`${name}: ${value}`);
}
