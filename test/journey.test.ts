// The partner's journey, from created to connected and back: the instance client, waitForState
// and the authorization helpers, against the mock (Prism over HTTP and mockFetch) and against
// loopback servers that misbehave. Example names come from the spec (typed), never values.
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { examples } from "../generated/examples.js";
import {
  authorizeByPhone,
  authorizeByQr,
  createInstanceClient,
  createPartnerClient,
  qrDataUrl,
  receiveNotifications,
  waitForState,
} from "../src/index.js";
import { mockFetch, notificationExamples, useExample } from "../src/testing.js";
import { INSTANCE } from "./helpers/call.js";
import { drive, holdClock } from "./helpers/clock.js";
import { answer, loopback } from "./helpers/server.js";
import { INSTANCE_TOKEN, TOKEN, expectNoToken } from "./helpers/token.js";

const FAST = { intervalMs: 100, timeoutMs: 10_000 };
const PACED = { intervalMs: 400, timeoutMs: 10_000 };
const created = examples.createInstance.createdWhatsapp.value as { idInstance: number; apiTokenInstance: string };
const stateOf = (name: keyof typeof examples.getStateInstance) =>
  examples.getStateInstance[name].value as { stateInstance: string } | null;

describe("the whole journey against the mock, with no hand-written HTTP call", () => {
  it("mockFetch: create, wait for notAuthorized, QR, authorized, settings, logout, delete", async () => {
    const fetch = mockFetch({
      getStateInstance: ["creating", "starting", "notAuthorized", "authorized"],
      qr: ["qrCode", "alreadyLogged"],
    });
    const partner = createPartnerClient({ partnerToken: TOKEN, fetch });
    const { data: instance, error } = await partner.createInstance({ name: "shop 42", stateWebhook: "yes" });
    expect(error).toBeUndefined();
    const client = partner.instance(instance!);
    const seen: Array<string | null> = [];
    const ready = await waitForState(client, "notAuthorized", { ...FAST, onState: (state) => seen.push(state) });
    expect(ready).toEqual({ data: { stateInstance: "notAuthorized" } });
    expect(seen).toEqual([stateOf("creating"), stateOf("starting")?.stateInstance, "notAuthorized"]);
    const shown: string[] = [];
    expect(await authorizeByQr(client, { ...FAST, onQrCode: (url) => shown.push(url) })).toEqual({
      data: { authorized: true },
    });
    expect(shown).toEqual([qrDataUrl(examples.qr.qrCode.value as never)]);
    expect(shown[0]).toMatch(/^data:image\/png;base64,/);
    expect((await waitForState(client, "authorized", FAST)).data).toEqual({ stateInstance: "authorized" });
    expect((await client.setSettings({ incomingWebhook: "yes" })).data).toEqual(
      examples.setSettings.settingsSaved.value,
    );
    expect((await client.getSettings()).error).toBeUndefined();
    expect((await client.logout()).data).toEqual(examples.logout.loggedOut.value);
    expect((await partner.deleteInstanceAccount({ idInstance: instance!.idInstance })).data).toEqual({
      deleteInstanceAccount: true,
    });
  }, 30_000);

  it("Prism over HTTP: the same instance's state and QR, named examples picked with useExample", async () => {
    const mockUrl = inject("mockUrl");
    const client = createInstanceClient({ ...created, apiUrl: mockUrl });
    useExample(client, "getStateInstance", ["creating", "notAuthorized"]);
    const ready = await waitForState(client, "notAuthorized", FAST);
    expect(ready).toEqual({ data: { stateInstance: "notAuthorized" } });
    useExample(client, "qr", "alreadyLogged");
    expect(await authorizeByQr(client, { ...FAST, onQrCode: () => {} })).toEqual({ data: { authorized: true } });
    expect((await client.getAuthorizationCode({ phoneNumber: 79001234567 })).error).toBeUndefined();
  }, 30_000);

  it("useExample works on a client built with mockFetch too: the named example, not the first", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, fetch: mockFetch() });
    useExample(partner, "getInstances", "noInstances");
    expect(await partner.getInstances()).toEqual({ data: [] });
    const client = createInstanceClient({ ...created, fetch: mockFetch() });
    useExample(client, "getStateInstance", "authorized");
    expect((await client.getStateInstance()).data).toEqual(stateOf("authorized"));
  });
});

