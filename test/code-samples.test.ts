// The docs' shell sample, as the spec holds it, run against the mock: what a reader copies works.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { createInstance, spec } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const shell = createInstance["x-codeSamples"].find((s: { lang: string }) => s.lang === "Shell");

describe("the curl code sample", () => {
  it("uses the spec's server and the documented path", () => {
    expect(shell.source).toContain(spec.servers[0].variables.partnerApiUrl.default + "/partner/createInstance/");
  });

  it("creates an instance on the mock", async () => {
    const script = shell.source.replace(spec.servers[0].variables.partnerApiUrl.default, inject("mockUrl"));
    const run = await promisify(execFile)("bash", ["-c", script], { env: { ...process.env, GREEN_API_PARTNER_TOKEN: TOKEN } });
    expect(JSON.parse(run.stdout)).toHaveProperty("idInstance");
  });
});
