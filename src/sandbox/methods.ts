// What each GREEN-API operation does to the sandbox's state, once its request kept the contract.
// Failures are the spec's own named examples: a wrong partner token is HTTP 200 {code: 401}, a
// wrong instance token a real 401, an unknown or deleted instance 403 (unverified: GREEN-API does
// not document it), an instance still starting 400.
import type { Answer, Call, Serve } from "./http.js";
import { exampleAnswer } from "./http.js";
import { queryDefault } from "./facts.js";
import { qrPng } from "./qr.js";
import { type SandboxInstance, type SandboxState, greenApiTime } from "./state.js";

type InstanceMethod = (instance: SandboxInstance, call: Call) => Answer | Promise<Answer>;

const ok = (body: unknown): Answer => ({ status: 200, body });
/** Methods that answer 400 "instance in starting process" while the instance is being created or starts. */
const NEEDS_STARTED = new Set(["qr", "getAuthorizationCode", "logout"]);

/** A pairing code as GREEN-API shows them: 8 letters and digits. */
function pairingCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return Array.from({ length: 8 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
}

function instanceMethods(state: SandboxState): Record<string, InstanceMethod> {
  return {
    getStateInstance: (instance) => ok(instance.state === null ? null : { stateInstance: instance.state }),
    qr(instance) {
      if (instance.state === "authorized") return exampleAnswer("qr", "alreadyLogged");
      if (instance.state !== "notAuthorized") return exampleAnswer("qr", "error");
      // A new code every qrRefreshMs, as WhatsApp makes one every 20 s; it encodes nothing a phone can use.
      const round = Math.floor(state.clock.now() / state.durations.qrRefreshMs);
      const png = qrPng(`green-api-partner sandbox ${instance.idInstance} ${round}`);
      return ok({ type: "qrCode", message: png.toString("base64") });
    },
    getAuthorizationCode(instance, { body }) {
      if (instance.state === "authorized") return ok({ status: false });
      instance.pairingPhone = (body as { phoneNumber: number }).phoneNumber;
      return ok({ status: true, code: pairingCode() });
    },
    getSettings: (instance) => ok({ wid: instance.wid, typeInstance: instance.typeInstance, ...instance.settings }),
    setSettings(instance, { body }) {
      Object.assign(instance.settings, body);
      state.restart(instance);
      instance.queue.pump(); // a new webhookUrl takes what waits in the queue
      return ok({ saveSettings: true });
    },
    logout: (instance) => ok({ isLogout: state.logout(instance) }),
    reboot(instance) {
      state.restart(instance);
      return ok({ isReboot: true });
    },
    async receiveNotification(instance, { query }) {
      const seconds = (query.receiveTimeout ?? queryDefault("receiveNotification", "receiveTimeout")) as number;
      const record = await instance.queue.receive(seconds * 1000);
      return ok(record ? { receiptId: record.receiptId, body: record.notification } : null);
    },
    deleteNotification(instance, { path }) {
      return ok({ result: instance.queue.delete(Number(path.receiptId)) });
    },
  };
}

/** The partner methods, with the partner tokens the sandbox accepts. */
function partnerMethods(state: SandboxState): Record<string, (call: Call) => Answer> {
  return {
    createInstance({ body }) {
      const instance = state.create(body as Record<string, unknown>);
      return ok({
        idInstance: instance.idInstance,
        apiTokenInstance: instance.apiTokenInstance,
        typeInstance: instance.typeInstance,
      });
    },
    getInstances: () => ok([...state.instances.values()].map((instance) => state.listed(instance))),
    deleteInstanceAccount({ body }) {
      const { idInstance } = body as { idInstance: number };
      return state.delete(idInstance)
        ? ok({ deleteInstanceAccount: true })
        : exampleAnswer("deleteInstanceAccount", "notFoundInside200");
    },
  };
}

/** Serves every operation of the contract from the sandbox's state; `extra` adds operations (sending) by operationId. */
export function serveFrom(
  state: SandboxState,
  partnerTokens: readonly string[],
  extra: Record<string, InstanceMethod> = {},
): Serve {
  const partner = partnerMethods(state);
  const instance = { ...instanceMethods(state), ...extra };
  return (call) => {
    const { operationId } = call.op;
    if (call.op.pathParams.includes("partnerToken")) {
      if (!partnerTokens.includes(call.path.partnerToken!)) return exampleAnswer(operationId, "unauthorizedInside200");
      const method = partner[operationId];
      if (!method) throw new Error(`the sandbox does not serve ${operationId} yet`);
      return method(call);
    }
    const found = state.find(Number(call.path.idInstance));
    if (!found || found.timeDeleted !== undefined) return exampleAnswer(operationId, "wrongIdInstance");
    if (found.apiTokenInstance !== call.path.apiTokenInstance)
      return exampleAnswer(operationId, "wrongApiTokenInstance");
    if (NEEDS_STARTED.has(operationId) && (found.state === null || found.state === "starting"))
      return exampleAnswer(operationId, "instanceStarting");
    const method = instance[operationId];
    if (!method) throw new Error(`the sandbox does not serve ${operationId} yet`);
    return method(found, call);
  };
}

export { greenApiTime, type InstanceMethod };
