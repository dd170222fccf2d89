// The package as a user gets it: `npm pack`, installed into a fresh project with no network,
// a consumer file type-checked against it (with @ts-expect-error lines that must fail), and run
// against a loopback server.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "./helpers/run.js";
import { answer, loopback } from "./helpers/server.js";
import { operations } from "./helpers/spec.js";
import { pathOf } from "./helpers/call.js";
import { TOKEN } from "./helpers/token.js";

/** The TypeScript code samples the docs show, as the spec holds them, by operationId. */
const samples = operations.map((op) => [op.operationId, op.operation["x-codeSamples"].find((s: { lang: string }) => s.lang === "TypeScript").source] as const);

const dir = mkdtempSync(join(tmpdir(), "consumer-"));
const sh = (cmd: string, args: string[], cwd = dir, env: Record<string, string> = {}) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });

beforeAll(() => {
  sh("npm", ["pack", "--pack-destination", dir, "--silent"], root);
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"))!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // Installed as npm would lay it out, but by hand: `npm install` needs the registry (or a cache a
  // fresh machine lacks) for the package's dependencies, and tests use no network. The package's
  // own dependencies are linked from this project's node_modules, at the locked versions.
  const installed = join(dir, "node_modules", "green-api-partner");
  mkdirSync(installed, { recursive: true });
  sh("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  const { dependencies = {} } = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  for (const name of [...Object.keys(dependencies), "@types/node"]) {
    mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name), "dir");
  }
  for (const file of ["consumer.ts", "tsconfig.json"]) copyFileSync(join(root, "test/consumer", file), join(dir, file));
  for (const [id, source] of samples) writeFileSync(join(dir, `${id}.ts`), source);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")), files: ["consumer.ts", ...samples.map(([id]) => `${id}.ts`)] }));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the packed package", () => {
  it("type-checks a consumer file, @ts-expect-error lines included, and the docs' TypeScript samples", () => {
    expect(() => sh(join(root, "node_modules/.bin/tsc"), ["-p", "."])).not.toThrow();
  });

  it("ships only dist/, generated/, README and package.json", () => {
    const listing = sh("tar", ["-tzf", readdirSync(dir).find((name) => name.endsWith(".tgz"))!]);
    const tops = new Set(listing.trim().split("\n").map((path) => path.split("/")[1]));
    expect(tops).toEqual(new Set(["dist", "generated", "README.md", "package.json"]));
  });

  describe("runs against a loopback server", () => {
    let server: Awaited<ReturnType<typeof loopback>>;
    const created = operations[0]!.successes[0]!.value as Record<string, unknown>;
    // Each operation's path answers that operation's first success example.
    beforeAll(async () => void (server = await loopback((req, res, body) => answer(200, operations.find((op) => pathOf(op, req.url!.split("/").pop()!) === req.url)?.successes[0]!.value ?? created)(req, res, body))));
    afterAll(() => server.close());

    it("and gets the created instance", async () => {
      // Not execFileSync: the loopback server lives in this process and must keep answering.
      const run = await promisify(execFile)("node", ["out/consumer.js"], { cwd: dir, env: { ...process.env, GREEN_API_URL: server.url } });
      const out = JSON.parse(run.stdout);
      expect(out.outcome).toEqual({ idInstance: created.idInstance, typeInstance: created.typeInstance });
      expect(server.requests).toHaveLength(1);
    });

    it.each(samples)("and so does the docs' TypeScript sample of %s", async (id) => {
      const env = { ...process.env, GREEN_API_URL: server.url, GREEN_API_PARTNER_TOKEN: TOKEN };
      const run = await promisify(execFile)("node", [`out/${id}.js`], { cwd: dir, env });
      expect(run.stderr).toBe("");
      expect(run.stdout).not.toBe("");
      expect(server.requests.at(-1)!.url).toBe(pathOf(operations.find((op) => op.operationId === id)!, TOKEN));
    });
  });
});
