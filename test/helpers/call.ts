// Calls an operation of the spec through the public client by its operationId, with its first
// request example: how the parameterised tests drive every method, of both families, the same way.
// Instance methods go through `partner.instance(...)`, so they share the partner client's
// options (baseUrl as apiUrl, timeoutMs, retry, fetch) and middleware.
import type { Middleware } from "openapi-fetch";
import type {
  CallOptions,
  InstanceClient,
  PartnerClient,
  PartnerResult,
  SendFileByUploadInput,
} from "../../src/index.js";
import type { Seen } from "./server.js";
import { type SpecOperation, deref } from "./spec.js";
import { INSTANCE_TOKEN } from "./token.js";

/** The instance every instance method is called on: the parameter's example id, an obviously fake token. */
export const INSTANCE = {
  idInstance: deref({ $ref: "#/components/parameters/idInstance" }).example as number,
  apiTokenInstance: INSTANCE_TOKEN,
};
/** A receiptId for deleteNotification: its parameter's example. */
export const RECEIPT_ID = deref({ $ref: "#/components/parameters/receiptId" }).example as number;

/** Adds a middleware to the partner client; the instance clients it makes share it. */
export function use(partner: PartnerClient, middleware: Middleware) {
  partner.raw.use(middleware);
}

export function instanceOf(partner: PartnerClient): InstanceClient {
  return partner.instance(INSTANCE);
}

export function callOperation(
  partner: PartnerClient,
  op: SpecOperation,
  options?: CallOptions,
  body = op.request,
): Promise<PartnerResult<unknown>> {
  const instance = () => instanceOf(partner);
  switch (op.operationId) {
    case "createInstance":
      return partner.createInstance(body as never, options);
    case "getInstances":
      return partner.getInstances(options);
    case "deleteInstanceAccount":
      return partner.deleteInstanceAccount(body as never, options);
    case "getAuthorizationCode":
      return instance().getAuthorizationCode(body as never, options);
    case "setSettings":
      return instance().setSettings(body as never, options);
    case "deleteNotification":
      return instance().deleteNotification({ receiptId: RECEIPT_ID }, options);
    case "sendMessage":
    case "sendFileByUrl":
    case "getMessage":
      return instance()[op.operationId](body as never, options);
    case "sendFileByUpload":
      return instance().sendFileByUpload(uploadOf(body), options);
    case "getStateInstance":
    case "qr":
    case "getSettings":
    case "logout":
    case "reboot":
    case "receiveNotification":
    case "showMessagesQueue":
    case "clearMessagesQueue":
    case "lastOutgoingMessages":
      return instance()[op.operationId](options);
  }
  throw new Error(`callOperation does not know ${op.operationId}: add it here`);
}

/**
 * A multipart example as the client takes it: its fields, and its `file` (the example's text
 * standing for the bytes) as a Blob.
 */
export function uploadOf(example: unknown): SendFileByUploadInput {
  const { file, ...fields } = example as Record<string, unknown>;
  return { ...(fields as Omit<SendFileByUploadInput, "file">), file: new Blob([String(file)]) };
}

/**
 * The body a loopback server saw, as the request example it should equal: JSON parsed, or a
 * multipart form's fields with the file part as its text (what `uploadOf` made of the example).
 */
export async function sentBody(op: SpecOperation, seen: Seen): Promise<unknown> {
  if (op.requestMediaType !== "multipart/form-data") return JSON.parse(seen.body);
  const headers = { "content-type": String(seen.headers["content-type"]) };
  const form = await new Response(new Uint8Array(seen.bytes), { headers }).formData();
  const fields: Array<Promise<[string, string]>> = [];
  form.forEach((value, name) =>
    fields.push(Promise.resolve(typeof value === "string" ? value : value.text()).then((text) => [name, text])),
  );
  return Object.fromEntries(await Promise.all(fields));
}

/** The request path a call of `op` with `token` (the family's secret) must reach, exactly. */
export const pathOf = (op: SpecOperation, token: string) =>
  op.path
    .replace("{partnerToken}", token)
    .replace("{apiTokenInstance}", token === "***" ? "***" : INSTANCE.apiTokenInstance)
    .replace("{idInstance}", String(INSTANCE.idInstance))
    .replace("{receiptId}", String(RECEIPT_ID));

/** The secret in `op`'s path: the partner token or the instance's. */
export const secretOf = (op: SpecOperation, partnerToken: string) =>
  op.family === "partner" ? partnerToken : INSTANCE.apiTokenInstance;
