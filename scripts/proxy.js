#!/usr/bin/env node
// `npm run proxy`: checks real traffic against the spec. Point an app at 127.0.0.1:$PORT
// (default 4020); requests go through Prism in proxy mode to the real GREEN-API (GREEN_API_URL,
// the partner's partnerApiUrl). With --errors, a request that breaks the spec is refused (422)
// and never forwarded, since createInstance is billable, and an answer that breaks it is replaced
// by a 500. Prism's proxy logs no detail of a violation, so a thin front reads the
// `sl-violations` header of every answer and prints each violation, token masked.
import { request as httpRequest, createServer } from "node:http";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { maskTokens, startPrism } from "./prism.js";

/**
 * The violations Prism found in one exchange: from its `sl-violations` header, or from the
 * `validation` list of its problem+json answer (which is all a refused request gets).
 */
export function violationsOf(header, problemBody) {
  for (const text of [header, problemBody]) {
    if (!text) continue;
    try {
      const parsed = JSON.parse(text);
      const list = Array.isArray(parsed) ? parsed : parsed.validation;
      if (Array.isArray(list) && list.length) return list;
    } catch {
      // not JSON: nothing to report from this source
    }
  }
  return [];
}

export async function runProxy({ upstream = process.env.GREEN_API_URL, port = Number(process.env.PORT ?? 4020), print = console.log } = {}) {
  if (!upstream) throw new Error("Set GREEN_API_URL to the partner API URL (partnerApiUrl), e.g. https://api.green-api.com");
  const prism = await startPrism({ mode: "proxy", upstream, onLog: (line) => /✖|fatal/.test(line) && print(line) });
  const front = createServer((req, res) => {
    const inner = httpRequest(`${prism.url}${req.url}`, { method: req.method, headers: req.headers }, async (answer) => {
      const problem = /problem\+json/.test(answer.headers["content-type"] ?? "");
      let body;
      if (problem) body = await buffer(answer).catch(() => Buffer.alloc(0)); // small: only Prism's own verdicts are buffered
      for (const v of violationsOf(answer.headers["sl-violations"], body?.toString())) {
        // A refused request's violations are located relative to the request.
        const where = ["request", "response"].includes(v.location[0]) ? v.location : ["request", ...v.location];
        print(maskTokens(`SPEC VIOLATION ${req.method} ${req.url} in ${where.join(".")}: ${v.message}`));
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (problem) res.end(body);
      else answer.pipe(res);
    });
    inner.on("error", (error) => {
      print(maskTokens(`proxy: ${error.message}`));
      res.writeHead(502).end();
    });
    req.pipe(inner);
  });
  await new Promise((resolve) => front.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${front.address().port}`;
  print(`Checking ${upstream} against the spec; send requests to ${url}`);
  const stop = async () => {
    const closed = new Promise((resolve) => front.close(resolve));
    front.closeAllConnections();
    await closed;
    await prism.stop();
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
