// Release hygiene: the contract's version, the package's and the changelog agree, and a change to
// the contract that can break a caller fails `npm run diff` (Redocly's diff against the last
// released bundle, test/fixtures/released/openapi.json) unless the version was bumped to match.
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, run } from "./helpers/run.js";
import { spec } from "./helpers/spec.js";

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const released = join(root, "test/fixtures/released/openapi.json");
const releasedVersion = JSON.parse(readFileSync(released, "utf8")).info.version;

function diff(revision: string) {
  return run("redocly", ["diff", released, revision, "--check-version", "--fail-on", "none"]);
}

describe("versions", () => {
  it("the package's version is the contract's, and the changelog has it", () => {
    expect(pkg.version).toBe(spec.info.version);
    expect(readFileSync(join(root, "CHANGELOG.md"), "utf8")).toContain(`## [${pkg.version}]`);
  });

  it("npm run diff passes: every change since the last release fits the version bump", () => {
    const { code, out } = diff(join(root, "generated/openapi.json"));
    expect(out).toMatch(/Diff passed/);
    expect(code).toBe(0);
  });

  it("fails on a breaking change without a major bump (a minor one below 1.0)", () => {
    const broken = structuredClone(spec);
    broken.info.version = releasedVersion.replace(/\d+$/, (patch: string) => String(Number(patch) + 1));
    delete broken.paths[Object.keys(broken.paths)[0]!];
    const file = join(mkdtempSync(join(tmpdir(), "diff-")), "openapi.json");
    writeFileSync(file, JSON.stringify(broken));
    const { code, out } = diff(file);
    expect(out).toMatch(/require[s]? a (major|minor) bump/);
    expect(code).not.toBe(0);
  });
});
