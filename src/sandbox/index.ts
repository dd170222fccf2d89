/// <reference types="node" />
// startSandbox: a stateful GREEN-API on 127.0.0.1 for a partner's integration tests. Instances
// are created, listed, linked, messaged and deleted; their states move on the sandbox's clock;
// the notifications their settings turn on are POSTed to their webhookUrl, resent as GREEN-API
// does. Public through `green-api-partner/testing`.
import { randomBytes } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { outgoingQueue, partnerTokenRule } from "../../generated/operations.js";
import { validatePartnerToken } from "../../generated/validators.js";
import { webhookDelivery } from "../../generated/webhooks.js";
import { type Clock, createClock } from "./clock.js";
import type { DeliveryRecord } from "./deliveries.js";
import { knownTypeInstances } from "./facts.js";
import { listener } from "./http.js";
import { wholeMs } from "../timing.js";
import { masker } from "../errors.js";
import { serveFrom } from "./methods.js";
import { Sending } from "./sending.js";
import { controlFrom } from "./control.js";
import { SandboxControlError, type SandboxDurations, SandboxState, greenApiTime } from "./state.js";

export { SandboxControlError, type SandboxDurations, type DeliveryRecord };
export { ContractDriftError } from "./facts.js";
import type { DeliveryAttempt } from "./deliveries.js";
export type { DeliveryAttempt };

/** The sandbox's own durations on the manual clock: a new instance is ready to link after 2 minutes of sandbox time. */
export const defaultDurations: SandboxDurations = {
  creatingMs: 60_000,
  startingMs: 60_000,
  qrRefreshMs: 20_000,
  ...webhookDelivery,
  queueKeptForMs: outgoingQueue.keptForMs,
};

/** Any of the durations, in ms; an absent or `undefined` one keeps its default. */
export type SandboxDurationOptions = { [K in keyof SandboxDurations]?: number | undefined };

export interface SandboxOptions {
  /** The partner token(s) the sandbox accepts; default: one made up (`sandbox.partnerToken`). */
  partnerToken?: string | readonly string[] | undefined;
  /** The port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number | undefined;
  /** `"manual"` (nothing moves until `advance(ms)`) or `"real"` (the default: the wall clock). */
  clock?: "manual" | "real" | undefined;
  /** The manual clock's start, in ms since the epoch (default: now, whole seconds). */
  startTime?: number | undefined;
  /** Any of the durations, in ms (see `defaultDurations`; the delivery ones are GREEN-API's, from the spec). */
  durations?: SandboxDurationOptions | undefined;
  /** The messenger of the instances it creates (`whatsapp` by default; `v3` is MAX, `telegram`). */
  typeInstance?: string | undefined;
  /** Hears every delivery attempt once it was answered (or failed): for a log. */
  onDelivery?: ((record: DeliveryRecord, attempt: DeliveryAttempt) => void) | undefined;
}

/** An instance as `instances()` shows it, tokens included (its own fake apiTokenInstance, and the webhookUrlToken it was given; the CLI prints both as `***`). */
export interface SandboxInstanceView {
  idInstance: number;
  apiTokenInstance: string;
  name: string;
  typeInstance: string;
  state: string | null;
  wid: string;
  deleted: boolean;
  timeCreated: string;
  settings: Record<string, unknown>;
  /** Notifications waiting in its queue. */
  queued: number;
  /** receiveNotification calls held open, waiting for a notification (or their receiveTimeout). */
  receiving: number;
}

