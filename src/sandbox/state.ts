/// <reference types="node" />
// The sandbox's state and behaviour, with no HTTP: instances, their settings and states on the
// sandbox's clock, their notification queues, and the verbs of a phone and a contact. The HTTP
// face (http.ts) and startSandbox (index.ts) sit on top.
import { randomBytes } from "node:crypto";
import { validateIdInstance } from "../../generated/validators.js";
import type { Clock, Timer } from "./clock.js";
import {
  type DeliveryAttempt,
  type DeliveryDurations,
  type DeliveryRecord,
  NotificationQueue,
  type Post,
  post,
} from "./deliveries.js";
import {
  type WebhookType,
  checkNotification,
  extraSettingDefaults,
  knownStates,
  settingDefaults,
  turnedOn,
} from "./facts.js";

/** How long the sandbox's own transitions take, in ms of sandbox time, and GREEN-API's delivery timings. */
export interface SandboxDurations extends DeliveryDurations {
  /** A new instance answers `null` (being created) this long, then `starting`. */
  creatingMs: number;
  /** `starting` lasts this long (after creation, reboot, setSettings), then `notAuthorized` or `authorized`. */
  startingMs: number;
  /** qr answers a new code this often (WhatsApp: every 20 s). */
  qrRefreshMs: number;
  /** How long a send waits in the outgoing queue at most (GREEN-API: a day, as long as it keeps a notification). */
  queueKeptForMs: number;
}

/** One instance as the sandbox holds it. */
export interface SandboxInstance {
  idInstance: number;
  apiTokenInstance: string;
  name: string;
  typeInstance: string;
  /** Sandbox times, in ms since the epoch. */
  timeCreated: number;
  timeDeleted: number | undefined;
  settings: Record<string, unknown>;
  /** `null` while being created, then a state of InstanceStateKnown. */
  state: string | null;
  /** The linked phone's account (`79001234567@c.us`), `""` while none is linked. */
  wid: string;
  /** The phone number a pairing code was asked for, if any. */
  pairingPhone: number | undefined;
  queue: NotificationQueue;
  timer: Timer | undefined;
}

/** A control call that cannot be done: names what is wrong (an unknown instance, a deleted one, a state). */
export class SandboxControlError extends Error {
  override name = "SandboxControlError";
}

