/// <reference types="node" />
// What the sandbox knows about GREEN-API, read from generated/ (never a second copy): the
// settings and their defaults, the states, the error bodies (the spec's named examples), and the
// contract checks every answer and notification goes through.
import { readFileSync } from "node:fs";
import { type NamedExample, examples } from "../../generated/examples.js";
import { operationList } from "../../generated/operations.js";
import type { Validator } from "../../generated/validators.js";
import * as validators from "../../generated/validators.js";
import {
  type WebhookType,
  alwaysSentStatuses as alwaysSent,
  webhookSettings,
  webhookTypes,
  webhookValidators,
} from "../../generated/webhooks.js";
import type { Operation } from "../executor.js";
import type { Violation } from "../errors.js";
import { check } from "../validation.js";

interface Schema {
  type?: string;
  $ref?: string;
  default?: unknown;
  enum?: string[];
  properties?: Record<string, Schema>;
}

interface Parameter {
  name: string;
  in: string;
  schema?: Schema;
}
const spec = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8")) as {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { operationId?: string; parameters?: Parameter[] }>>;
};
const schemas = spec.components.schemas;

/** A schema with its `$ref`s followed (the bundle refers to components by `#/components/schemas/Name`). */
function resolved(schema: Schema): Schema {
  const name = schema.$ref?.split("/").pop();
  return name && schemas[name] ? { ...resolved(schemas[name]), ...schema, $ref: schema.$ref } : schema;
}

/** A setting's value when nobody set it: the spec's default, else off (`"no"`, or `""` for a text such as webhookUrl). */
function offValue(schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default;
  const full = resolved(schema);
  if (full.default !== undefined) return full.default;
  if (full.enum?.includes("no")) return "no";
  return full.type === "string" ? "" : undefined;
}

/** createInstance's settings (no `name`), each at its default or off. */
export const settingDefaults: Record<string, unknown> = Object.fromEntries(
  Object.entries(schemas.CreateInstanceRequest!.properties!)
    .filter(([name]) => name !== "name")
    .map(([name, schema]) => [name, offValue(schema)]),
);

/** setSettings' settings that createInstance does not take (`outgoingCallWebhook`, deprecated ones): off. */
export const extraSettingDefaults: Record<string, unknown> = Object.fromEntries(
  Object.entries(schemas.SetSettingsRequest!.properties!)
    .filter(([name]) => !(name in settingDefaults))
    .map(([name, schema]) => [name, offValue(schema)]),
);

/** A query parameter's default in the spec (receiveNotification's `receiveTimeout`), or undefined. */
export function queryDefault(operationId: string, name: string): unknown {
  for (const item of Object.values(spec.paths))
    for (const operation of Object.values(item))
      if (operation?.operationId === operationId)
        return operation.parameters?.find((p) => p.in === "query" && p.name === name)?.schema?.default;
  return undefined;
}

/** The states this contract knows (InstanceStateKnown), which `setState` accepts. */
export const knownStates: readonly string[] = schemas.InstanceStateKnown!.enum!;
/** The messengers this contract knows (TypeInstanceKnown); the first is the sandbox's default. */
export const knownTypeInstances: readonly string[] = schemas.TypeInstanceKnown!.enum!;

export type OperationId = keyof typeof examples;
export const operations = new Map(
  (operationList as Array<Operation & { operationId: OperationId }>).map((op) => [op.operationId, op]),
);

/** A named example of the spec for an operation's answer: the sandbox's error bodies are GREEN-API's own, as the spec shows them. */
export function example(operationId: OperationId, name: string): NamedExample {
  const found = (examples[operationId] as Record<string, NamedExample>)[name];
  if (!found) throw new Error(`sandbox: the spec has no example ${operationId}/${name}`);
  return found;
}

/** A path parameter's value checked by its validator from the spec (`validateIdInstance`, ...), as the mock does. */
export function validPathValue(name: string, value: string): boolean {
  const validate = (validators as unknown as Record<string, Validator | undefined>)[
    `validate${name[0]!.toUpperCase()}${name.slice(1)}`
  ];
  if (!validate) return true;
  return validate(value) || (/^\d+$/.test(value) && validate(Number(value)));
}

/** The sandbox produced something the contract does not allow: a bug of the sandbox (or of the spec), never served. */
export class ContractDriftError extends Error {
  override name = "ContractDriftError";
  constructor(
    readonly what: string,
    readonly violations: Violation[],
  ) {
    super(`sandbox: ${what} breaks the contract: ${violations.map((v) => v.message).join("; ")}`);
  }
}

/** Checks a value with a validator of the contract; throws ContractDriftError with every violation. */
export function mustMatch(validate: Validator, value: unknown, what: string): void {
  const violations = check(validate, value, "the value", what);
  if (violations.length) throw new ContractDriftError(what, violations);
}

/** A notification the sandbox made, checked by the contract's validator for its `typeWebhook`. */
export function checkNotification(notification: { typeWebhook: string; [field: string]: unknown }): void {
  const validate = webhookValidators[notification.typeWebhook as WebhookType];
  if (!validate)
    throw new ContractDriftError("a notification", [
      { field: "typeWebhook", rule: "enum", message: "typeWebhook is not one the contract describes" },
    ]);
  mustMatch(validate, notification, `the ${notification.typeWebhook} notification`);
}

/** Whether the instance's settings turn a kind of notification on (every setting the spec's `x-settings` names is "yes"). */
export function turnedOn(type: WebhookType, settings: Record<string, unknown>): boolean {
  return webhookSettings[type].every((setting) => settings[setting] === "yes");
}

/** The outgoing statuses sent even with `outgoingWebhook` off (the spec's `x-always-sent`: failed, noAccount). */
export const alwaysSentStatuses: readonly string[] = alwaysSent;

export { webhookTypes, type WebhookType };
