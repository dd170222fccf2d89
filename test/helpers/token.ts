// Obviously fake secrets for tests, and the check that they show up nowhere.
import { inspect } from "node:util";
import { expect } from "vitest";

export const TOKEN = "gac.FAKE-TOKEN-9f8e7d6c5b4a39281706f5e4d3c2b1a0fedc";
/** An instance token as a hostile or verbose answer might carry it. */
export const INSTANCE_TOKEN = "FAKE-INSTANCE-TOKEN-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

/** Every text an error can show a person or a log: inspect, message, String, JSON, stack, and its cause chain. */
export function textsOf(error: unknown): string[] {
  const texts: string[] = [inspect(error, { depth: 10 }), JSON.stringify(error) ?? ""];
  let at: unknown = error;
  for (let depth = 0; at !== undefined && at !== null && depth < 10; depth++) {
    const e = at as Error;
    texts.push(String(e), JSON.stringify(e) ?? "", e.message ?? "", e.stack ?? "");
    at = e.cause;
  }
  return texts;
}

/** No piece of a secret 12 characters long, raw or URL-encoded, stands in any text of `value`; by default neither the partner token nor the instance token. */
export function expectNoToken(value: unknown, token: string | string[] = [TOKEN, INSTANCE_TOKEN], piece = 12) {
  const forms = (typeof token === "string" ? [token] : token).flatMap((t) => [t, encodeURIComponent(t)]);
  const pieces = new Set(
    forms.flatMap((form) =>
      form.length <= piece
        ? [form]
        : Array.from({ length: form.length - piece + 1 }, (_, i) => form.slice(i, i + piece)),
    ),
  );
  for (const text of textsOf(value))
    for (const p of pieces)
      expect(text.includes(p), `a piece of a secret (${p.length} characters) is in: ${text.slice(0, 300)}`).toBe(false);
}