export interface Sandbox {
  /** The base URL: the partner client's `baseUrl`, and the instances' `apiUrl` (and `mediaUrl`). */
  url: string;
  /** The first partner token it accepts. */
  partnerToken: string;
  /** The QR code was scanned (or the pairing code entered): the instance, `notAuthorized`, becomes `authorized`. */
  linkPhone(idInstance: number, options?: { phone?: number | undefined }): void;
  /** A contact writes to the linked phone; resolves with the message's id. */
  contactWrites(
    idInstance: number,
    message: { chatId: string; text: string; senderName?: string | undefined },
  ): { idMessage: string };
  /** The contact read a message the instance sent (its status becomes `read`). */
  contactReads(idInstance: number, idMessage: string): void;
  /** The number behind `chatId` has no account on the messenger: a message sent to it gets `noAccount`. */
  contactHasNoAccount(chatId: string): void;
  /** GREEN-API moved the instance to a state of its own (`blocked`, `sleepMode`, `yellowCard`, ...). */
  setState(idInstance: number, state: string): void;
  /** Manual clock: moves time on by `ms`, runs what falls due, waits for the deliveries it starts. */
  advance(ms: number): Promise<void>;
  /** Waits until no delivery is in flight and nothing is due; rejects with a contract drift, if one happened. */
  waitForDeliveries(): Promise<void>;
  /** Every notification made, with each delivery attempt and its answer. */
  deliveries(): DeliveryRecord[];
  /** Every instance, deleted ones too. */
  instances(): SandboxInstanceView[];
  /** The sandbox's time, in ms since the epoch. */
  now(): number;
  /** An uploaded file by its path (`/_sandbox/files/...`, as in urlFile); throws if there is none. */
  file(path: string): Blob;
  /** Forgets every instance and notification, aborting the deliveries in flight; resolves once they ended. The URL, tokens and clock stay. */
  reset(): Promise<void>;
  /** Stops the server and every timer, aborting the deliveries in flight (it resolves once they ended); rejects with a contract drift no `advance`/`waitForDeliveries` reported. */
  stop(): Promise<void>;
}

function tokensOf(option: SandboxOptions["partnerToken"]): string[] {
  const tokens = option === undefined ? [`gac.sandbox-${randomBytes(12).toString("hex")}`] : [option].flat();
  if (!tokens.length) throw new TypeError("startSandbox: partnerToken must be a token or a non-empty list of tokens");
  for (const token of tokens)
    if (typeof token !== "string" || !validatePartnerToken(token))
      throw new TypeError(`startSandbox: partnerToken ${partnerTokenRule}`);
  return tokens;
}

/**
 * The least each duration may be, in ms (the most is setTimeout's, MAX_TIMER_MS). What repeats
 * or bounds a wait (resendAfterMs, qrRefreshMs, answerWithinMs) is at least 1 ms: at 0 a failed
 * delivery is due again at once, inside the same turn, so advance()/waitForDeliveries() never end
 * and the real clock spins; at 1 ms each resend waits for a timer (the real clock's setTimeout, or
 * an advance). A one-shot move (creatingMs, startingMs) or how long something is kept may be 0.
 */
export const durationMinimums: Record<keyof SandboxDurations, number> = {
  creatingMs: 0,
  startingMs: 0,
  qrRefreshMs: 1,
  answerWithinMs: 1,
  resendAfterMs: 1,
  keptForMs: 0,
  queueKeptForMs: 0,
};

