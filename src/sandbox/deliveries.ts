/// <reference types="node" />
// Each instance's notification queue, as GREEN-API keeps it: one FIFO per instance, POSTed one at
// a time to `webhookUrl` with `Authorization: Bearer <webhookUrlToken>`; anything but a 200 is
// sent again after the resend pause, and the later ones wait (head-of-line); each is kept for
// `keptForMs`. With `webhookUrl` "" the queue waits for receiveNotification/deleteNotification.
import http from "node:http";
import https from "node:https";
import type { Clock, Timer } from "./clock.js";

/** One attempt to deliver a notification: its HTTP status, or why there was none. */
export interface DeliveryAttempt {
  /** Sandbox time of the attempt, in ms since the epoch. */
  at: number;
  status?: number;
  error?: string;
}

/** A notification the sandbox made, and what became of it. */
export interface DeliveryRecord {
  idInstance: number;
  /** Its receipt in the instance's queue (what receiveNotification answers with). */
  receiptId: number;
  typeWebhook: string;
  notification: Record<string, unknown>;
  /** Sandbox time it was made, in ms. */
  madeAt: number;
  /**
   * `pending` (in the queue), `delivered` (a 200 came back), `received` (deleted by
   * deleteNotification after polling), `expired` (not delivered within `keptForMs`).
   */
  outcome: "pending" | "delivered" | "received" | "expired";
  /** The last POSTs to `webhookUrl` (at most ATTEMPTS_KEPT), in order. */
  attempts: DeliveryAttempt[];
  /** How many POSTs were made, including those `attempts` no longer keeps. */
  attemptCount: number;
}

/** The attempts a record keeps: the last 100, so a receiver down for a day costs bounded memory. */
export const ATTEMPTS_KEPT = 100;

/** What the queue needs of its instance. */
export interface QueueOwner {
  idInstance: number;
  settings: Record<string, unknown>;
}

export interface DeliveryDurations {
  answerWithinMs: number;
  resendAfterMs: number;
  keptForMs: number;
}

/** POSTs a notification; resolves with the HTTP status. Replaceable for the bench. */
export type Post = (url: string, body: string, token: string, signal: AbortSignal) => Promise<number>;

/** Keep-alive agents: an instance's notifications go one after another to the same receiver. */
const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

/**
 * The sandbox's own webhook POSTs in flight, by their socket's local port: the port they go to.
 * The listener refuses a request that comes from one (a webhookUrl that points at the sandbox).
 */
export const deliveringTo = new Map<number, number>();

/**
 * POSTs with node:http(s) rather than fetch: a third of the CPU per delivery, which counts at
 * thousands of notifications a second. No redirect is followed (anything but 200 is resent).
 */
export const post: Post = (url, body, token, signal) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
    if (!client) return reject(Object.assign(new Error("webhookUrl is not http(s)"), { name: "InvalidUrl" }));
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
    };
    // "" means no token (createInstance's description): no header then.
    if (token !== "") headers.Authorization = `Bearer ${token}`;
    const request = client.request(
      target,
      { method: "POST", headers, signal, agent: agents[target.protocol as "http:" | "https:"] },
      (answer) => {
        answer.resume();
        answer.on("end", () => resolve(answer.statusCode ?? 0));
        answer.on("error", reject);
      },
    );
    request.on("error", reject);
    request.on("socket", (socket) => {
      const mark = () => {
        const { localPort, remotePort } = socket;
        if (localPort === undefined || remotePort === undefined) return;
        deliveringTo.set(localPort, remotePort);
        request.once("close", () => deliveringTo.delete(localPort));
      };
      if (socket.connecting) socket.once("connect", mark);
      else mark();
    });
    request.end(body);
  });

/** Why an attempt failed, in a few words (never the URL's secrets: only the error's code or name). */
function reasonOf(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { name?: string } };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") return "no answer in time";
  if (e?.name === "AbortError") return "cancelled: the sandbox stopped or was reset";
  return e?.code ?? e?.name ?? "error";
}

export class NotificationQueue {
  readonly items: DeliveryRecord[] = [];
  private delivering = false;
  private wake: Timer | undefined;
  private nextAt = 0;
  private waiters = new Set<(record: DeliveryRecord | null) => void>();
  private closed = false;
  /** The delivery in flight: its end, and what aborts it (close). */
  private inFlight: { done: Promise<void>; abort: AbortController } | undefined;

