// The whole partner API through the client, beyond the fault matrix: retries only where the spec
// allows them, bounded and honest about their count; deletion's 404 inside HTTP 200; and the
// recovery after an ambiguous create, without ever sending createInstance twice.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPartnerClient } from "../src/index.js";
import { callOperation, pathOf } from "./helpers/call.js";
import { drive, holdClock } from "./helpers/clock.js";
import { answer, loopback } from "./helpers/server.js";
import { byId, namedExamples, operations } from "./helpers/spec.js";
import { INSTANCE_TOKEN, TOKEN } from "./helpers/token.js";

const getInstances = byId("getInstances");
const deleteOp = byId("deleteInstanceAccount");
const createOp = byId("createInstance");
const listed = getInstances.successes[0]!.value as Array<Record<string, unknown>>;

/** A server that fails `failures` times with `status` and then answers `body`. */
async function flaky(failures: number, status: number, body: unknown, headers: Record<string, string> = {}) {
  let seen = 0;
  return loopback((req, res, text) =>
    (++seen <= failures ? answer(status, "busy", headers) : answer(200, body))(req, res, text),
  );
}

afterEach(() => void vi.useRealTimers());

describe("retries, only where the spec says a method is safe to retry", () => {
  it.each(operations.map((op) => [op.operationId, op.retrySafe, op] as const))(
    "%s (x-retry-safe: %s) after two 503s",
    async (_, retrySafe, op) => {
      const server = await flaky(2, 503, op.successes[0]!.value);
      try {
        const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: { delayMs: 1 } });
        const result = await callOperation(partner, op);
        if (retrySafe) {
          expect(result).toEqual({ data: op.successes[0]!.value });
          expect(server.requests).toHaveLength(3);
        } else {
          expect(result.error).toMatchObject({ kind: "http", status: 503, attempts: 1 });
          expect(server.requests).toHaveLength(1);
        }
      } finally {
        await server.close();
      }
    },
  );

  it("gives up after the attempts allowed, and says how many were made", async () => {
    const server = await flaky(10, 502, listed);
    try {
      const partner = createPartnerClient({
        partnerToken: TOKEN,
        baseUrl: server.url,
        retry: { attempts: 4, delayMs: 1 },
      });
      const result = await partner.getInstances();
      expect(result.error).toMatchObject({ kind: "http", status: 502, attempts: 4, sent: "yes" });
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it("honours Retry-After, parsed from seconds", async () => {
    const server = await flaky(1, 429, listed, { "Retry-After": "1" });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: { delayMs: 1 } });
      holdClock(); // the second's wait is run out when the client sets it, not waited
      const started = performance.now();
      expect(await drive(() => partner.getInstances(), { pauseMs: 1000 })).toEqual({ data: listed });
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    } finally {
      await server.close();
    }
  });

  it("can be turned off for the client or for one call", async () => {
    for (const [client, call] of [
      [false, undefined],
      [undefined, false],
    ] as const) {
      const server = await flaky(1, 500, listed);
      try {
        const partner = createPartnerClient({
          partnerToken: TOKEN,
          baseUrl: server.url,
          ...(client === false ? { retry: false } : {}),
        });
        const result = await partner.getInstances(call === false ? { retry: false } : {});
        expect(result.error).toMatchObject({ kind: "http", attempts: 1 });
        expect(server.requests).toHaveLength(1);
      } finally {
        await server.close();
      }
    }
  });

  it("never waits past the call's timeout", async () => {
    const server = await flaky(10, 500, listed);
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: { delayMs: 5_000 } });
      // Held, the 300 ms deadline never races the server's answer; a wait past it would hang the test.
      holdClock();
      const started = performance.now();
      const result = await partner.getInstances({ timeoutMs: 300 });
      expect(result.error).toMatchObject({ kind: "http", attempts: 1 });
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await server.close();
    }
  });
});