function durationsOf(given: SandboxDurationOptions = {}): SandboxDurations {
  const durations = { ...defaultDurations };
  for (const [name, value] of Object.entries(given)) {
    if (!(name in defaultDurations))
      throw new TypeError(`startSandbox: durations.${name} is not a duration of the sandbox`);
    if (value === undefined) continue;
    const key = name as keyof SandboxDurations;
    durations[key] = wholeMs(value, `durations.${name}`, "startSandbox", durationMinimums[key]);
  }
  return durations;
}

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts a sandbox on 127.0.0.1 (see `SandboxOptions`); `stop()` it when done. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const tokens = tokensOf(options.partnerToken);
  const durations = durationsOf(options.durations);
  const typeInstance = options.typeInstance ?? knownTypeInstances[0]!;
  if (typeof typeInstance !== "string" || typeInstance === "")
    throw new TypeError(`startSandbox: typeInstance must be a messenger's name (${knownTypeInstances.join(", ")})`);
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port < 65536))
    throw new TypeError("startSandbox: port must be a whole number from 0 to 65535 (0: any free port)");
  if (options.clock !== undefined && options.clock !== "manual" && options.clock !== "real")
    throw new TypeError('startSandbox: clock must be "manual" or "real"');
  if (options.startTime !== undefined && !Number.isSafeInteger(options.startTime))
    throw new TypeError("startSandbox: startTime must be a whole number of milliseconds since the epoch");
  const clock: Clock = createClock(options.clock ?? "real", options.startTime);
  const state = new SandboxState(clock, durations, typeInstance);
  if (options.onDelivery) state.onAttempt = options.onDelivery;
  const sending = new Sending(state);
  const sandbox = sandboxApi(state, sending, tokens[0]!);
  const sockets = new Set<Socket>();
  // Every token the sandbox accepts or issued, and the webhookUrlTokens it was given, as they are now.
  const mask = (text: string) =>
    masker([
      ...tokens,
      ...[...state.instances.values()].flatMap((i) => [i.apiTokenInstance, String(i.settings.webhookUrlToken ?? "")]),
    ])(text);
  const server = createServer(
    listener(
      serveFrom(state, tokens, sending.methods()),
      controlFrom(sandbox),
      (error) => clock.track(Promise.reject(error)),
      mask,
    ),
  );
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  sandbox.url = state.baseUrl = await listen(server, options.port ?? 0);
  let stopped: Promise<void> | undefined;
  sandbox.stop = () =>
    (stopped ??= (async () => {
      state.stopped = true;
      await state.reset(); // aborts the deliveries in flight, and waits until they ended
      clock.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A drift nobody awaited still fails the test that stops the sandbox.
      const [unreported] = clock.failures();
      if (unreported) throw unreported;
    })());
  return sandbox;
}

/** The control verbs over the state (what a phone, a contact or GREEN-API itself does). */
function sandboxApi(state: SandboxState, sending: Sending, partnerToken: string): Sandbox {
  const { clock } = state;
  return {
    url: "",
    partnerToken,
    linkPhone: (idInstance, options = {}) => state.link(state.live(idInstance), options.phone),
    contactWrites: (idInstance, message) => state.contactWrites(state.live(idInstance), message),
    contactReads: (idInstance, idMessage) => sending.contactReads(state.live(idInstance), idMessage),
    contactHasNoAccount(chatId) {
      if (typeof chatId !== "string" || chatId === "")
        throw new SandboxControlError("chatId must be the contact's chat id, such as 79007654321@c.us");
      sending.noAccount.add(chatId);
    },
    setState: (idInstance, value) => state.setState(state.live(idInstance), value),
    async advance(ms) {
      if (clock.kind !== "manual")
        throw new SandboxControlError("advance needs clock: manual; this sandbox runs on the real clock");
      return clock.advance(ms);
    },
    waitForDeliveries: () => clock.idle(),
    deliveries() {
      for (const instance of state.instances.values()) instance.queue.expire();
      return state.records.map((record) => ({ ...record, attempts: [...record.attempts] }));
    },
    instances: () =>
      [...state.instances.values()].map((instance) => ({
        idInstance: instance.idInstance,
        apiTokenInstance: instance.apiTokenInstance,
        name: instance.name,
        typeInstance: instance.typeInstance,
        state: instance.state,
        wid: instance.wid,
        deleted: instance.timeDeleted !== undefined,
        timeCreated: greenApiTime(instance.timeCreated),
        settings: { ...instance.settings },
        queued: instance.queue.items.length,
        receiving: instance.queue.receiving,
      })),
    now: () => clock.now(),
    file(path) {
      const found = state.files.get(path);
      if (!found) throw new SandboxControlError(`the sandbox holds no uploaded file at ${path}`);
      return found;
    },
    reset() {
      sending.noAccount.clear();
      return state.reset();
    },
    stop: async () => {},
  };
}