/** Zone-less `YYYY-MM-DDTHH:MM:SS`, as GREEN-API writes times (here in UTC). */
export const greenApiTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);
/** A live instance's `timeDeleted` in getInstances. */
const NOT_DELETED = "0001-01-01T00:00:00";
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export class SandboxState {
  readonly instances = new Map<number, SandboxInstance>();
  readonly records: DeliveryRecord[] = [];
  private nextId = 1101000001;
  private nextReceipt = 1;
  stopped = false;
  send: Post = post;
  /** Run after every change of state (sending drains its queue once authorized). */
  readonly afterMove: Array<(instance: SandboxInstance) => void> = [];
  /** Run for every message a contact writes (sending keeps it in the journal). */
  readonly afterIncoming: Array<(instance: SandboxInstance, idMessage: string, chatId: string, text: string) => void> =
    [];
  /** The sandbox's base URL (for URLs it makes, such as an uploaded file's). */
  baseUrl = "";
  /** Uploaded files by their path under the base URL (`/_sandbox/files/...`). */
  readonly files = new Map<string, Blob>();
  /** Hears every delivery attempt once answered (the command line prints them). */
  onAttempt: (record: DeliveryRecord, attempt: DeliveryAttempt) => void = () => {};

  constructor(
    readonly clock: Clock,
    readonly durations: SandboxDurations,
    readonly typeInstance: string,
  ) {}

  /** createInstance: a new id and token, the settings given and every other one off; `null` until created. */
  create(body: Record<string, unknown>): SandboxInstance {
    const { name = "", ...given } = body;
    const instance: SandboxInstance = {
      idInstance: this.nextId++,
      apiTokenInstance: hex(25),
      name: String(name),
      typeInstance: this.typeInstance,
      timeCreated: this.clock.now(),
      timeDeleted: undefined,
      settings: { ...settingDefaults, ...extraSettingDefaults, ...given },
      state: null,
      wid: "",
      pairingPhone: undefined,
      queue: undefined as unknown as NotificationQueue,
      timer: undefined,
    };
    instance.queue = new NotificationQueue(
      instance,
      this.clock,
      () => this.durations,
      () => this.send,
      () => this.stopped,
      (record, attempt) => this.onAttempt(record, attempt),
    );
    this.instances.set(instance.idInstance, instance);
    // Creation is not reported: the contract says no notification tells of it (poll the state).
    this.after(instance, this.durations.creatingMs, () => {
      instance.state = "starting";
      this.after(instance, this.durations.startingMs, () => (instance.state = "notAuthorized"));
    });
    return instance;
  }

  /** Runs `fn` after `ms` of sandbox time, replacing the instance's pending transition. */
  private after(instance: SandboxInstance, ms: number, fn: () => void) {
    instance.timer?.cancel();
    instance.timer = this.clock.at(this.clock.now() + ms, () => {
      instance.timer = undefined;
      if (instance.timeDeleted === undefined) fn();
    });
  }

  /** A live or deleted instance, or undefined. */
  find(idInstance: number): SandboxInstance | undefined {
    return this.instances.get(idInstance);
  }

  /** A live instance for a control call, or a SandboxControlError naming why not. */
  live(idInstance: unknown): SandboxInstance {
    if (typeof idInstance !== "number" || !validateIdInstance(idInstance))
      throw new SandboxControlError(
        `idInstance must be a whole number (an id createInstance gave), not ${JSON.stringify(idInstance)}`,
      );
    const instance = this.instances.get(idInstance);
    if (!instance) throw new SandboxControlError(`the sandbox has no instance ${idInstance}`);
    if (instance.timeDeleted !== undefined) throw new SandboxControlError(`instance ${idInstance} is deleted`);
    return instance;
  }

  /** deleteInstanceAccount: false for an unknown or deleted instance. Notifications made before stay queued. */
  delete(idInstance: number): boolean {
    const instance = this.instances.get(idInstance);
    if (!instance || instance.timeDeleted !== undefined) return false;
    instance.timeDeleted = this.clock.now();
    instance.timer?.cancel();
    return true;
  }

  /** getInstances' item for an instance, deleted ones included. */
  listed(instance: SandboxInstance) {
    return {
      idInstance: instance.idInstance,
      name: instance.name,
      typeInstance: instance.typeInstance,
      typeAccount: "",
      partnerUserUiid: "",
      timeCreated: greenApiTime(instance.timeCreated),
      timeDeleted: instance.timeDeleted === undefined ? NOT_DELETED : greenApiTime(instance.timeDeleted),
      apiTokenInstance: instance.apiTokenInstance,
      deleted: instance.timeDeleted !== undefined,
      isExpired: false,
    };
  }

  /** Moves to a state, with a stateInstanceChanged when it changed and `stateWebhook` is on. */
  moveTo(instance: SandboxInstance, state: string) {
    if (instance.state === state) return;
    instance.state = state;
    this.notify(instance, "stateInstanceChanged", { stateInstance: state });
    for (const hook of this.afterMove) hook(instance);
  }

  /** reboot and setSettings: `starting`, then back to `authorized` (a phone is linked) or `notAuthorized`. */
  restart(instance: SandboxInstance) {
    if (instance.state === null) return; // still being created: it starts anyway
    this.moveTo(instance, "starting");
    this.after(instance, this.durations.startingMs, () =>
      this.moveTo(instance, instance.wid ? "authorized" : "notAuthorized"),
    );
  }

  /** The phone scanned the QR code or entered the pairing code: `authorized`, with the phone's account as `wid`. */
  link(instance: SandboxInstance, phone?: number) {
    if (instance.state !== "notAuthorized")
      throw new SandboxControlError(
        `instance ${instance.idInstance} is ${instance.state === null ? "still being created" : instance.state}: a phone links only while it is notAuthorized (wait until it is, or log out first)`,
      );
    if (phone !== undefined && !(Number.isSafeInteger(phone) && phone > 0))
      throw new SandboxControlError(
        `phone must be the phone's number, digits only, as a number (79001234567), not ${JSON.stringify(phone)}`,
      );
    const number = phone ?? instance.pairingPhone ?? 79001234567;
    // WhatsApp writes an account as `<number>@c.us`; MAX and Telegram as the bare number.
    instance.wid = instance.typeInstance === "whatsapp" ? `${number}@c.us` : String(number);
    this.moveTo(instance, "authorized");
  }

  /** logout: the phone is unlinked; false when none was. */
  logout(instance: SandboxInstance): boolean {
    if (!instance.wid) return false;
    instance.wid = "";
    this.moveTo(instance, "notAuthorized");
    return true;
  }

  /** setState: a state GREEN-API moves an instance to on its own (blocked, sleepMode, yellowCard...). */
  setState(instance: SandboxInstance, state: unknown) {
    if (typeof state !== "string" || !knownStates.includes(state))
      throw new SandboxControlError(
        `${JSON.stringify(state)} is not a state of the contract (one of ${knownStates.join(", ")})`,
      );
    if (state === "authorized" && !instance.wid)
      throw new SandboxControlError(
        `instance ${instance.idInstance} has no linked phone: use linkPhone to authorize it`,
      );
    instance.timer?.cancel();
    this.moveTo(instance, state);
  }

  /** The notification's common fields. */
  instanceData(instance: SandboxInstance) {
    return { idInstance: instance.idInstance, wid: instance.wid, typeInstance: instance.typeInstance };
  }

  /**
   * Makes a notification of `type` if the instance's settings turn it on (`always` for what
   * cannot be turned off), checks it against the contract (a drift throws), and queues it.
   */
  notify(instance: SandboxInstance, type: WebhookType, fields: Record<string, unknown>, always = false) {
    if (!always && !turnedOn(type, instance.settings)) return;
    const notification = {
      typeWebhook: type,
      instanceData: this.instanceData(instance),
      timestamp: Math.floor(this.clock.now() / 1000),
      ...fields,
    };
    checkNotification(notification);
    const record: DeliveryRecord = {
      idInstance: instance.idInstance,
      receiptId: this.nextReceipt++,
      typeWebhook: type,
      notification,
      madeAt: this.clock.now(),
      outcome: "pending",
      attempts: [],
      attemptCount: 0,
    };
    this.records.push(record);
    instance.queue.push(record);
  }

  /** A contact writes to the linked phone: an incoming message (and its notification, if `incomingWebhook`). */
  contactWrites(instance: SandboxInstance, message: { chatId?: unknown; text?: unknown; senderName?: unknown }) {
    if (instance.state !== "authorized")
      throw new SandboxControlError(
        `instance ${instance.idInstance} is ${instance.state ?? "still being created"}: only a linked (authorized) phone receives messages`,
      );
    const { chatId, text, senderName = "" } = message ?? {};
    if (typeof chatId !== "string" || chatId === "")
      throw new SandboxControlError("chatId must be the contact's chat id, such as 79007654321@c.us");
    if (typeof text !== "string") throw new SandboxControlError("text must be the message's text, a string");
    const idMessage = hex(16).toUpperCase();
    this.notify(instance, "incomingMessageReceived", {
      idMessage,
      senderData: { chatId, chatName: String(senderName), sender: chatId, senderName: String(senderName) },
      messageData: { typeMessage: "textMessage", textMessageData: { textMessage: text } },
    });
    for (const hook of this.afterIncoming) hook(instance, idMessage, chatId, text);
    return { idMessage };
  }

  /**
   * Forgets every instance and notification (the server, the clock and the partner tokens stay),
   * aborting the deliveries in flight; resolves once they ended.
   */
  reset(): Promise<void> {
    const ending: Array<Promise<void>> = [];
    for (const instance of this.instances.values()) {
      instance.timer?.cancel();
      ending.push(instance.queue.close());
    }
    this.instances.clear();
    this.records.length = 0;
    this.files.clear();
    return Promise.all(ending).then(() => {});
  }
}
