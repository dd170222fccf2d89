// The docs' shell samples, as the spec holds them, run against the mock: what a reader copies works.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { compile, operations, spec, specAjv } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const server = spec.servers[0].variables.partnerApiUrl.default;
const ajv = specAjv();

describe.each(operations.map((op) => [op.operationId, op] as const))("the curl code sample of %s", (_, op) => {
  const shell = op.operation["x-codeSamples"].find((s: { lang: string }) => s.lang === "Shell");

  it("uses the spec's server and the operation's path", () => {
    expect(shell.source).toContain(server + op.path.replace("{partnerToken}", "$GREEN_API_PARTNER_TOKEN"));
  });

  it("gets the operation's result from the mock", async () => {
    const script = shell.source.replace(server, inject("mockUrl"));
    const run = await promisify(execFile)("bash", ["-c", script], { env: { ...process.env, GREEN_API_PARTNER_TOKEN: TOKEN } });
    expect(compile(ajv, op.successSchema)(JSON.parse(run.stdout))).toBe(true);
  });
});