afterEach(() => void vi.useRealTimers());

// Waits on a loopback server run with the clock held (helpers/clock.ts): a poll's interval is run
// out when it is set, and nothing else moves time, so a slow machine cannot end a wait early.
describe("waitForState", () => {
  it("treats null, starting and a starting instance's 400 as not yet; never polls faster than asked", async () => {
    const answers = [
      answer(200, null),
      answer(400, { code: 400, description: "Instance account is expired" }),
      answer(200, { stateInstance: "starting" }),
      answer(200, { stateInstance: "notAuthorized" }),
    ];
    const server = await loopback((req, res, body) =>
      answers[Math.min(server.requests.length - 1, answers.length - 1)]!(req, res, body),
    );
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      holdClock();
      const started = performance.now();
      const waited = drive(() => waitForState(client, ["notAuthorized", "authorized"], PACED), {
        pauseMs: PACED.intervalMs,
      });
      expect(await waited).toEqual({
        data: { stateInstance: "notAuthorized" },
      });
      expect(server.requests).toHaveLength(4);
      expect(performance.now() - started).toBeGreaterThanOrEqual(3 * PACED.intervalMs - 50);
    } finally {
      await server.close();
    }
  });

  it("ends as a timeout error with the last state seen, and the token nowhere", async () => {
    const server = await loopback(answer(200, { stateInstance: "starting" }));
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      // The last poll's own deadline, what is left of the wait (200 ms), is run out like a pause:
      // the wait ends by its deadline either way.
      holdClock();
      const { error } = await drive(() => waitForState(client, "notAuthorized", { intervalMs: 400, timeoutMs: 1000 }), {
        pauseMs: 400,
      });
      expect(error).toMatchObject({ kind: "timeout", by: "timeout", lastState: "starting", timeoutMs: 1000 });
      expect(server.requests.length).toBeLessThanOrEqual(4);
      expectNoToken(error, INSTANCE_TOKEN);
    } finally {
      await server.close();
    }
  });

  it("a wrong token (401) ends the wait at once", async () => {
    const server = await loopback(answer(401, { code: 401, description: "Unauthorized" }));
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      const { error } = await waitForState(client, "notAuthorized", FAST);
      expect(error).toMatchObject({ kind: "api", status: 401 });
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("stops on the caller's signal, during a poll or a pause", async () => {
    // During a poll: the server aborts on the second request, which it then answers.
    let during: AbortController | undefined;
    const server = await loopback((req, res, body) => {
      if (server.requests.length === 2) during?.abort();
      answer(200, null)(req, res, body);
    });
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      holdClock();
      // During a pause: at 700 ms, in the second 400 ms pause.
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 700);
      const started = performance.now();
      const { error } = await drive(
        () => waitForState(client, "notAuthorized", { ...PACED, signal: controller.signal }),
        {
          pauseMs: PACED.intervalMs,
        },
      );
      expect(error).toMatchObject({ kind: "timeout", by: "signal", lastState: null });
      expect(performance.now() - started).toBeLessThan(1700);

      during = new AbortController();
      server.requests.length = 0;
      const polled = await drive(() => waitForState(client, "notAuthorized", { ...PACED, signal: during!.signal }), {
        pauseMs: PACED.intervalMs,
      });
      expect(polled.error).toMatchObject({ kind: "timeout", by: "signal", lastState: null });
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("refuses an interval that would spin", async () => {
    const client = createInstanceClient({ ...INSTANCE, fetch: mockFetch() });
    await expect(waitForState(client, "authorized", { intervalMs: 0 })).rejects.toThrow(/intervalMs/);
  });
});

describe("authorizeByPhone", () => {
  it("hands over the pairing code, then waits until authorized", async () => {
    const client = createInstanceClient({
      ...INSTANCE,
      fetch: mockFetch({ getStateInstance: ["notAuthorized", "authorized"] }),
    });
    const codes: string[] = [];
    const result = await authorizeByPhone(client, 79001234567, { ...FAST, onCode: (code) => codes.push(code) });
    expect(result).toEqual({ data: { stateInstance: "authorized" } });
    expect(codes).toEqual([(examples.getAuthorizationCode.authorizationCode.value as { code: string }).code]);
  });

  it("a phone number that breaks the contract is refused before anything is sent", async () => {
    const client = createInstanceClient({ ...INSTANCE, fetch: () => Promise.reject(new Error("must not be called")) });
    const { error } = await authorizeByPhone(client, -1, { ...FAST, onCode: () => {} });
    expect(error).toMatchObject({ kind: "invalid-request", sent: "no" });
    expect(error!.message).toMatch(/phoneNumber/);
  });
});

describe("createInstanceClient", () => {
  it.each([
    ["no idInstance", { apiTokenInstance: INSTANCE_TOKEN }, /idInstance/],
    ["a fractional idInstance", { idInstance: 1.5, apiTokenInstance: INSTANCE_TOKEN }, /idInstance/],
    [
      "a token that is not one path segment",
      { idInstance: 1101000001, apiTokenInstance: `${INSTANCE_TOKEN}/x` },
      /apiTokenInstance must be one URL path segment/,
    ],
    [
      "an apiUrl with a password",
      { idInstance: 1101000001, apiTokenInstance: INSTANCE_TOKEN, apiUrl: "https://u:p@example.invalid" },
      /apiUrl must not hold/,
    ],
  ])("refuses %s at once, naming the rule and never the value", (_, options, rule) => {
    expect(() => createInstanceClient(options as never)).toThrow(rule);
    try {
      createInstanceClient(options as never);
    } catch (error) {
      expectNoToken(error, INSTANCE_TOKEN);
    }
  });

  it("sends the instance's token as exactly one path segment, to GREEN-API's path for the method", async () => {
    const server = await loopback(answer(200, { stateInstance: "authorized" }));
    try {
      const token = "FAKE:instance=token,with$punctuation";
      await createInstanceClient({
        idInstance: 1101000001,
        apiTokenInstance: token,
        apiUrl: server.url,
      }).getStateInstance();
      const path = server.requests[0]!.url;
      expect(decodeURIComponent(path.split("/").pop()!)).toBe(token);
      expect(path.split("/")).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it("partner.instance refuses a listed instance without a token, and masks the partner token too", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, fetch: mockFetch() });
    expect(() => partner.instance({ idInstance: 1101000001 })).toThrow(/carries no apiTokenInstance/);
    const client = partner.instance({ idInstance: 1101000001, apiTokenInstance: INSTANCE_TOKEN });
    const { error } = await client.getStateInstance({ signal: AbortSignal.abort(new Error(`stop ${TOKEN}`)) });
    expect(error).toMatchObject({ kind: "timeout", sent: "no" });
    expectNoToken(error);
  });
});

describe("receiveNotifications (receiving by polling)", () => {
  /** A loopback instance queue: receiveNotification hands out the head, deleteNotification removes it by receiptId. */
  async function queue(bodies: unknown[], { failFirst = false } = {}) {
    const items = bodies.map((body, i) => ({ receiptId: i + 1, body }));
    const deleted: number[] = [];
    let failed = false;
    const server = await loopback((req, res) => {
      const receipt = /deleteNotification\/[^/]+\/(\d+)/.exec(req.url ?? "");
      if (receipt) {
        const at = items.findIndex((item) => item.receiptId === Number(receipt[1]));
        if (at >= 0) items.splice(at, 1);
        deleted.push(Number(receipt[1]));
        return answer(200, { result: at >= 0 })(req, res, "");
      }
      if (failFirst && !failed) return ((failed = true), answer(502, "Bad Gateway")(req, res, ""));
      answer(200, items[0] ?? null)(req, res, "");
    });
    return { server, deleted, items };
  }
  const notifications = Object.values(notificationExamples).slice(0, 3);

  it("deletes a notification only after the loop body that handled it finished; a body that throws leaves it queued", async () => {
    const { server, deleted, items } = await queue(notifications, { failFirst: true });
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url, retry: false });
      const controller = new AbortController();
      const handled: unknown[] = [];
      await expect(
        (async () => {
          for await (const { body } of receiveNotifications(client, {
            receiveTimeout: 5,
            retryDelayMs: 1000,
            signal: controller.signal,
          })) {
            handled.push(body);
            throw new Error("the handler failed");
          }
        })(),
      ).rejects.toThrow("the handler failed");
      expect(deleted).toEqual([]);
      expect(items).toHaveLength(notifications.length);
      for await (const { body } of receiveNotifications(client, { receiveTimeout: 5, signal: controller.signal })) {
        handled.push(body);
        if (handled.length === notifications.length + 1) controller.abort();
      }
      expect(handled).toEqual([notifications[0], ...notifications]);
      expect(deleted).toEqual([1, 2]); // the last one was being handled when the signal stopped the loop
    } finally {
      await server.close();
    }
  });

  it("throws a wrong token's error, secrets masked", async () => {
    const server = await loopback(answer(401, { code: 401, description: `Unauthorized ${INSTANCE_TOKEN}` }));
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      const thrown = await (async () => {
        for await (const _ of receiveNotifications(client)) return undefined;
      })().catch((error: unknown) => error);
      expect(thrown).toMatchObject({ kind: "api", status: 401 });
      expectNoToken(thrown, INSTANCE_TOKEN);
    } finally {
      await server.close();
    }
  });
});

