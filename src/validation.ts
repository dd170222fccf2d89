// Violations of the spec's rules in plain words, from the keyword and params of a generated
// validator's errors (Ajv's messages are left out of the bundle). Shared by the clients (what we
// send) and the webhook receiver (what GREEN-API sends), which imports nothing else of the client.
import { type ValidationError, type Validator, patternRules } from "../generated/validators.js";
import type { Violation } from "./errors.js";

/** What a violated rule asks for, in plain words. */
export function rule({ keyword, params }: ValidationError): string {
  if (/^(exclusiveM|m)(inimum|aximum)$/.test(keyword))
    return `must be ${String(params.comparison)} ${String(params.limit)}`;
  if (keyword === "type") return `must be ${([] as unknown[]).concat(params.type).join(" or ")}`;
  if (keyword === "enum")
    return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  if (keyword === "const") return `must be ${JSON.stringify(params.allowedValue)}`;
  if (keyword === "minProperties") return `must have at least ${String(params.limit)} field`;
  if (keyword === "maxLength") return `must be at most ${String(params.limit)} characters long`;
  if (keyword === "minLength")
    return params.limit === 1 ? "must not be empty" : `must be at least ${String(params.limit)} characters long`;
  if (keyword === "maxItems") return `must hold at most ${String(params.limit)} items`;
  if (keyword === "minItems") return `must hold at least ${String(params.limit)} items`;
  if (keyword === "pattern") {
    // The spec's own words for the rule (x-pattern-description), where it gives them.
    const words = (patternRules as Record<string, string | undefined>)[String(params.pattern)];
    return words === undefined ? "is not in the expected form" : words.startsWith("must ") ? words : `must be ${words}`;
  }
  return `breaks the rule ${keyword}`;
}

/**
 * The errors of `validate`'s last run that name a broken rule. An `if` error only says that a
 * branch chosen by a field failed (scripts/generate.js compiles MessageData's and Notification's
 * oneOf so): the branch's own errors say how.
 */
export function brokenRules(validate: Validator): ValidationError[] {
  return (validate.errors ?? []).filter((error) => error.keyword !== "if");
}

/**
 * Every way `value` breaks the schema `validate` was compiled from: the field (a dotted path, or
 * `subject` for the value as a whole), the keyword, and a message naming both. `owner` names
 * what holds the fields, for an unknown one ("is not a field of createInstance's body").
 */
export function check(validate: Validator, value: unknown, subject: string, owner: string): Violation[] {
  if (validate(value)) return [];
  return brokenRules(validate).map((error) => {
    const path = error.instancePath.split("/").filter(Boolean);
    const named =
      error.keyword === "additionalProperties"
        ? error.params.additionalProperty
        : error.keyword === "required"
          ? error.params.missingProperty
          : undefined;
    const field = [...path, ...(named === undefined ? [] : [String(named)])].join(".") || subject;
    const message =
      error.keyword === "additionalProperties"
        ? `${field} is not a field of ${owner}`
        : error.keyword === "required"
          ? `${field} is required`
          : `${field} ${rule(error)}`;
    return { field, rule: error.keyword, message };
  });
}
