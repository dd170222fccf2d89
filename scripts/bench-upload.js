#!/usr/bin/env node
// The peak memory of a sendFileByUpload of a large file, against the file's size and against
// plain fetch sending the same FormData: does the client hold the file more than once?
// Each variant runs in a fresh process (its own heap and RSS), the file a Blob from
// fs.openAsBlob (read from disk as it is sent), the server in a process of its own.
//   node scripts/bench-upload.js [MB]       prints {client, fetch} peak RSS growth in bytes
//   node scripts/bench-upload.js --variant client|fetch FILE URL   (internal: one measurement)
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { root } from "./prism.js";

const ID = 1101000001;
const TOKEN = "FAKE-INSTANCE-TOKEN-bench-0000000000000000000000"; // obviously fake

/** One measurement in this process: peak RSS growth while the upload runs, sampled every 5 ms. */
async function measure(variant, file, url) {
  const blob = await openAsBlob(file);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  let ok;
  if (variant === "client") {
    const { createInstanceClient } = await import(pathToFileURL(join(root, "dist/index.js")).href);
    const instance = createInstanceClient({ idInstance: ID, apiTokenInstance: TOKEN, apiUrl: url, mediaUrl: url });
    const sent = await instance.sendFileByUpload(
      { chatId: "79007654321@c.us", file: blob, fileName: "bench.bin" },
      { timeoutMs: 300_000 },
    );
    ok = !sent.error;
  } else {
    const form = new FormData();
    form.set("chatId", "79007654321@c.us");
    form.set("fileName", "bench.bin");
    form.set("file", blob, "bench.bin");
    const answer = await fetch(`${url}/waInstance${ID}/sendFileByUpload/${TOKEN}`, { method: "POST", body: form });
    ok = answer.ok;
    await answer.arrayBuffer();
  }
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!ok) throw new Error(`${variant}: the upload failed`);
  return peak - before;
}

/** A loopback server in its own process that reads every upload to its end and answers GREEN-API's shape. */
function server() {
  const code = `
    const { createServer } = require("node:http");
    const s = createServer((req, res) => { let n = 0; req.on("data", (d) => (n += d.length));
      req.on("end", () => res.writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ idMessage: "BENCH" + n, urlFile: "https://example.invalid/bench.bin" }))); });
    s.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + s.address().port));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const url = new Promise((resolve) => child.stdout.once("data", (chunk) => resolve(String(chunk).trim())));
  return { url, stop: () => child.kill() };
}

/** Both variants, each in a fresh process, on a file of `megabytes` MB. */
export async function uploadFigures({ megabytes = 100 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "bench-upload-"));
  const file = join(dir, "bench.bin");
  writeFileSync(file, Buffer.alloc(megabytes * 1024 * 1024, 7));
  const srv = server();
  try {
    const url = await srv.url;
    const run = async (variant) => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        new URL(import.meta.url).pathname,
        "--variant",
        variant,
        file,
        url,
      ]);
      return Number(stdout.trim());
    };
    return { fileBytes: megabytes * 1024 * 1024, client: await run("client"), fetch: await run("fetch") };
  } finally {
    srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const at = process.argv.indexOf("--variant");
  if (at >= 0) {
    const [variant, file, url] = process.argv.slice(at + 1);
    console.log(await measure(variant, file, url));
  } else console.log(JSON.stringify(await uploadFigures({ megabytes: Number(process.argv[2] ?? 100) })));
}
