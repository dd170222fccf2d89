// Gates 1 and 2: Redocly (recommended-strict and the house rules) and Spectral (OpenAPI and
// OWASP rulesets) pass with no problem, and the house rules bite on a broken copy of spec/.
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSpec } from "../scripts/spec.js";
import { root, run } from "./helpers/run.js";

function redoclyLint(dir: string) {
  const { code, out } = run("redocly", [
    "lint",
    join(dir, "spec/openapi.yaml"),
    "--config",
    join(root, "redocly.yaml"),
    "--format",
    "json",
  ]);
  const json = JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1));
  return { code, problems: json.problems as Array<{ ruleId: string; severity: string; message: string }> };
}

/** A copy of spec/ with one file changed, to prove a rule fails the build. */
function brokenSpec(file: string, change: (text: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), "spec-"));
  cpSync(join(root, "spec"), join(dir, "spec"), { recursive: true });
  const path = join(dir, "spec", file);
  const before = readFileSync(path, "utf8");
  const after = change(before);
  expect(after, "the mutation must change the file").not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

describe("redocly lint", () => {
  it("passes recommended-strict and the house rules with no error and no warning", () => {
    const { code, problems } = redoclyLint(root);
    expect(problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(code).toBe(0);
  });

  it.each([
    [
      "rule/property-has-description",
      "components/schemas/CreateInstanceRequest.yaml",
      (t: string) => t.replace(/\n    description: Name of the instance[^\n]*/, ""),
    ],
    [
      "rule/property-has-example",
      "components/schemas/PartnerError.yaml",
      (t: string) => t.replace(/\n    example: 401/, ""),
    ],
    [
      "rule/operation-is-documented",
      "paths/partner_createInstance_{partnerToken}.yaml",
      (t: string) => t.replace(/\n  summary: [^\n]*/, ""),
    ],
    [
      "rule/operation-has-4xx",
      "paths/partner_createInstance_{partnerToken}.yaml",
      (t: string) => t.replace(/\n    '4\d\d':\n      \$ref: [^\n]*/g, ""),
    ],
  ])("%s fails the build when broken", (rule, file, change) => {
    const { code, problems } = redoclyLint(brokenSpec(file, change));
    expect(problems.map((p) => p.ruleId)).toContain(rule);
    expect(code).not.toBe(0);
  });
});

describe("nothing phones home", () => {
  it("redocly.yaml turns Redocly's telemetry off", async () => {
    const { parse } = await import("yaml");
    expect(parse(readFileSync(join(root, "redocly.yaml"), "utf8")).telemetry).toBe("off");
  });
});

describe("spectral lint", () => {
  it("passes spectral:oas and the OWASP ruleset with no error or warning", () => {
    const { code, out } = run("spectral", [
      "lint",
      "generated/openapi.json",
      "--fail-severity",
      "warn",
      "-f",
      "json",
      "--quiet",
    ]);
    const results = JSON.parse(out.slice(out.indexOf("["), out.lastIndexOf("]") + 1));
    expect(results.map((r: { code: string; message: string }) => `${r.code}: ${r.message}`)).toEqual([]);
    expect(code).toBe(0);
  });
});

// Redoc's sidebar shows an operation's summary on one line of about 32 characters, then cuts it
// ("Delete an instance of the partner's" read "Delete an instance of the partner'"): a summary is
// a short, whole phrase, in both languages.
const SIDEBAR_SUMMARY = 32;
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const bundles = [
  ["English", "generated/openapi.json"],
  ["Russian", "generated/openapi.ru.json"],
] as const;

/** Every operation's summary, of paths and webhooks alike, with where it stands. */
function summaries(doc: Json): Array<[string, string]> {
  return [...Object.entries(doc.paths ?? {}), ...Object.entries(doc.webhooks ?? {})].flatMap(
    ([where, item]: [string, Json]) =>
      Object.entries(item)
        .filter(
          ([, operation]: [string, Json]) =>
            operation?.summary !== undefined && (operation.operationId || operation.responses),
        )
        .map(([method, operation]: [string, Json]): [string, string] => [`${method} ${where}`, operation.summary]),
  );
}
const tooLong = (doc: Json) =>
  summaries(doc)
    .filter(([, summary]) => summary.length > SIDEBAR_SUMMARY)
    .map(([where, s]) => `${where}: "${s}" (${s.length})`);

describe("operation summaries fit Redoc's sidebar", () => {
  it.each(bundles)(`in the %s bundle (%s): at most ${SIDEBAR_SUMMARY} characters`, (_, file) => {
    const doc = loadSpec(join(root, file));
    expect(summaries(doc).length).toBeGreaterThan(0);
    expect(tooLong(doc)).toEqual([]);
  });

  it("a long summary fails", () => {
    const doc = loadSpec(join(root, bundles[0][1]));
    const [path, item] = Object.entries<Json>(doc.paths)[0]!;
    const method = Object.keys(item).find((key) => item[key]?.operationId)!;
    item[method].summary = "Delete an instance of the partner's";
    expect(tooLong(doc)).toContainEqual(
      expect.stringContaining(`${method} ${path}: "Delete an instance of the partner's"`),
    );
  });
});

// An open enum is `anyOf: [its known values, {type: string, x-open-enum: true}]`: the marker makes
// the generated type `Known | (string & {})`, which keeps the literals (plain `string` swallows them).
/** Every `anyOf` of the spec with an enum branch beside a plain string branch that lacks the marker. */
function unmarkedOpenEnums(doc: Json): string[] {
  const found: string[] = [];
  const resolve = (node: Json): Json =>
    node?.$ref
      ? resolve(
          node.$ref
            .slice(2)
            .split("/")
            .reduce((at: Json, key: string) => at?.[key], doc),
        )
      : node;
  const walk = (node: Json, where: string) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node.anyOf) && node.anyOf.some((b: Json) => Array.isArray(resolve(b)?.enum)))
      for (const branch of node.anyOf.map(resolve))
        if (branch?.type === "string" && !branch.enum && !branch.pattern && branch["x-open-enum"] !== true)
          found.push(where);
    for (const [key, value] of Object.entries(node)) walk(value, `${where}/${key}`);
  };
  walk(doc, "#");
  return found;
}