  constructor(
    private readonly owner: QueueOwner,
    private readonly clock: Clock,
    private readonly durations: () => DeliveryDurations,
    private readonly send: () => Post,
    private readonly stopped: () => boolean,
    private readonly onAttempt: (record: DeliveryRecord, attempt: DeliveryAttempt) => void = () => {},
  ) {}

  /** Adds a notification at the tail and starts delivering it (or hands it to a waiting receiveNotification). */
  push(record: DeliveryRecord) {
    this.items.push(record);
    for (const waiter of this.waiters) waiter(record);
    this.waiters.clear();
    this.pump();
  }

  /** Drops what has been kept past `keptForMs`. */
  expire() {
    const now = this.clock.now();
    while (this.items.length && now - this.items[0]!.madeAt >= this.durations().keptForMs)
      this.items.shift()!.outcome = "expired";
  }

  /** Delivers the head if it is due and none is in flight; otherwise sleeps until it is. */
  pump(): void {
    if (this.delivering || this.closed || this.stopped()) return;
    this.expire();
    const url = String(this.owner.settings.webhookUrl ?? "");
    const head = this.items[0];
    if (!head || url === "") return;
    const now = this.clock.now();
    if (this.nextAt > now) {
      if (!this.wake || this.wake.at !== this.nextAt) {
        this.wake?.cancel();
        this.wake = this.clock.at(this.nextAt, () => this.pump());
      }
      return;
    }
    this.delivering = true;
    const abort = new AbortController();
    const done = this.attempt(head, url, abort.signal);
    this.inFlight = { done, abort };
    this.clock.track(done);
  }

  private async attempt(head: DeliveryRecord, url: string, stop: AbortSignal) {
    const attempt: DeliveryAttempt = { at: this.clock.now() };
    head.attempts.push(attempt);
    if (head.attempts.length > ATTEMPTS_KEPT) head.attempts.shift();
    head.attemptCount++;
    try {
      attempt.status = await this.send()(
        url,
        JSON.stringify(head.notification),
        String(this.owner.settings.webhookUrlToken ?? ""),
        AbortSignal.any([stop, AbortSignal.timeout(this.durations().answerWithinMs)]),
      );
    } catch (error) {
      attempt.error = reasonOf(error);
    }
    this.delivering = false;
    this.inFlight = undefined;
    if (this.closed) return; // stopped or reset: nothing more happens
    try {
      this.onAttempt(head, attempt);
    } catch (error) {
      this.clock.track(Promise.reject(error)); // the caller's onDelivery threw: reported, the queue goes on
    }
    if (attempt.status === 200) {
      if (this.items[0] === head) this.items.shift();
      head.outcome = "delivered";
      this.nextAt = 0;
    } else {
      this.nextAt = this.clock.now() + this.durations().resendAfterMs;
    }
    this.pump();
  }

  /** receiveNotification: the head (it stays until deleted), or, within `waitMs` of sandbox time, the next one; else null. */
  receive(waitMs: number): Promise<DeliveryRecord | null> {
    this.expire();
    if (String(this.owner.settings.webhookUrl ?? "") !== "") return Promise.resolve(null);
    if (this.items[0]) return Promise.resolve(this.items[0]);
    return new Promise((resolve) => {
      const timer = this.clock.at(this.clock.now() + waitMs, () => {
        this.waiters.delete(done);
        resolve(null);
      });
      const done = (record: DeliveryRecord | null) => {
        timer.cancel();
        resolve(record);
      };
      this.waiters.add(done);
    });
  }

  /** How many receiveNotification calls wait for a notification now. */
  get receiving(): number {
    return this.waiters.size;
  }

  /** deleteNotification: removes the notification with that receipt; false when there is none. */
  delete(receiptId: number): boolean {
    const at = this.items.findIndex((item) => item.receiptId === receiptId);
    if (at < 0) return false;
    this.items.splice(at, 1)[0]!.outcome = "received";
    return true;
  }

  /**
   * Stops the queue for good (reset, stop): ends waiting receives (null) and the pending wake-up,
   * aborts the delivery in flight; resolves once that delivery ended (its connection closed).
   */
  close(): Promise<void> {
    this.closed = true;
    this.wake?.cancel();
    for (const waiter of this.waiters) waiter(null);
    this.waiters.clear();
    this.inFlight?.abort.abort();
    return this.inFlight?.done ?? Promise.resolve();
  }
}
