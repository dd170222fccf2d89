// `npm run proxy` against a loopback fake of GREEN-API: every real answer reaches the client exactly
// as the fake sent it (status, headers, bytes), conforming or not; one that breaks the spec is
// reported, never replaced; an invalid request is never forwarded; and no line shows the token.
import type { ServerResponse } from "node:http";
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
/** What the fake GREEN-API answers next. */
let reply: (res: ServerResponse) => void;
let upstream: Awaited<ReturnType<typeof loopback>>;
let proxy: Awaited<ReturnType<typeof runProxy>>;

beforeAll(async () => {
  upstream = await loopback((_req, res) => reply(res));
  proxy = await runProxy({ upstream: upstream.url, port: 0, print: (line: string) => printed.push(line) });
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
    await expect.poll(() => violations().filter((line) => line.includes("in response.body"))).not.toEqual([]);
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
    const count = violations().length;
    const response = await fetch(proxy.url + getInstances.path.replace("{partnerToken}", TOKEN));
    expect([response.status, await response.text()]).toEqual([504, page]);
    await expect
      .poll(() =>
        violations()
          .slice(count)
          .some((line) => line.includes("in response") && line.includes("status code")),
      )
      .toBe(true);
  });

  it("refuses a request that breaks the spec without forwarding it", async () => {
    const before = upstream.requests.length;
    const response = await send({});
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      status: 422,
      validation: [expect.objectContaining({ location: ["request", "body"] })],
    });
    await expect.poll(() => violations().some((line) => line.includes("in request.body"))).toBe(true);
    expect(upstream.requests.length).toBe(before);
  });

  it("never prints the partner token, and masks it where the path holds it", () => {
    expect(violations().length).toBeGreaterThan(0);
    expect(printed.join("\n")).not.toContain(TOKEN);
    expect(violations().some((line) => line.includes("/partner/createInstance/***"))).toBe(true);
  });
});
