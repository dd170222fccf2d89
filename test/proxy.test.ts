// `npm run proxy` against a loopback fake of GREEN-API: a conforming answer passes through, a
// non-conforming one is reported, an invalid request is never forwarded, and no line shows the token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProxy } from "../scripts/proxy.js";
import { loopback } from "./helpers/server.js";
import { CREATE_INSTANCE_PATH, namedExamples } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const created = namedExamples().find((e) => e.status === "200")!.value;
const body = namedExamples().find((e) => e.status === null)!.value;
const printed: string[] = [];
let upstream: Awaited<ReturnType<typeof loopback>>;
let proxy: Awaited<ReturnType<typeof runProxy>>;

beforeAll(async () => {
  // The fake answers the first request with a conforming body and every later one with a broken one.
  upstream = await loopback((_req, res) => {
    const answer = upstream.requests.length === 1 ? created : { idInstance: "not a number", typeInstance: 3 };
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(answer));
  });
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

describe("npm run proxy", () => {
  it("passes a conforming answer through unchanged", async () => {
    const response = await send(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);
    expect(printed.filter((line) => line.startsWith("SPEC VIOLATION"))).toEqual([]);
  });

  it("reports an answer that breaks the spec", async () => {
    const response = await send(body);
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    await expect.poll(() => printed.filter((line) => line.startsWith("SPEC VIOLATION") && line.includes("in response.body"))).not.toEqual([]);
    expect(printed.join("\n")).toContain("idInstance");
  });

  it("refuses a request that breaks the spec without forwarding it", async () => {
    const before = upstream.requests.length;
    const response = await send({});
    expect(response.status).toBe(422); // Prism's proxy refuses with its own 422, not the spec's 400
    await expect.poll(() => printed.some((line) => line.startsWith("SPEC VIOLATION") && line.includes("in request.body"))).toBe(true);
    expect(upstream.requests.length).toBe(before);
  });

  it("never prints the partner token", () => {
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.join("\n")).not.toContain(TOKEN);
  });
});
