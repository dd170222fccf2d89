// The Russian reference from one contract: spec/overlays/ru.yaml is an Overlay 1.0 whose every
// action targets something in the English spec; the Russian bundle leaves no human-readable text
// in English and changes nothing else; and a translation whose English text changed since it was
// written fails, naming the field.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JSONPath } from "jsonpath-plus";
import { describe, expect, it } from "vitest";
import { hashOf, humanTexts, loadOverlay, untranslated } from "../scripts/overlay.js";
import { root, run } from "./helpers/run.js";
import { spec } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const overlay: {
  overlay: string;
  actions: Array<{ target: string; update: Record<string, unknown>; "x-source"?: Record<string, string> }>;
} = loadOverlay();
const russian: Json = JSON.parse(readFileSync(join(root, "generated/openapi.ru.json"), "utf8"));
const CYRILLIC = /[А-Яа-яЁё]/;

describe("spec/overlays/ru.yaml", () => {
  it("is an Overlay 1.0 document that lints", () => {
    expect(overlay.overlay).toMatch(/^1\.0\.\d+$/);
    const { code, out } = run("redocly", ["lint", "spec/overlays/ru.yaml"]);
    expect(out).toMatch(/valid/);
    expect(code).toBe(0);
  });

  it.each(overlay.actions.map((a) => [a.target, a] as const))(
    "%s: targets something that exists, and only fields it translates",
    (target, action) => {
      const matches = JSONPath({ path: target, json: spec, wrap: true });
      expect(matches.length, `${target} matches nothing in the English spec`).toBeGreaterThan(0);
      for (const field of Object.keys(action.update)) {
        for (const match of matches) expect(match, `${target} has no ${field} to translate`).toHaveProperty([field]);
        expect(action["x-source"]?.[field], `${target} ${field} records no x-source hash`).toMatch(/^[0-9a-f]{10}$/);
      }
    },
  );
});

describe("the Russian bundle (generated/openapi.ru.json)", () => {
  const english = humanTexts(spec);
  const texts = humanTexts(russian);

  it("has a text wherever the English one has one", () => {
    expect(texts.map((t) => `${t.target} ${t.field}`)).toEqual(english.map((t) => `${t.target} ${t.field}`));
  });

  it("leaves no human-readable text in English", () => {
    // A map of texts (x-enumDescriptions) is one text, its JSON: each of its values must be Russian.
    const values = (t: { field: string; text: string }) =>
      /^x-/.test(t.field) && t.text.startsWith("{") ? Object.values(JSON.parse(t.text)) : [t.text];
    const english = texts.filter((t) => values(t).some((v) => !CYRILLIC.test(v as string)));
    expect(english.map((t) => `${t.target} ${t.field}: ${t.text.slice(0, 60)}`)).toEqual([]);
  });

  it("changes nothing but those texts: identifiers, field names, enum values, examples and code stay", () => {
    const blank = (doc: Json) => {
      const copy = structuredClone(doc);
      for (const { target, field } of humanTexts(copy))
        for (const node of JSONPath({ path: target, json: copy, wrap: true })) node[field] = "";
      return copy;
    };
    expect(blank(russian)).toEqual(blank(spec));
  });
});

describe("extension texts count", () => {
  it("each x-enumDescriptions of the spec is a text to translate (issue #22: 13 were left in English)", () => {
    const enumTexts = humanTexts(spec).filter((t) => t.field === "x-enumDescriptions");
    expect(enumTexts.map((t) => t.target)).toEqual(
      expect.arrayContaining(
        ["InstanceStateKnown", "QrTypeKnown", "TypeInstanceKnown"].map((n) => `$.components.schemas.${n}`),
      ),
    );
  });

  it("whatever its spelling: a misspelt x-enum-descriptions is still counted, so it cannot hide", () => {
    const doc = { components: { schemas: { Kind: { enum: ["a"], "x-enum-descriptions": { a: "An English text" } } } } };
    expect(humanTexts(doc)).toEqual([
      { target: "$.components.schemas.Kind", field: "x-enum-descriptions", text: '{"a":"An English text"}' },
    ]);
  });
});

describe("staleness", () => {
  it("every translation was written from the English text as it is now", () => {
    expect(untranslated(spec).map((t) => `${t.target} ${t.field}: ${t.why}`)).toEqual([]);
  });

  it("an English text changed without its translation fails, naming the field", () => {
    const changed = structuredClone(spec);
    changed.components.schemas.PartnerError.properties.code.description += " Changed.";
    const stale = untranslated(changed);
    expect(stale).toEqual([
      expect.objectContaining({
        target: "$.components.schemas.PartnerError.properties.code",
        field: "description",
        why: "stale: its English text changed",
      }),
    ]);
    expect(stale[0]!.recorded).not.toBe(hashOf(changed.components.schemas.PartnerError.properties.code.description));
  });
});
