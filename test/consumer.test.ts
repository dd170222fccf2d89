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
import { createInstance, namedExamples } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

/** The TypeScript code sample the docs show, as the spec holds it. */
const typescriptSample = createInstance["x-codeSamples"].find((s: { lang: string }) => s.lang === "TypeScript").source;

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
  writeFileSync(join(dir, "sample.ts"), typescriptSample);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the packed package", () => {
  it("type-checks a consumer file, @ts-expect-error lines included, and the docs' TypeScript sample", () => {
    expect(() => sh(join(root, "node_modules/.bin/tsc"), ["-p", "."])).not.toThrow();
  });

  it("ships only dist/, generated/, README and package.json", () => {
    const listing = sh("tar", ["-tzf", readdirSync(dir).find((name) => name.endsWith(".tgz"))!]);
    const tops = new Set(listing.trim().split("\n").map((path) => path.split("/")[1]));
    expect(tops).toEqual(new Set(["dist", "generated", "README.md", "package.json"]));
  });

  describe("runs against a loopback server", () => {
    let server: Awaited<ReturnType<typeof loopback>>;
    const created = namedExamples().find((e) => e.name === "createdMax")!.value as Record<string, unknown>;
    beforeAll(async () => void (server = await loopback(answer(200, created))));
    afterAll(() => server.close());

    it("and gets the created instance", async () => {
      // Not execFileSync: the loopback server lives in this process and must keep answering.
      const run = await promisify(execFile)("node", ["out/consumer.js"], { cwd: dir, env: { ...process.env, GREEN_API_URL: server.url } });
      const out = JSON.parse(run.stdout);
      expect(out.outcome).toEqual({ idInstance: created.idInstance, typeInstance: created.typeInstance });
      expect(server.requests).toHaveLength(1);
    });

    it("and so does the docs' TypeScript sample", async () => {
      const env = { ...process.env, GREEN_API_URL: server.url, GREEN_API_PARTNER_TOKEN: TOKEN };
      const run = await promisify(execFile)("node", ["out/sample.js"], { cwd: dir, env });
      expect(run.stdout).toContain(`instance ${created.idInstance}`);
      expect(server.requests.at(-1)!.url).toContain(TOKEN);
    });
  });
});