describe("polling never runs faster than asked (what a review found)", () => {
  it("waitForState makes no retries inside a poll: a 503 with Retry-After 0 is polled at intervalMs", async () => {
    const server = await loopback(answer(503, "busy", { "Retry-After": "0" }));
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url, retry: { attempts: 5, delayMs: 1 } });
      holdClock(); // a retry inside a poll (Retry-After 0) would be run out too, and counted
      await drive(() => waitForState(client, "notAuthorized", { intervalMs: 400, timeoutMs: 1000 }), { pauseMs: 400 });
      expect(server.requests.length).toBeLessThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  it("receiveNotifications asks an empty queue that answers at once at most once a second", async () => {
    const server = await loopback(answer(200, null));
    try {
      const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url });
      holdClock(); // the loop's pauses are run out as it sets them; the signal ends it at 2.5 s of that time
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 2500);
      const { signal } = controller;
      await drive(
        async () => {
          for await (const _ of receiveNotifications(client, { receiveTimeout: 5, signal })) break;
        },
        { pauseMs: 1000 },
      );
      expect(server.requests.length).toBeLessThanOrEqual(3);
      await expect(receiveNotifications(client, { retryDelayMs: 0 }).next()).rejects.toThrow(/retryDelayMs/);
    } finally {
      await server.close();
    }
  });
});

describe("partner.instance, as a new partner met it", () => {
  it("stays on the partner client's host (a mock's) unless told otherwise, and shares its middleware", async () => {
    const mockUrl = inject("mockUrl");
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: mockUrl });
    const client = partner.instance(created);
    expect(client.apiUrl).toBe(mockUrl);
    useExample(partner, "getStateInstance", ["creating", "notAuthorized"]);
    expect(await waitForState(client, "notAuthorized", { intervalMs: 100, timeoutMs: 5000 })).toEqual({
      data: { stateInstance: "notAuthorized" },
    });
    expect(partner.instance(created, { apiUrl: "https://1101.api.green-api.com" }).apiUrl).toBe(
      "https://1101.api.green-api.com",
    );
  });
});
