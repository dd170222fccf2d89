// The docs' shell samples, as the spec holds them, run against the mock: what a reader copies works.
// Each family has its server (partnerApiUrl, the instance's apiUrl) and its environment variables.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { INSTANCE } from "./helpers/call.js";
import { compile, operations, spec, specAjv } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const ajv = specAjv();
/** The environment variable a reader sets for each path parameter. */
const variables: Record<string, string> = {
  partnerToken: "GREEN_API_PARTNER_TOKEN",
  idInstance: "GREEN_API_ID_INSTANCE",
  apiTokenInstance: "GREEN_API_TOKEN_INSTANCE",
  receiptId: "RECEIPT_ID",
};
const env = {
  ...process.env,
  GREEN_API_PARTNER_TOKEN: TOKEN,
  GREEN_API_ID_INSTANCE: String(INSTANCE.idInstance),
  GREEN_API_TOKEN_INSTANCE: INSTANCE.apiTokenInstance,
  RECEIPT_ID: "1",
};

describe.each(operations.map((op) => [op.operationId, op] as const))("the curl code sample of %s", (_, op) => {
  const shell = op.operation["x-codeSamples"].find((s: { lang: string }) => s.lang === "Shell");
  const servers = spec.paths[op.path].servers ?? spec.servers;
  const server = Object.values(servers[0].variables as Record<string, { default: string }>)[0]!.default;

  it("uses the spec's server and the operation's path", () => {
    const path = op.path.replace(/\{(\w+)\}/g, (_: string, name: string) => `$${variables[name]}`);
    expect(shell.source).toContain(server + path);
  });

  it("gets the operation's result from the mock", async () => {
    const script = shell.source.replace(server, inject("mockUrl"));
    const run = await promisify(execFile)("bash", ["-c", script], { env });
    expect(compile(ajv, op.successSchema)(JSON.parse(run.stdout))).toBe(true);
  });
});
