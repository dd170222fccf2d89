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
import { asError, bundledSpec, maskTokens } from "./prism.js";

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

/**
 * A body as Prism validates it: JSON parsed when it says so and parses, text otherwise. A body
 * whose Content-Encoding does not decode (not gzip at all, or cut short) is `{ undecodable }`,
 * with zlib's reason, instead of a throw that would end the proxy.
 */
function readable(bytes, headers) {
  const encoding = (headers["content-encoding"] ?? "").trim().toLowerCase();
  const decode = { gzip: gunzipSync, "x-gzip": gunzipSync, deflate: inflateSync, br: brotliDecompressSync }[encoding];
  let text;
  try {
    text = (decode ? decode(bytes) : bytes).toString("utf8");
  } catch (error) {
    return { undecodable: `Content-Encoding ${encoding}, but the body does not decode (${error.message})` };
  }
  if (!/json/i.test(headers["content-type"] ?? "")) return { value: text };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { value: text };
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
  // An upstream that goes this long without a byte is given up (502): longer than GREEN-API's
  // longest hold (receiveNotification's 60 s long poll), so only a stuck upstream meets it.
  idleTimeoutMs = Number(process.env.PROXY_IDLE_TIMEOUT_MS ?? 90_000),
} = {}) {
  if (!upstream)
    throw new Error("Set GREEN_API_URL to the partner API URL (partnerApiUrl), e.g. https://api.green-api.com");
  const base = new URL(upstream);
  const { createInstance, getHttpOperationsFromSpec, createLogger, TE } = prism();
  const operations = await getHttpOperationsFromSpec(spec);
  const logger = createLogger("PROXY", { level: "silent" });

  /**
   * Sends the request as it came and streams the real answer back as it comes; resolves with it,
   * for validation. `note` gets what cannot be validated (a body that does not decode).
   */
  const relay = (req, body, res, note) =>
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
          const read = bytes.length ? readable(bytes, answer.headers) : {};
          if (read.undecodable) note(read.undecodable);
          resolve({ statusCode: answer.statusCode, headers: answer.headers, body: read.value });
        });
      });
      out.on("error", reject);
      out.setTimeout(idleTimeoutMs, () => out.destroy(new Error(`no answer from upstream within ${idleTimeoutMs} ms`)));
      out.end(body);
    });

  /** Answers the client with a problem document (RFC 9457), or cuts it off when the real answer had begun. */
  const refuse = (res, status, title, more = {}) => {
    if (res.headersSent) return void res.destroy(); // the answer broke off midway: so does the relay
    res
      .writeHead(status, { "Content-Type": "application/problem+json" })
      .end(maskTokens(JSON.stringify({ title, status, ...more })));
  };

  // The request last: a token may hold any character but whitespace, so the mask takes what follows it up to a space.
  const report = (req, text) => print(maskTokens(`proxy: ${text}: ${req.method} ${req.url}`));

  /** One exchange, from the client's request to the validated answer. */
  async function exchange(req, res) {
    const show = (side, diagnostics) =>
      violationLines(req.method, req.url, side, diagnostics).forEach((line) => print(line));
    const undecodable = (side) => (message) => show(side, [{ path: ["body"], message, severity: ERROR }]);
    let body;
    try {
      body = await buffer(req);
    } catch {
      report(req, "the client left before its request was whole; not forwarded");
      return void res.destroy();
    }
    const request = body.length ? readable(body, req.headers) : {};
    if (request.undecodable) {
      undecodable("request")(request.undecodable);
      return refuse(res, 400, `${request.undecodable}: not forwarded`);
    }
    const { pathname, searchParams } = new URL(req.url, "http://front");
    const query = {};
    for (const [name, value] of searchParams) (query[name] ??= []).push(value);
    const input = {
      method: req.method.toLowerCase(),
      url: { path: pathname, query },
      headers: req.headers,
      body: request.value,
    };
    // Prism routes and validates the request, then calls this instead of its own forwarder.
    const forward =
      ({ validations }) =>
      () => {
        const broken = validations.filter((v) => v.severity === ERROR);
        if (broken.length) return TE.left({ refused: broken });
        return TE.tryCatch(
          () => relay(req, body, res, undecodable("response")),
          (error) => ({ network: asError(error) }),
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
    if (refused) {
      show("request", refused);
      const validation = refused.map((v) => ({ location: ["request", ...(v.path ?? [])], message: v.message }));
      return refuse(res, 422, "The request breaks the spec: not forwarded", { validation });
    }
    if (network) {
      report(req, network.message);
      return refuse(res, 502, network.message);
    }
    const { message, status } = typeof outcome.left?.message === "string" ? outcome.left : asError(outcome.left);
    print(maskTokens(`SPEC VIOLATION ${req.method} ${req.url}: ${message}`)); // no operation of the spec matches
    return refuse(res, status ?? 404, message);
  }

  // Whatever one exchange does (a client gone, a body that does not decode, a bug), it is reported
  // and that exchange alone ends: the proxy goes on checking the next.
  const front = createServer((req, res) =>
    exchange(req, res).catch((error) => {
      report(req, asError(error).message);
      refuse(res, 502, "The proxy failed on this exchange");
    }),
  );
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
    console.error(asError(error).message);
    process.exit(1);
  }
}
