// `npm run proxy` against a loopback fake of GREEN-API: every real answer reaches the client exactly
// as the fake sent it (status, headers, bytes), conforming or not; one that breaks the spec is
// reported, never replaced; an invalid request is never forwarded; and no line shows the token.
import { type ServerResponse, get as httpGet } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProxy } from "../scripts/proxy.js";
import { createPartnerClient } from "../src/index.js";
import { loopback } from "./helpers/server.js";
import { CREATE_INSTANCE_PATH, byId, deref, namedExamples } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const created = namedExamples().find((e) => e.status === "200")!.value;
const body = namedExamples().find((e) => e.status === null)!.value;
const getInstances = byId("getInstances");
const printed: string[] = [];
const violations = () => printed.filter((line) => line.startsWith("SPEC VIOLATION"));
/** Waiters for a line yet to be printed: the proxy may print after it answers. */
const waiters: Array<{ test: (line: string) => boolean; found: (line: string) => void }> = [];
function print(line: string) {
  printed.push(line);
  for (const waiter of [...waiters])
    if (waiter.test(line)) (waiters.splice(waiters.indexOf(waiter), 1), waiter.found(line));
}
/** Resolves with the first line printed from index `from` on that passes `test` (an event, not a poll). */
function printedLine(test: (line: string) => boolean, from = 0): Promise<string> {
  const already = printed.slice(from).find(test);
  if (already !== undefined) return Promise.resolve(already);
  return new Promise((found) => waiters.push({ test, found }));
}
/** What the fake GREEN-API answers next. */
let reply: (res: ServerResponse) => void;
let upstream: Awaited<ReturnType<typeof loopback>>;
let proxy: Awaited<ReturnType<typeof runProxy>>;

beforeAll(async () => {
  upstream = await loopback((_req, res) => reply(res));
  proxy = await runProxy({ upstream: upstream.url, port: 0, print });
});
afterAll(async () => {
  await proxy?.stop();
  await upstream?.close();
});

const send = (payload: unknown) =>
  fetch(proxy.url + CREATE_INSTANCE_PATH.replace("{partnerToken}", TOKEN), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });

/** An nginx error page, as a proxy in front of GREEN-API sends it for any status. */
const nginx = (status: number, title: string) =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

describe("npm run proxy", () => {
  it("passes a conforming answer through unchanged", async () => {
    reply = (res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(created));
    const response = await send(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);
    expect(violations()).toEqual([]);
  });

  it("passes an HTML 403 through exactly: the client behind it sees that 403 and that page", async () => {
    const page = nginx(403, "Forbidden");
    reply = (res) =>
      res.writeHead(403, "Forbidden", { "Content-Type": "text/html", Server: "nginx", "X-Seen": "upstream" }).end(page);
    const before = upstream.requests.length;
    const raw = await fetch(proxy.url + getInstances.path.replace("{partnerToken}", TOKEN));
    expect([
      raw.status,
      raw.statusText,
      raw.headers.get("content-type"),
      raw.headers.get("server"),
      raw.headers.get("x-seen"),
    ]).toEqual([403, "Forbidden", "text/html", "nginx", "upstream"]);
    expect(await raw.text()).toBe(page);
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: proxy.url, retry: { delayMs: 1 } });
    expect((await partner.getInstances()).error).toMatchObject({
      kind: "http",
      status: 403,
      excerpt: expect.stringContaining("<h1>403 Forbidden</h1>"),
    });
    expect(upstream.requests.length - before).toBe(2);
    // The spec describes HTML on every error response, so this one breaks nothing.
    expect(deref(deref(getInstances.operation.responses["403"]).content)["text/html"]).toBeDefined();
    expect(violations()).toEqual([]);
  });

  it("passes an answer that breaks the spec through unchanged, once, and reports it", async () => {
    const broken = `{"idInstance": "not a number", "typeInstance": 3}`;
    reply = (res) => res.writeHead(200, { "Content-Type": "application/json", "X-Seen": "upstream" }).end(broken);
    const response = await send(body);
    expect([response.status, response.headers.get("x-seen"), await response.text()]).toEqual([200, "upstream", broken]);
    await printedLine((line) => line.startsWith("SPEC VIOLATION") && line.includes("in response.body"));
    expect(violations().join("\n")).toContain("idInstance");

    // Through the client: the real answer, not a 500 that a retry-safe method would send again.
    const before = upstream.requests.length;
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: proxy.url, retry: { delayMs: 1 } });
    expect((await partner.getInstances()).error).toMatchObject({
      kind: "unexpected-response",
      status: 200,
      attempts: 1,
    });
    expect(upstream.requests.length - before).toBe(1);
  });

  it("passes an error page at a status the spec does not list, and reports it", async () => {
    const page = nginx(504, "Gateway Time-out");
    reply = (res) => res.writeHead(504, { "Content-Type": "text/html" }).end(page);
    const from = printed.length;
    const response = await fetch(proxy.url + getInstances.path.replace("{partnerToken}", TOKEN));
    expect([response.status, await response.text()]).toEqual([504, page]);
    const line = await printedLine((l) => l.includes("in response") && l.includes("status code"), from);
    expect(line).toMatch(/^SPEC VIOLATION /);
  });

  it("refuses a request that breaks the spec without forwarding it", async () => {
    const before = upstream.requests.length;
    const response = await send({});
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      status: 422,
      validation: [expect.objectContaining({ location: ["request", "body"] })],
    });
    await printedLine((line) => line.startsWith("SPEC VIOLATION") && line.includes("in request.body"));
    expect(upstream.requests.length).toBe(before);
  });

  it("never prints the partner token, and masks it where the path holds it", () => {
    expect(violations().length).toBeGreaterThan(0);
    expect(printed.join("\n")).not.toContain(TOKEN);
    expect(violations().some((line) => line.includes("/partner/createInstance/***"))).toBe(true);
  });
});

