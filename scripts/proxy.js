#!/usr/bin/env node
// `npm run proxy`: checks real traffic against the spec. Point an app at 127.0.0.1:$PORT
// (default 4020); requests go on to the real GREEN-API (GREEN_API_URL, the partner's
// partnerApiUrl). A checking proxy must not change what it checks: a real answer is passed
// through as it came (status, headers, bytes) and only then validated, each violation printed as
// a `SPEC VIOLATION` line, token masked. A request that breaks the spec is refused (422) and never
// forwarded, since createInstance is billable. Prism (in this process) routes and validates; this
// file only relays, because Prism's own proxy re-serialises bodies and replaces a broken answer
// with a 500, which a client would then retry.
import { request as httpRequest, createServer } from "node:http";
import { request as httpsRequest } from "node:https";
import { createRequire } from "node:module";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { bundledSpec, maskTokens } from "./prism.js";

/** Prism's HTTP layer, resolved from its CLI (as src/mock-server.js does), and its fp-ts. */
function prism() {
  const fromCli = createRequire(createRequire(import.meta.url).resolve("@stoplight/prism-cli/package.json"));
  const fromHttp = createRequire(fromCli.resolve("@stoplight/prism-http"));
  const { createInstance, getHttpOperationsFromSpec } = fromCli("@stoplight/prism-http");
  return {
    createInstance,
    getHttpOperationsFromSpec,
    createLogger: fromCli("@stoplight/prism-core").createLogger,
    TE: fromHttp("fp-ts/TaskEither"),
  };
}

// Hop-by-hop headers (RFC 9110, 7.6.1) belong to one connection, not to the message: not relayed.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const ERROR = 0; // Prism's DiagnosticSeverity.Error; 1 is a warning (such as a status the spec does not list)

const endToEnd = (raw) =>
  raw.flatMap((value, i) => (i % 2 === 0 && !HOP_BY_HOP.has(value.toLowerCase()) ? [value, raw[i + 1]] : []));

/** A body as Prism validates it: JSON parsed when it says so and parses, text otherwise. */
function readable(bytes, headers) {
  const decode = { gzip: gunzipSync, "x-gzip": gunzipSync, deflate: inflateSync, br: brotliDecompressSync }[
    headers["content-encoding"] ?? ""
  ];
  const text = (decode ? decode(bytes) : bytes).toString("utf8");
  if (!/json/i.test(headers["content-type"] ?? "")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The violations of one exchange, as printable lines: `in request.body: ...` or `in response.body: ...`. */
export const violationLines = (method, url, side, diagnostics) =>
  diagnostics.map((d) =>
    maskTokens(
      `SPEC VIOLATION ${method} ${url} in ${[side, ...(d.path ?? [])].join(".")}: ${d.message}${d.severity === ERROR ? "" : " (warning)"}`,
    ),
  );

export async function runProxy({
  upstream = process.env.GREEN_API_URL,
  port = Number(process.env.PORT ?? 4020),
  print = console.log,
  spec = bundledSpec,
} = {}) {
  if (!upstream)
    throw new Error("Set GREEN_API_URL to the partner API URL (partnerApiUrl), e.g. https://api.green-api.com");
  const base = new URL(upstream);
  const { createInstance, getHttpOperationsFromSpec, createLogger, TE } = prism();
  const operations = await getHttpOperationsFromSpec(spec);
  const logger = createLogger("PROXY", { level: "silent" });

  /** Sends the request as it came and streams the real answer back as it comes; resolves with it, for validation. */
  const relay = (req, body, res) =>
    new Promise((resolve, reject) => {
      const target = new URL(base.pathname.replace(/\/$/, "") + req.url, base);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== "host"),
      );
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const out = send(target, { method: req.method, headers }, (answer) => {
        const chunks = [];
        res.sendDate = false; // no Date the upstream did not send
        res.writeHead(answer.statusCode, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.on("data", (chunk) => (chunks.push(chunk), res.write(chunk)));
        answer.on("error", reject);
        answer.on("end", () => {
          res.end();
          const bytes = Buffer.concat(chunks);
          resolve({
            statusCode: answer.statusCode,
            headers: answer.headers,
            body: bytes.length ? readable(bytes, answer.headers) : undefined,
          });
        });
      });
      out.on("error", reject);
      out.end(body);
    });

  const front = createServer(async (req, res) => {
    const body = await buffer(req);
    const { pathname, searchParams } = new URL(req.url, "http://front");
    const query = {};
    for (const [name, value] of searchParams) (query[name] ??= []).push(value);
    const input = {
      method: req.method.toLowerCase(),
      url: { path: pathname, query },
      headers: req.headers,
      body: body.length ? readable(body, req.headers) : undefined,
    };
    const show = (side, diagnostics) =>
      violationLines(req.method, req.url, side, diagnostics).forEach((line) => print(line));
    // Prism routes and validates the request, then calls this instead of its own forwarder.
    const forward =
      ({ validations }) =>
      () => {
        const broken = validations.filter((v) => v.severity === ERROR);
        if (broken.length) return TE.left({ refused: broken });
        return TE.tryCatch(
          () => relay(req, body, res),
          (error) => ({ network: error }),
        );
      };
    const config = {
      isProxy: true,
      upstream: base,
      errors: true,
      validateRequest: true,
      validateResponse: true,
      checkSecurity: false,
      mock: { dynamic: false },
    };
    const outcome = await createInstance(config, { logger, forward }).request(input, operations)();
    if (outcome._tag === "Right") {
      show("request", outcome.right.validations.input);
      show("response", outcome.right.validations.output);
      return;
    }
    const { refused, network } = outcome.left;
    if (refused) show("request", refused);
    else if (network) print(maskTokens(`proxy: ${network.message}`));
    else print(maskTokens(`SPEC VIOLATION ${req.method} ${req.url}: ${outcome.left.message}`)); // no operation of the spec matches
    if (res.headersSent) return res.destroy(); // the answer broke off midway: so does the relay
    const status = refused ? 422 : network ? 502 : (outcome.left.status ?? 404);
    const problem = {
      title: refused ? "The request breaks the spec: not forwarded" : (network?.message ?? outcome.left.message),
      status,
    };
    if (refused)
      problem.validation = refused.map((v) => ({ location: ["request", ...(v.path ?? [])], message: v.message }));
    res.writeHead(status, { "Content-Type": "application/problem+json" }).end(maskTokens(JSON.stringify(problem)));
  });
  await new Promise((resolve) => front.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${front.address().port}`;
  print(`Checking ${upstream} against the spec; send requests to ${url}`);
  const stop = async () => {
    const closed = new Promise((resolve) => front.close(resolve));
    front.closeAllConnections();
    await closed;
  };
  return { url, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const proxy = await runProxy();
    for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => proxy.stop().then(() => process.exit(0)));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
