// A token-shaped secret for tests, and the check that it shows up nowhere.
import { inspect } from "node:util";
import { expect } from "vitest";

export const TOKEN = "gac.5f3c9a1e7b2d4c6f8a0e1b3d5f7a9c2e4b6d8f0a1c3e5a";

/** Every text an error can show a person or a log: inspect, message, String, JSON, stack, and its cause chain. */
export function textsOf(error: unknown): string[] {
  const texts: string[] = [inspect(error, { depth: 10 })];
  let at: unknown = error;
  for (let depth = 0; at !== undefined && at !== null && depth < 10; depth++) {
    const e = at as Error;
    texts.push(String(e), JSON.stringify(e) ?? "", e.message ?? "", e.stack ?? "");
    at = e.cause;
  }
  return texts;
}

export function expectNoToken(value: unknown, token = TOKEN) {
  const forms = [token, encodeURIComponent(token)];
  for (const text of textsOf(value)) for (const form of forms) expect(text).not.toContain(form);
}
