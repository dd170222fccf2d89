// The control verbs over HTTP, under /_sandbox/ (a prefix GREEN-API cannot use, as LocalStack's
// /_localstack), JSON in and out, for tests in other languages and the command line:
//   POST /_sandbox/instances/{id}/link      {phone?}            the QR code was scanned
//   POST /_sandbox/instances/{id}/messages  {chatId, text, senderName?}  a contact writes
//   POST /_sandbox/instances/{id}/read      {idMessage}         the contact read a sent message
//   POST /_sandbox/instances/{id}/state     {state}             GREEN-API moved it (blocked, ...)
//   POST /_sandbox/contacts/{chatId}/no-account                 the number has no account
//   GET  /_sandbox/instances                every instance     GET /_sandbox/deliveries  every notification
//   POST /_sandbox/advance {ms}   POST /_sandbox/wait   POST /_sandbox/reset   GET /_sandbox/now
//   GET  /_sandbox/files/...      an uploaded file, at the urlFile sendFileByUpload answered
// link and state answer {idInstance, stateInstance}; read {idInstance, idMessage, read: true};
// no-account {chatId, noAccount: true}. A bad call (advance on the real clock too), or an unknown
// verb, answers 400 {error} naming what is wrong, and is never kept as a drift.
import type { Control } from "./http.js";
import type { Sandbox } from "./index.js";
import { SandboxControlError } from "./state.js";

function idOf(text: string | undefined): number {
  if (!text || !/^\d{1,16}$/.test(text)) throw new SandboxControlError(`${JSON.stringify(text)} is not an idInstance`);
  return Number(text);
}

/** An instance's id and state after a verb moved it: what the CLI prints in one line. */
function stateOf(sandbox: Sandbox, idInstance: number) {
  const view = sandbox.instances().find((instance) => instance.idInstance === idInstance);
  return { idInstance, stateInstance: view?.state ?? null };
}

export function controlFrom(sandbox: Sandbox): Control {
  return async (verb, method, body) => {
    const input = (body ?? {}) as Record<string, unknown>;
    const [first, id, action] = verb;
    if (method === "GET" && first === "files")
      return sandbox.file(`/_sandbox/${verb.map(encodeURIComponent).join("/")}`);
    const call = `${method} ${first}${action ? `/${action}` : id !== undefined ? "/{id}" : ""}`;
    switch (call) {
      case "GET instances":
        return sandbox.instances();
      case "GET deliveries":
        return sandbox.deliveries();
      case "GET now":
        return { now: sandbox.now() };
      case "POST advance":
        if (typeof input.ms !== "number" || !Number.isFinite(input.ms) || input.ms < 0)
          throw new SandboxControlError("advance needs {ms}, a number of milliseconds >= 0");
        await sandbox.advance(input.ms);
        return { now: sandbox.now() };
      case "POST wait":
        await sandbox.waitForDeliveries();
        return { now: sandbox.now() };
      case "POST reset":
        await sandbox.reset();
        return {};
      case "POST instances/link":
        sandbox.linkPhone(idOf(id), { phone: input.phone as number | undefined });
        return stateOf(sandbox, idOf(id));
      case "POST instances/messages":
        return sandbox.contactWrites(idOf(id), input as { chatId: string; text: string });
      case "POST instances/read":
        sandbox.contactReads(idOf(id), input.idMessage as string);
        return { idInstance: idOf(id), idMessage: input.idMessage, read: true };
      case "POST contacts/no-account":
        sandbox.contactHasNoAccount(id as string);
        return { chatId: id, noAccount: true };
      case "POST instances/state":
        sandbox.setState(idOf(id), input.state as string);
        return stateOf(sandbox, idOf(id));
      default:
        throw new SandboxControlError(`no control verb ${method} /_sandbox/${verb.join("/")}`);
    }
  };
}
