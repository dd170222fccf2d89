// No answer of the sandbox echoes a token (the partner's, an instance's, a webhookUrlToken), and a
// refused control call (advance on the real clock, a negative advance) answers 400 and is never
// kept as a contract drift: waitForDeliveries() and stop() still resolve.
import { afterEach, describe, expect, it } from "vitest";
import { createPartnerClient } from "../src/index.js";
import { type Sandbox, startSandbox } from "../src/testing.js";
import { TOKEN, expectNoToken } from "./helpers/token.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const post = (path: string, body: unknown) =>
  fetch(`${sandbox!.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then(async (answer) => ({
    status: answer.status,
    text: await answer.text(),
  }));

describe("the sandbox's answers", () => {
  it("never echo a token the client sent or the sandbox issued", async () => {
    sandbox = await startSandbox({ partnerToken: TOKEN, clock: "manual" });
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: sandbox.url });
    const webhookUrlToken = "FAKE-WEBHOOK-TOKEN-leak-0a1b2c3d4e5f";
    const created = await partner.createInstance({ name: "leaks", webhookUrl: "http://127.0.0.1:9/", webhookUrlToken });
    const { idInstance, apiTokenInstance } = created.data!;
    const unknownToken = "FAKE-UNKNOWN-TOKEN-9a8b7c6d5e4f3a2b1c0d";
    const paths = [
      `/partner/noSuchMethod/${TOKEN}`,
      `/waInstance${idInstance}/noSuchMethod/${apiTokenInstance}`,
      `/waInstance${idInstance}/noSuchMethod/${unknownToken}`,
      `/waInstance${idInstance}/send-message/${unknownToken}`, // a method name maskTokens' shape misses
      `/v3/waInstance${idInstance}//${unknownToken}`,
      `/elsewhere/${encodeURIComponent(TOKEN)}/${apiTokenInstance}/${webhookUrlToken}`,
      `/_sandbox/instances/${apiTokenInstance}/link`,
      `/_sandbox/${TOKEN}`,
    ];
    for (const path of paths) {
      const answer = await fetch(`${sandbox.url}${path}`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expectNoToken(await answer.text(), [TOKEN, apiTokenInstance, webhookUrlToken, unknownToken]);
    }
  });
});

describe("a refused control call", () => {
  it("advance on the real clock: a 400 saying so, nothing kept as a drift", async () => {
    sandbox = await startSandbox({ durations: { creatingMs: 3_600_000 } });
    const answer = await post("/_sandbox/advance", { ms: 1000 });
    expect(answer).toEqual({
      status: 400,
      text: JSON.stringify({ error: "advance needs clock: manual; this sandbox runs on the real clock" }),
    });
    await expect(sandbox.advance(1000)).rejects.toThrow("advance needs clock: manual");
    await expect(sandbox.waitForDeliveries()).resolves.toBeUndefined();
    await expect(sandbox.stop()).resolves.toBeUndefined();
  });

  it("a negative advance on the manual clock: a 400, nothing kept as a drift", async () => {
    sandbox = await startSandbox({ clock: "manual" });
    expect((await post("/_sandbox/advance", { ms: -5 })).status).toBe(400);
    await expect(sandbox.waitForDeliveries()).resolves.toBeUndefined();
    await expect(sandbox.stop()).resolves.toBeUndefined();
  });

  it("every verb given bad input: a 400 naming it, nothing kept as a drift", async () => {
    sandbox = await startSandbox({ clock: "manual" });
    const partner = createPartnerClient({ partnerToken: sandbox.partnerToken, baseUrl: sandbox.url });
    const { idInstance } = (await partner.createInstance({ name: "bad verbs" })).data!;
    const calls: Array<[string, unknown]> = [
      ["/_sandbox/advance", { ms: "soon" }],
      ["/_sandbox/advance", {}],
      [`/_sandbox/instances/${idInstance}/link`, { phone: "x" }],
      [`/_sandbox/instances/${idInstance}/link`, {}],
      [`/_sandbox/instances/${idInstance}/messages`, {}],
      [`/_sandbox/instances/${idInstance}/read`, {}],
      [`/_sandbox/instances/${idInstance}/state`, {}],
      ["/_sandbox/instances/1/state", { state: "blocked" }],
      ["/_sandbox/contacts//no-account", null],
      ["/_sandbox/instances/undefined/link", {}],
      ["/_sandbox/fly", {}],
    ];
    for (const [path, body] of calls)
      expect({ path, ...(await post(path, body)) }).toMatchObject({ path, status: 400 });
    await expect(sandbox.waitForDeliveries()).resolves.toBeUndefined();
    await expect(sandbox.stop()).resolves.toBeUndefined();
  });
});