describe("deleteInstanceAccount", () => {
  const notFound = namedExamples().find((e) => e.name === "notFoundInside200")!.value as {
    code: number;
    description: string;
  };

  it("reports a second delete's 404 inside HTTP 200 as an api error, never as a deletion", async () => {
    const deleted = new Set<number>();
    const server = await loopback((req, res, body) => {
      const { idInstance } = JSON.parse(body);
      answer(200, deleted.has(idInstance) ? notFound : { deleteInstanceAccount: true })(req, res, body);
      deleted.add(idInstance);
    });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url });
      expect(await partner.deleteInstanceAccount(deleteOp.request as { idInstance: number })).toEqual({
        data: { deleteInstanceAccount: true },
      });
      const again = await partner.deleteInstanceAccount(deleteOp.request as { idInstance: number });
      expect(again.error).toMatchObject({ kind: "api", code: notFound.code, status: 200, attempts: 1 });
    } finally {
      await server.close();
    }
  });

  it("reports a deletion answered false as an unexpected answer, not as data", async () => {
    const server = await loopback(answer(200, { deleteInstanceAccount: false }));
    try {
      const result = await createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url }).deleteInstanceAccount({
        idInstance: 1,
      });
      expect(result.error).toMatchObject({ kind: "unexpected-response" });
    } finally {
      await server.close();
    }
  });

  it.each([
    ["no idInstance", {}, "idInstance", "required"],
    ["idInstance 0", { idInstance: 0 }, "idInstance", "minimum"],
    ["idInstance as a string", { idInstance: "1101000001" }, "idInstance", "type"],
    ["another field", { idInstance: 1, name: "x" }, "name", "additionalProperties"],
  ])("refuses %s before sending anything", async (_, body, field, rule) => {
    const server = await loopback(answer(200, { deleteInstanceAccount: true }));
    try {
      const result = await createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url }).deleteInstanceAccount(
        body as never,
      );
      expect(result.error).toMatchObject({ kind: "invalid-request", sent: "no" });
      expect(result.error?.kind === "invalid-request" && result.error.violations).toContainEqual(
        expect.objectContaining({ field, rule }),
      );
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe("recovery after an ambiguous create", () => {
  /** GREEN-API's zone-less time format, as a wall clock three hours ahead of UTC. */
  const greenApiTime = (ms: number) => new Date(ms + 3 * 3600_000).toISOString().slice(0, 19);

  it("finds the instance a call created, though the connection dropped, without sending createInstance twice", async () => {
    const name = `shop 42 ${crypto.randomUUID()}`;
    const instances: Array<Record<string, unknown>> = [
      // The same name, used two days ago: not this call's.
      { ...listed[0], idInstance: 1101000100, name, timeCreated: greenApiTime(Date.now() - 2 * 86_400_000) },
      { ...listed[0], idInstance: 1101000200, name: "another", timeCreated: greenApiTime(Date.now()) },
    ];
    const server = await loopback((req, res, body) => {
      if (req.url === pathOf(createOp, TOKEN)) {
        // The instance is created, and then the connection drops before the answer.
        instances.push({
          ...listed[0],
          idInstance: 1101000300,
          apiTokenInstance: INSTANCE_TOKEN,
          name: JSON.parse(body).name,
          timeCreated: greenApiTime(Date.now()),
        });
        return req.socket.destroy();
      }
      answer(200, instances)(req, res, body);
    });
    try {
      const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url });
      const since = new Date();
      const created = await partner.createInstance({ name, stateWebhook: "yes" });
      expect(created.error).toMatchObject({ kind: "network", sent: "maybe" });
      const found = await partner.findCreatedInstances({ name, since });
      expect(found.data?.map((i) => i.idInstance)).toEqual([1101000300]);
      expect(server.requests.filter((r) => r.url === pathOf(createOp, TOKEN))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("passes a listing failure on as the error", async () => {
    const server = await loopback(answer(200, { code: 401, description: "Unauthorized" }));
    try {
      const found = await createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url }).findCreatedInstances({
        name: "x",
        since: new Date(),
      });
      expect(found.error).toMatchObject({ kind: "api", code: 401, operationId: getInstances.operationId });
    } finally {
      await server.close();
    }
  });
});
