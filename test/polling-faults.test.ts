// Issue #22 item 4: the poll loop is never stuck behind one notification. What GREEN-API really
// queues (a notification without senderData.sender, green-api/issues#83 and #129; an empty 200
// answer, #1115; a body that is no notification at all) is handed over with its violations and
// deleted, as the webhook receiver takes it with 200; with a receiver, through its `receive`.
import { describe, expect, it } from "vitest";
import { createInstanceClient, receiveNotifications } from "../src/index.js";
import { notificationExamples } from "../src/testing.js";
import { createWebhookReceiver, type Notification, type WebhookError, type WebhookReceiver } from "../src/webhooks.js";
import { INSTANCE } from "./helpers/call.js";
import { loopback } from "./helpers/server.js";

const messages = Object.values(notificationExamples).filter(
  (n) => (n as { senderData?: { sender?: string } }).senderData?.sender !== undefined,
) as Notification[];
const withoutSender = (() => {
  const copy = structuredClone(messages[0]!) as { senderData: Record<string, unknown> };
  delete copy.senderData.sender;
  return copy as unknown as Notification;
})();

/** A loopback instance queue whose receiveNotification answers are given as raw texts, in order, then `null`; deleteNotification is recorded. */
async function queue(texts: string[]) {
  const deleted: number[] = [];
  const pending = [...texts];
  const server = await loopback((req, res) => {
    const receipt = /deleteNotification\/[^/]+\/(\d+)/.exec(req.url ?? "");
    res.writeHead(200, { "Content-Type": "application/json" });
    if (receipt) {
      deleted.push(Number(receipt[1]));
      // The head goes only when its own receipt is deleted: an item never deleted comes again.
      const head = pending[0] && /"receiptId":\s*(\d+)/.exec(pending[0]);
      if (head && Number(head[1]) === Number(receipt[1])) pending.shift();
      return res.end(JSON.stringify({ result: true }));
    }
    const head = pending[0];
    if (head === undefined) return res.end("null");
    if (!/"receiptId"/.test(head)) pending.shift(); // an answer with no receipt is given once
    res.end(head);
  });
  const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url, retry: false });
  return { server, client, deleted, pending };
}
const item = (receiptId: number, body: unknown) => JSON.stringify({ receiptId, body });

/** The first two notifications receiveNotifications hands over (polling every 5 s), then the loop stopped. */
async function firstTwo(client: Parameters<typeof receiveNotifications>[0], more: { receiver?: WebhookReceiver } = {}) {
  const signal = new AbortController();
  const seen = [];
  for await (const handed of receiveNotifications(client, {
    receiveTimeout: 5,
    retryDelayMs: 1000,
    signal: signal.signal,
    ...more,
  })) {
    seen.push(handed);
    if (seen.length === 2) signal.abort();
  }
  return seen;
}

