// Starts Prism on the bundled spec, on loopback: the mock in this process (src/mock-server.js,
// which the package ships too), the proxy as Prism's CLI. Prism's own log lines name the request
// path, which holds the partner token: every line is masked before it is shown.
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { asError, maskTokens, startMockServer } from "../src/mock-server.js";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const bundledSpec = join(root, "generated/openapi.json");

export { asError, maskTokens };

/** A port the system says is free now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

const accepts = (port) =>
  new Promise((resolveProbe) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolveProbe(true)));
    socket.once("error", () => resolveProbe(false));
  });

// A TCP probe, not an HTTP request: Prism would log a request to a path the spec lacks as an error.
async function waitUntilListening(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Prism exited with code ${child.exitCode} before listening`);
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Prism did not listen on port ${port} within ${timeoutMs} ms`);
}

/**
 * @param {object} options
 * @param {"mock" | "proxy"} options.mode  the mock runs in this process, the proxy as a child
 * @param {string} [options.upstream] the real partnerApiUrl, for proxy mode
 * @param {number} [options.port] 0 or absent: a free port
 * @param {string} [options.spec] the bundled spec to serve
 * @param {(line: string) => void} [options.onLog] gets every masked log line; default: stderr
 */
export async function startPrism({ mode, upstream, port = 0, spec = bundledSpec, onLog }) {
  if (mode === "mock") return startMockServer({ port, spec, onLog });
  const chosen = port || (await freePort());
  const args = [mode, spec, ...(mode === "proxy" ? [upstream] : [])];
  // --errors: a request that breaks the spec is refused (the spec's 400 in mock mode, Prism's 422 in
  // proxy mode, never forwarded) and an answer that breaks it fails loudly; a quiet log keeps Prism
  // fast; no CORS, as GREEN-API documents none.
  args.push("--port", String(chosen), "--host", "127.0.0.1", "--errors", "--cors=false", "-v", "error");
  const child = spawn(join(root, "node_modules/.bin/prism"), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const log = onLog ?? ((line) => process.stderr.write(`${line}\n`));
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on("line", (line) => /Starting Prism/.test(line) || log(maskTokens(line)));
  const url = `http://127.0.0.1:${chosen}`;
  try {
    await waitUntilListening(chosen, child, 60_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  const stop = () =>
    new Promise((resolveStop) => {
      if (child.exitCode !== null) return resolveStop();
      child.once("exit", () => resolveStop());
      child.kill("SIGTERM");
    });
  return { url, port: chosen, child, stop };
}
