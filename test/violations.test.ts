// A request refused before sending says, in the spec's own words, which rule each field broke:
// a length names its limit, a pattern its x-pattern-description (never "breaks the rule maxLength"
// nor "is not in the expected form" where the spec says more).
import { describe, expect, it } from "vitest";
import { patternRules } from "../generated/validators.js";
import { createInstanceClient } from "../src/index.js";
import { mockFetch } from "../src/testing.js";
import { INSTANCE } from "./helpers/call.js";
import { deref, spec } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const words = (text: string) => text.replace(/\s+/g, " ").trim();
const instance = createInstanceClient({ ...INSTANCE, fetch: mockFetch() });

describe("patternRules", () => {
  it("holds every pattern of the spec that has an x-pattern-description, in its words", () => {
    const found: Record<string, string> = {};
    const walk = (node: Json) => {
      if (!node || typeof node !== "object") return;
      if (typeof node.pattern === "string" && typeof node["x-pattern-description"] === "string")
        found[node.pattern] = words(node["x-pattern-description"]);
      for (const value of Object.values(node)) walk(value);
    };
    walk(spec.components);
    walk(spec.paths);
    expect(Object.keys(found).length).toBeGreaterThan(3);
    expect(patternRules).toEqual(found);
  });
});

describe("violations in plain words", () => {
  it("a message over its maxLength names the limit", async () => {
    const { maxLength } = deref({ $ref: "#/components/schemas/SendMessageRequest" }).properties.message;
    const sent = await instance.sendMessage({ chatId: "79007654321@c.us", message: "x".repeat(maxLength + 1) });
    expect(sent.error).toMatchObject({ kind: "invalid-request", sent: "no" });
    expect(sent.error!.message).toContain(`message must be at most ${maxLength} characters long`);
  });

  it("a file name without its extension says what the spec asks for", async () => {
    const schema = deref({ $ref: "#/components/schemas/FileName" });
    const sent = await instance.sendFileByUrl({
      chatId: "79007654321@c.us",
      urlFile: "https://shop.example/invoices/1234.pdf",
      fileName: "invoice",
    });
    expect(sent.error).toMatchObject({ kind: "invalid-request", sent: "no" });
    expect(sent.error!.message).toContain(`fileName must be ${words(schema["x-pattern-description"])}`);
  });
});