describe("receiveNotifications is never stuck behind one notification", () => {
  it("a notification outside the spec is handed over with its violations, then deleted; the next one follows", async () => {
    const { server, client, deleted } = await queue([item(1, withoutSender), item(2, messages[1])]);
    try {
      const seen: Array<{ body: unknown; fields: string[] }> = [];
      const controller = new AbortController();
      for await (const { body, violations } of receiveNotifications(client, {
        receiveTimeout: 5,
        signal: controller.signal,
      })) {
        seen.push({ body, fields: violations.map((v) => v.field) });
        if (seen.length === 2) controller.abort();
      }
      expect(seen[0]!.body).toEqual(withoutSender);
      expect(seen[0]!.fields).toContain("senderData.sender");
      expect(seen[1]).toEqual({ body: messages[1], fields: [] });
      expect(deleted).toEqual([1]); // the second was being handled when the signal stopped the loop
    } finally {
      await server.close();
    }
  });

  it("an empty 200 answer is an empty queue: the loop goes on to the next notification", async () => {
    const { server, client } = await queue(["", item(7, messages[0])]);
    try {
      const signal = new AbortController();
      const bodies: unknown[] = [];
      for await (const { body } of receiveNotifications(client, { receiveTimeout: 5, signal: signal.signal })) {
        bodies.push(body);
        signal.abort();
      }
      expect(bodies).toEqual([messages[0]]);
    } finally {
      await server.close();
    }
  });

  it("a queued body that is no JSON object is deleted and told to onError, never handed to the loop", async () => {
    const { server, client, deleted } = await queue([item(3, "garbage"), item(4, messages[0])]);
    try {
      const errors: WebhookError[] = [];
      const signal = new AbortController();
      const bodies: unknown[] = [];
      for await (const { body } of receiveNotifications(client, {
        receiveTimeout: 5,
        signal: signal.signal,
        onError: (e) => errors.push(e),
      })) {
        bodies.push(body);
        signal.abort();
      }
      expect(bodies).toEqual([messages[0]]);
      expect(deleted).toEqual([3]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ reason: "not-json", body: "garbage" });
    } finally {
      await server.close();
    }
  });

  it("with a receiver: a queued body that is no JSON object goes to the receiver's onError, deleted, never handed to the loop", async () => {
    const { server, client, deleted } = await queue([item(3, "garbage"), item(4, messages[0])]);
    try {
      const errors: WebhookError[] = [];
      const receiver = createWebhookReceiver({ webhookUrlToken: false, onError: (e) => errors.push(e) });
      const signal = new AbortController();
      const bodies: unknown[] = [];
      for await (const { body } of receiveNotifications(client, {
        receiveTimeout: 5,
        signal: signal.signal,
        receiver,
      })) {
        bodies.push(body);
        signal.abort();
      }
      expect(bodies).toEqual([messages[0]]);
      expect(deleted).toEqual([3, 4]);
      expect(errors[0]).toMatchObject({ reason: "not-json" });
    } finally {
      await server.close();
    }
  });

  it("with a receiver: handled through receive() (handlers, de-duplication), deleted once acknowledged", async () => {
    const { server, client, deleted } = await queue([
      item(1, withoutSender),
      item(2, messages[1]),
      item(3, messages[1]), // GREEN-API's duplicate: the same notification under another receipt
    ]);
    try {
      const receiver = createWebhookReceiver({ webhookUrlToken: false });
      const handled: unknown[] = [];
      receiver.onAny((n, delivery) => void handled.push({ n, violations: delivery.violations.length > 0 }));
      const signal = new AbortController();
      const statuses: string[] = [];
      for await (const { receipt } of receiveNotifications(client, {
        receiveTimeout: 5,
        signal: signal.signal,
        receiver,
      })) {
        statuses.push(receipt!.status);
        if (statuses.length === 3) signal.abort();
      }
      expect(statuses).toEqual(["handled", "handled", "duplicate"]);
      expect(handled).toEqual([
        { n: withoutSender, violations: true },
        { n: messages[1], violations: false },
      ]);
      expect(deleted).toEqual([1, 2, 3]);
    } finally {
      await server.close();
    }
  });

  it("with a receiver whose handler fails: left in the queue, and handled when it comes again", async () => {
    const { server, client, deleted } = await queue([item(5, messages[0])]);
    try {
      const receiver = createWebhookReceiver({ webhookUrlToken: false });
      let failures = 1;
      receiver.onAny(() => {
        if (failures-- > 0) throw new Error("the database is down");
      });
      const statuses = (await firstTwo(client, { receiver })).map(({ receipt }) => receipt!.status);
      expect(statuses).toEqual(["failed", "handled"]);
      expect(deleted).toEqual([5]);
    } finally {
      await server.close();
    }
  });
});

describe("receiveNotifications waits out a failed deleteNotification (review E)", () => {
  /** A queue whose deleteNotification fails as `deletes` says, in order ("ok" deletes); receiveNotification hands out the head. */
  async function failingDeletes(texts: string[], deletes: Array<number | "cut" | "ok">) {
    const asked: number[] = [];
    const pending = [...texts];
    const server = await loopback((req, res) => {
      const receipt = /deleteNotification\/[^/]+\/(\d+)/.exec(req.url ?? "");
      if (receipt) {
        asked.push(Number(receipt[1]));
        const next = deletes.shift() ?? "ok";
        if (next === "cut") return req.socket.destroy();
        if (next !== "ok") return res.writeHead(next, { "Content-Type": "text/plain" }).end("Bad Gateway");
        pending.shift();
        return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ result: true }));
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(pending[0] ?? "null");
    });
    const client = createInstanceClient({ ...INSTANCE, apiUrl: server.url, retry: false });
    return { server, client, asked };
  }

  it("a 5xx or a lost connection on delete: the same receipt is deleted again, the notification never handed over twice", async () => {
    const { server, client, asked } = await failingDeletes([item(1, messages[0]), item(2, messages[1])], [502, "cut"]);
    try {
      expect((await firstTwo(client)).map((n) => n.receiptId)).toEqual([1, 2]);
      expect(asked).toEqual([1, 1, 1]);
    } finally {
      await server.close();
    }
  });

  it("with a receiver: an acknowledged notification's delete is retried the same way", async () => {
    const { server, client, asked } = await failingDeletes([item(3, messages[0]), item(4, messages[1])], [503]);
    try {
      const receiver = createWebhookReceiver({ webhookUrlToken: false });
      expect((await firstTwo(client, { receiver })).map((n) => n.receiptId)).toEqual([3, 4]);
      expect(asked).toEqual([3, 3, 4]);
    } finally {
      await server.close();
    }
  });

  it("a failure that cannot pass (401) is thrown, once", async () => {
    const { server, client, asked } = await failingDeletes([item(5, messages[0])], [401]);
    try {
      const loop = async () => {
        for await (const _ of receiveNotifications(client, { receiveTimeout: 5, retryDelayMs: 1000 })) void _;
      };
      await expect(loop()).rejects.toMatchObject({ status: 401 });
      expect(asked).toEqual([5]);
    } finally {
      await server.close();
    }
  });
});
