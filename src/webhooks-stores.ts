// De-duplication stores: this process's memory (the default) and Redis (shared by receivers
// behind a load balancer). How long keys live comes from GREEN-API's delivery facts (spec/).
import { webhookDelivery } from "../generated/webhooks.js";
import type { DedupStore, StoreOptions } from "./webhooks-types.js";

/**
 * The default store: this process's memory, at most `maxKeys` keys (default 10 000). Past that,
 * the oldest handled or expired keys go first; a claim whose handler still runs (its lease not yet
 * out) is never forgotten, since its resend would then be dispatched a second time at once: when
 * every key is such a claim, the store holds more than `maxKeys` until they end, rather than answer
 * `busy` to notifications it has never seen. Each call costs O(1), amortised.
 */
export function memoryStore({
  ttlMs = webhookDelivery.keptForMs,
  leaseMs = webhookDelivery.answerWithinMs,
  maxKeys = 10_000,
}: StoreOptions & { maxKeys?: number | undefined } = {}): DedupStore {
  // Hand-written rather than lru-cache: an LRU would evict a claim whose handler still runs.
  // Each key maps to one number, when it ends in ms since `base`: positive once handled, negative
  // while claimed (no object per key: the keys live long, and fewer survivors are less to collect).
  // Their ages are a queue beside the Map: taking a Map's first key after many deletes costs
  // microseconds (V8 skips the deleted slots), the queue's head costs nothing.
  const base = Date.now() - 1;
  const keys = new Map<string, number>();
  let ages: string[] = [];
  let head = 0;
  const now = () => Date.now() - base;
  const forgetOldest = () => {
    const at = now();
    // Each key is looked at once at most: a running claim goes to the back, kept.
    for (let left = ages.length - head; keys.size > maxKeys && left > 0; left--) {
      const oldest = ages[head++]!;
      const until = keys.get(oldest);
      if (until === undefined) continue; // released since
      if (until > 0 || -until <= at) keys.delete(oldest);
      else ages.push(oldest);
    }
    // The queue is rebuilt when what it holds is mostly keys gone: looked at already (before
    // `head`), released or forgotten. Without this, every key ever claimed stayed in memory.
    if (ages.length > 2 * keys.size + 1024) {
      ages = ages.slice(head).filter((key) => keys.has(key));
      head = 0;
    }
  };
  return {
    claim(key) {
      const until = keys.get(key);
      const at = now();
      if (until !== undefined && Math.abs(until) > at) return until > 0 ? "done" : "busy";
      if (until === undefined) ages.push(key);
      keys.set(key, -(at + leaseMs));
      if (keys.size > maxKeys || ages.length > 2 * keys.size + 1024) forgetOldest();
      return "new";
    },
    complete(key) {
      // The claim's own key turns handled in place: its age is the claim's.
      const size = keys.size;
      keys.set(key, now() + ttlMs);
      if (keys.size > size) ages.push(key);
      if (keys.size > maxKeys) forgetOldest();
    },
    release: (key) => void keys.delete(key),
  };
}

/** Sends one Redis command: node-redis `(args) => client.sendCommand(args)`, ioredis `(args) => client.call(...args)`. */
export type RedisCommand = (args: string[]) => Promise<unknown>;

/**
 * A store in Redis (7.0 or later), shared by receivers behind a load balancer. A claim is one
 * atomic `SET key pending NX PX lease GET`: the old value tells `new` (none), `busy` (`pending`)
 * or `done`. A handled key is `SET key done PX ttl`; a failed one is deleted.
 */
export function redisStore(
  send: RedisCommand,
  {
    prefix = "green-api:webhook:",
    ttlMs = webhookDelivery.keptForMs,
    leaseMs = webhookDelivery.answerWithinMs,
  }: StoreOptions & { prefix?: string | undefined } = {},
): DedupStore {
  return {
    async claim(key) {
      const old = await send(["SET", prefix + key, "pending", "NX", "PX", String(leaseMs), "GET"]);
      if (old === null || old === undefined) return "new";
      return String(old) === "done" ? "done" : "busy";
    },
    complete: (key) => send(["SET", prefix + key, "done", "PX", String(ttlMs)]),
    release: (key) => send(["DEL", prefix + key]),
  };
}