/** Sends raw bytes to the proxy and resolves with whatever comes back before the connection ends. */
const raw = (bytes: string | Buffer, { end = true } = {}) =>
  new Promise<Buffer>((resolve) => {
    const socket = connect(Number(new URL(proxy.url).port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => resolve(Buffer.concat(chunks)));
    // Closed once the bytes are out: `destroy` right away could drop them unsent.
    socket.write(bytes, () => (end ? socket.end() : socket.destroy()));
  });

/** A GET through the proxy read with node:http, which hands over the bytes as they came (fetch would decode them). */
const rawGet = (path: string) =>
  new Promise<{ status: number; bytes: Buffer } | { error: string }>((resolve) => {
    const req = httpGet(proxy.url + path, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => resolve({ error: error.message }));
      res.on("end", () => resolve({ status: res.statusCode!, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", (error) => resolve({ error: error.message }));
  });

describe("npm run proxy on one bad exchange reports it and goes on", () => {
  const createPath = CREATE_INSTANCE_PATH.replace("{partnerToken}", TOKEN);
  const listPath = getInstances.path.replace("{partnerToken}", TOKEN);
  /** The proxy still checks the next exchange. */
  const goesOn = async () => {
    reply = (res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(created));
    const response = await send(body);
    expect([response.status, await response.json()]).toEqual([200, created]);
  };

  it("a client that sends half a body and closes: reported, nothing forwarded", async () => {
    const [count, before] = [printed.length, upstream.requests.length];
    const half = `{"name":"half`;
    await raw(
      `POST ${createPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${half}`,
      { end: false },
    );
    await printedLine(
      (line) =>
        /^proxy: the client left before its request was whole; not forwarded: POST \/partner\/createInstance\/\*\*\*$/.test(
          line,
        ),
      count,
    );
    expect(upstream.requests.length).toBe(before);
    await goesOn();
  });

  it("a request labelled gzip that is not: refused with 400, reported, never forwarded", async () => {
    const [count, before] = [printed.length, upstream.requests.length];
    const response = await fetch(proxy.url + createPath, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).title).toMatch(/Content-Encoding gzip, but the body does not decode/);
    expect(printed.slice(count)).toContainEqual(
      expect.stringMatching(/^SPEC VIOLATION POST .* in request\.body: Content-Encoding gzip, but the body does not/),
    );
    expect(upstream.requests.length).toBe(before);
    await goesOn();
  });

  it("an upstream gzip answer cut short: passed through as it came, and reported", async () => {
    const whole = gzipSync(JSON.stringify([created]));
    const cut = whole.subarray(0, whole.length - 12);
    reply = (res) =>
      res
        .writeHead(200, {
          "Content-Type": "application/json",
          "Content-Encoding": "gzip",
          "Content-Length": cut.length,
        })
        .end(cut);
    const count = printed.length;
    const got = await rawGet(listPath);
    expect(got).toEqual({ status: 200, bytes: cut });
    const line = await printedLine((l) => l.includes("Content-Encoding gzip, but the body does not decode"), count);
    expect(line).toMatch(/^SPEC VIOLATION GET \/partner\/getInstances\/\*\*\* in response\.body: /);
    await goesOn();
  });

  it("an upstream answer whose connection breaks midway: the client's breaks too, reported", async () => {
    reply = (res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 1000 });
      res.write(`[{"idInstance":`, () => res.socket!.destroy());
    };
    const count = printed.length;
    expect(await rawGet(listPath)).toHaveProperty("error");
    await printedLine((line) => /^proxy: .*: GET \/partner\/getInstances\/\*\*\*$/.test(line), count);
    await goesOn();
  });

  it("printed none of it with the token", () => {
    expect(printed.join("\n")).not.toContain(TOKEN);
  });
});

describe("npm run proxy against an upstream that never answers", () => {
  it("gives it up after idleTimeoutMs with a 502 that says so, and goes on", async () => {
    const silent = await loopback(() => {}); // holds every request, never answers
    const lines: string[] = [];
    const stuck = await runProxy({
      upstream: silent.url,
      port: 0,
      print: (line) => lines.push(line),
      idleTimeoutMs: 50,
    });
    try {
      const answer = await fetch(stuck.url + CREATE_INSTANCE_PATH.replace("{partnerToken}", TOKEN), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(answer.status).toBe(502);
      expect(await answer.text()).toMatch(/no answer from upstream within 50 ms/);
      expect(lines.join("\n")).not.toContain(TOKEN);
    } finally {
      await stuck.stop();
      await silent.close();
    }
  });
});