describe("open enums", () => {
  it("mark their catch-all branch x-open-enum, so the types keep the known values", () => {
    expect(unmarkedOpenEnums(loadSpec(join(root, bundles[0][1])))).toEqual([]);
  });

  it("an unmarked catch-all branch fails", () => {
    const doc = loadSpec(join(root, bundles[0][1]));
    delete doc.components.schemas.TypeInstance.anyOf[1]["x-open-enum"];
    expect(unmarkedOpenEnums(doc)).toContain("#/components/schemas/TypeInstance");
  });
});

// Redoc reads `x-enumDescriptions`; any other spelling (`x-enum-descriptions`, issue #22) is shown
// nowhere and translated by no overlay. Every YAML file of spec/ is read as written, not bundled.
const REDOC_SPELLING = "x-enumDescriptions";
/** Every key of spec/'s YAML files that spells an enum-descriptions extension otherwise, or whose keys are not its enum's. */
function misspeltExtensions(dir: string): string[] {
  const found: string[] = [];
  const walk = (node: Json, where: string) => {
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (/^x-?enum.?desc/i.test(key) && key !== REDOC_SPELLING) found.push(`${where}/${key}`);
      if (key === REDOC_SPELLING && Array.isArray(node.enum))
        for (const name of Object.keys(value as object))
          if (!node.enum.includes(name)) found.push(`${where}/${key}/${name} (not a value of its enum)`);
      walk(value, `${where}/${key}`);
    }
  };
  for (const file of readdirSync(join(dir, "spec"), { recursive: true, encoding: "utf8" }))
    if (/\.ya?ml$/.test(file)) walk(parse(readFileSync(join(dir, "spec", file), "utf8")), file);
  return found;
}

describe("extensions are spelt as Redoc reads them", () => {
  it(`no file of spec/ has an enum-descriptions key other than ${REDOC_SPELLING}, nor one for a value its enum lacks`, () => {
    expect(misspeltExtensions(root)).toEqual([]);
  });

  it("x-enum-descriptions fails", () => {
    const dir = brokenSpec("components/schemas/QrTypeKnown.yaml", (t) =>
      t.replace(REDOC_SPELLING, "x-enum-descriptions"),
    );
    expect(misspeltExtensions(dir)).toEqual(["components/schemas/QrTypeKnown.yaml/x-enum-descriptions"]);
  });

  it("a description of a value the enum lacks fails", () => {
    const dir = brokenSpec("components/schemas/QrTypeKnown.yaml", (t) => t.replace("\n  qrCode: ", "\n  qrcode: "));
    expect(misspeltExtensions(dir)).toEqual([
      "components/schemas/QrTypeKnown.yaml/x-enumDescriptions/qrcode (not a value of its enum)",
    ]);
  });
});
