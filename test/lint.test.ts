// Gates 1 and 2: Redocly (recommended-strict and the house rules) and Spectral (OpenAPI and
// OWASP rulesets) pass with no problem, and the house rules bite on a broken copy of spec/.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, run } from "./helpers/run.js";

function redoclyLint(dir: string) {
  const { code, out } = run("redocly", ["lint", join(dir, "spec/openapi.yaml"), "--config", join(root, "redocly.yaml"), "--format", "json"]);
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
    ["rule/property-has-description", "components/schemas/CreateInstanceRequest.yaml", (t: string) => t.replace(/\n    description: Name of the instance[^\n]*/, "")],
    ["rule/property-has-example", "components/schemas/PartnerError.yaml", (t: string) => t.replace(/\n    example: 401/, "")],
    ["rule/operation-is-documented", "paths/partner_createInstance_{partnerToken}.yaml", (t: string) => t.replace(/\n  summary: [^\n]*/, "")],
    ["rule/operation-has-4xx", "paths/partner_createInstance_{partnerToken}.yaml", (t: string) => t.replace(/\n    '4\d\d':\n      \$ref: [^\n]*/g, "")],
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
    const { code, out } = run("spectral", ["lint", "generated/openapi.json", "--fail-severity", "warn", "-f", "json", "--quiet"]);
    const results = JSON.parse(out.slice(out.indexOf("["), out.lastIndexOf("]") + 1));
    expect(results.map((r: { code: string; message: string }) => `${r.code}: ${r.message}`)).toEqual([]);
    expect(code).toBe(0);
  });
});
