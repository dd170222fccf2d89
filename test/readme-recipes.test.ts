// README's "Recipe: create exactly once", run as a reader would paste it, against mockFetch: the
// look-up follows every failure that may have done its work (a 5xx inside HTTP 200 included), and
// none that cannot have.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPartnerClient } from "../src/index.js";
import { type ExampleChoice, mockFetch } from "../src/testing.js";
import { readmeBlock } from "./helpers/readme.js";
import { TOKEN } from "./helpers/token.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "readme-recipe-"));
type CreateOnce = (partner: ReturnType<typeof createPartnerClient>, name: string) => Promise<Record<string, unknown>>;
let createOnce: CreateOnce;

beforeAll(async () => {
  writeFileSync(join(dir, "recipe.ts"), readmeBlock("create-once-example"));
  await build({
    entryPoints: [join(dir, "recipe.ts")],
    outfile: join(dir, "recipe.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    alias: { "green-api-partner": join(root, "src/index.ts") },
    logLevel: "error",
  });
  ({ createOnce } = (await import(pathToFileURL(join(dir, "recipe.mjs")).href)) as { createOnce: CreateOnce });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAME = "shop 42 0b7e4c1e-recipe";
/** getInstances answering the instance the ambiguous create made, created just now (GREEN-API's time: no zone). */
const listed = {
  status: 200,
  json: [{ idInstance: 1101000042, name: NAME, timeCreated: new Date().toISOString().slice(0, 19), deleted: false }],
};
const run = (choice: ExampleChoice) =>
  createOnce(createPartnerClient({ partnerToken: TOKEN, fetch: mockFetch(choice) }), NAME);

describe('README\'s "Recipe: create exactly once"', () => {
  it.each([
    ["{code: 500} inside HTTP 200", { status: 200, json: { code: 500, description: "Internal error" } }],
    ["HTTP 500", { status: 500, text: "Internal Server Error" }],
    ["a connection cut after sending", { reset: true as const }],
  ])("after %s, finds the instance instead of creating again", async (_, failure) => {
    expect(await run({ createInstance: failure, getInstances: listed })).toEqual({
      found: expect.objectContaining({ idInstance: 1101000042, name: NAME }),
    });
  });

  it.each([
    ["a wrong token, {code: 401}", "unauthorizedInside200"],
    ["a used-up quota, 466", "quotaExceeded"],
  ] as const)("after %s, does not look (nothing was created)", async (_, example) => {
    const result = await run({ createInstance: example, getInstances: listed });
    expect(result).toEqual({ created: { error: expect.objectContaining({ kind: "api" }) } });
  });
});
