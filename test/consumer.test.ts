// The package as users get it: `npm pack` (after the docs were built, to prove what ships does
// not depend on what ran before), installed into fresh projects with no network, and for each
// kind of consumer: type-checked against it (with @ts-expect-error lines that must fail) and run
// against a loopback server. Consumers: ESM TypeScript (nodenext, also with the oldest supported
// TypeScript), the strictest compiler options, CommonJS (require), bundler resolution, types only
// (node10) with its own openapi-fetch client, a browser bundle run in Chromium, and README's
// "Testing your app" suite. Each project is made once the tarball exists and every type check
// starts then, side by side: they are independent, and one after another they took most of a minute.
import { execFile, execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAllDocs } from "../scripts/docs.js";
import { browserMissing, launch } from "./helpers/browser.js";
import { mockFetch } from "../src/testing.js";
import { INSTANCE, RECEIPT_ID, pathOf } from "./helpers/call.js";
import { root } from "./helpers/run.js";
import { answer, loopback } from "./helpers/server.js";
import { operations } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

const work = mkdtempSync(join(tmpdir(), "consumers-"));
let tarball: string;
let server: Awaited<ReturnType<typeof loopback>>;
const exec = promisify(execFile);
const tsc = (version: Version) => join(root, "node_modules", version, "bin/tsc");
const success = (op: (typeof operations)[number]) => op.successes[0]!.value;

/** What the package ships, exactly: anything else in the tarball fails the test. */
const SHIPPED = [
  /^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^package\/bin\/green-api-partner(-mock)?\.js$/,
  /^package\/dist\/(sandbox\/)?[a-z-]+\.(js|d\.ts)$/,
  /^package\/generated\/[a-z.]+\.(js|d\.ts|json|yaml)$/,
];

/** A fresh project with the tarball installed as npm lays it out, by hand (tests use no network). */
function project(name: string, packageJson: object, files: Record<string, string>, extraDependencies: string[] = []) {
  const dir = join(work, name);
  const installed = join(dir, "node_modules", "green-api-partner");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  const { dependencies = {} } = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  // The package's own dependencies, linked from this project's node_modules at the locked versions.
  for (const dependency of new Set([...Object.keys(dependencies), "@types/node", ...extraDependencies])) {
    mkdirSync(dirname(join(dir, "node_modules", dependency)), { recursive: true });
    symlinkSync(join(root, "node_modules", dependency), join(dir, "node_modules", dependency), "dir");
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, ...packageJson }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

// The shipped declarations are checked whole (skipLibCheck: false) by the ESM consumer, with both
// TypeScript versions; the others check their own code against them, resolved their way (attw
// checks every resolution of the declarations): checking @types/node again is 5 s of each tsc run.
const tsconfig = (compilerOptions: object, files: string[]) =>
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      outDir: "out",
      ...compilerOptions,
    },
    files,
  });

type Version = "typescript" | "typescript-min";
async function typeCheck(dir: string, version: Version) {
  try {
    // The oldest TypeScript only checks: two compilers writing the same out/ at once would race.
    await exec("node", [tsc(version), "-p", ".", ...(version === "typescript-min" ? ["--noEmit"] : [])], { cwd: dir });
  } catch (error) {
    throw new Error(`tsc (${version}) in ${dir}:\n${(error as { stdout: string }).stdout}`);
  }
}

/** One tsc per core at a time, in the order the tests need them: more only slows what runs meanwhile. */
const lanes = Array.from({ length: availableParallelism() }, () => Promise.resolve());
let lane = 0;
function queued(task: () => Promise<void>) {
  const mine = lane++ % lanes.length;
  const done = lanes[mine]!.then(task);
  lanes[mine] = done.catch(() => {});
  return done;
}

/** The consumer projects, each declared by its describe block below, with the TypeScript versions to check it with. */
const consumers: Array<{ name: string; make: () => string; versions: Version[] }> = [];
const dirs = new Map<string, string>();
const checks = new Map<string, Promise<void>>();
function consumer(name: string, versions: Version[], make: () => string) {
  consumers.push({ name, make, versions });
  return {
    dir: () => dirs.get(name)!,
    typeChecked: (version: Version = "typescript") => checks.get(`${name} ${version}`)!,
  };
}

const run = (dir: string, file: string, env: Record<string, string> = {}) =>
  exec("node", [file], {
    cwd: dir,
    env: {
      ...process.env,
      GREEN_API_URL: server.url,
      GREEN_API_PARTNER_TOKEN: TOKEN,
      GREEN_API_INSTANCE_URL: server.url,
      GREEN_API_ID_INSTANCE: String(INSTANCE.idInstance),
      GREEN_API_TOKEN_INSTANCE: INSTANCE.apiTokenInstance,
      RECEIPT_ID: String(RECEIPT_ID),
      ...env,
    },
  });

beforeAll(async () => {
  buildAllDocs(); // dist/docs/ exists now, in both languages: it must not ship
  execFileSync("npm", ["pack", "--pack-destination", work, "--silent"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  tarball = join(
    work,
    readdirSync(work).find((name) => name.endsWith(".tgz"))!,
  );
  for (const { name, make, versions } of consumers) {
    const dir = make();
    dirs.set(name, dir);
    for (const version of versions) {
      const check = queued(() => typeCheck(dir, version));
      check.catch(() => {}); // awaited by its test; no unhandled rejection before that
      checks.set(`${name} ${version}`, check);
    }
  }
  // Each operation's path answers its first success example, but the journey's (the instance
  // being created, then ready; a QR, then linked), so that samples that wait see their wait end:
  // the package's own mockFetch behind node:http. The browser page is served too.
  const story = mockFetch({ getStateInstance: ["creating", "notAuthorized"], qr: ["qrCode", "alreadyLogged"] });
  server = await loopback((req, res, body) => {
    if (req.url === "/")
      return answer(200, `<!doctype html><title>consumer</title><script type="module" src="/app.js"></script>`, {
        "Content-Type": "text/html",
      })(req, res, body);
    if (req.url === "/app.js") return answer(200, browserBundle, { "Content-Type": "text/javascript" })(req, res, body);
    const path = decodeURIComponent(req.url!.split("?")[0]!);
    const op = operations.find((o) => pathOf(o, path.split("/").pop()!) === path);
    if (!op || op.family === "partner")
      return op ? answer(200, success(op))(req, res, body) : answer(404, "not found")(req, res, body);
    void story(`http://mock${req.url}`, {
      method: req.method!,
      body: body || undefined,
      headers: { "Content-Type": req.headers["content-type"] ?? "application/json" },
    }).then(async (answered) =>
      res
        .writeHead(answered.status, { "Content-Type": answered.headers.get("Content-Type")! })
        .end(await answered.text()),
    );
  });
}, 180_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});
let browserBundle = "";

describe("the tarball", () => {
  it("ships exactly the package's files, whatever ran before", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    expect(listing.filter((path) => !SHIPPED.some((allowed) => allowed.test(path)))).toEqual([]);
    for (const needed of [
      "package/LICENSE",
      "package/CHANGELOG.md",
      "package/dist/index.js",
      "package/dist/testing.js",
      "package/generated/openapi.json",
    ])
      expect(listing).toContain(needed);
  });

  it("passes publint and @arethetypeswrong/cli, but for what README explains", async () => {
    const lint = await exec(join(root, "node_modules/.bin/publint"), [tarball, "--strict"]);
    expect(lint.stdout).toMatch(/All good/);
    // openapi.yaml is data, not a module; CommonJS loads this ESM package with require() (README, "Install").
    // attw exits non-zero (and exec rejects) on any problem not ignored; the ignored one is the only one listed.
    const attw = await exec(join(root, "node_modules/.bin/attw"), [
      tarball,
      "--exclude-entrypoints",
      "./openapi.yaml",
      "--ignore-rules",
      "cjs-resolves-to-esm",
      "--format",
      "json",
    ]);
    const problems = Object.values(JSON.parse(attw.stdout).problems ?? {}).flat() as Array<{
      kind: string;
      resolutionKind: string;
    }>;
    expect(new Set(problems.map((p) => `${p.kind} ${p.resolutionKind}`))).toEqual(
      new Set(["CJSResolvesToESM node16-cjs"]),
    );
  });

  it("declares its license, repository, homepage, bugs, Node and TypeScript versions", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    for (const key of ["repository", "homepage", "bugs"]) expect(pkg[key], key).toBeTruthy();
    expect(pkg.engines.node).toBe(">=20.19.0");
    expect(pkg.peerDependencies.typescript).toBe(
      `>=${JSON.parse(readFileSync(join(root, "node_modules/typescript-min/package.json"), "utf8"))
        .version.split(".")
        .slice(0, 2)
        .join(".")}`,
    );
  });
});

describe("an ESM TypeScript consumer (nodenext)", () => {
  const esm = consumer("esm", ["typescript", "typescript-min"], () => {
    const samples = Object.fromEntries(
      operations.map((op) => [
        `${op.operationId}.ts`,
        op.operation["x-codeSamples"].find((s: { lang: string }) => s.lang === "TypeScript").source,
      ]),
    );
    // README's journey, type-checked as a reader pastes it (test/readme.test.ts runs it).
    samples["readme-journey.ts"] = /<!-- journey-example:start -->\s*```ts\n([\s\S]*?)```/.exec(
      readFileSync(join(root, "README.md"), "utf8"),
    )![1]!;
    const dir = project(
      "esm",
      { type: "module" },
      {
        ...samples,
        "tsconfig.json": tsconfig(
          { module: "NodeNext", moduleResolution: "NodeNext", resolveJsonModule: true, skipLibCheck: false },
          ["consumer.ts", ...Object.keys(samples)],
        ),
      },
    );
    copyFileSync(join(root, "test/consumer/consumer.ts"), join(dir, "consumer.ts"));
    return dir;
  });

  it("type-checks, @ts-expect-error lines and the docs' samples included, with the newest and the oldest supported TypeScript", async () => {
    await esm.typeChecked();
    await esm.typeChecked("typescript-min");
  }, 180_000);

  it("runs against a loopback server", async () => {
    await esm.typeChecked(); // it also compiles out/
    const { stdout } = await run(esm.dir(), "out/consumer.js");
    const created = success(operations[0]!) as { idInstance: number; typeInstance: string };
    expect(JSON.parse(stdout).outcome).toEqual({ idInstance: created.idInstance, typeInstance: created.typeInstance });
  });

  it.each(operations.map((op) => [op.operationId, op] as const))(
    "runs the docs' TypeScript sample of %s",
    async (id, op) => {
      await esm.typeChecked();
      const { stdout, stderr } = await run(esm.dir(), `out/${id}.js`);
      expect(stderr).toBe("");
      expect(stdout).not.toBe("");
      expect(server.requests.at(-1)!.url.split("?")[0]).toBe(pathOf(op, TOKEN));
    },
  );
});

describe("a consumer under the strictest options (exactOptionalPropertyTypes, noUncheckedIndexedAccess)", () => {
  const strict = consumer("strict", ["typescript"], () => {
    const source = `import { createPartnerClient } from "green-api-partner";
const partner = createPartnerClient({ partnerToken: "gac.strict-test", baseUrl: process.env.GREEN_API_URL });
export async function list(maybeSignal: AbortSignal | undefined) {
  const listed = await partner.getInstances({ signal: maybeSignal });
  return listed.data?.[0]?.idInstance;
}
`;
    const options = {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      noEmit: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
    };
    return project("strict", { type: "module" }, { "app.ts": source, "tsconfig.json": tsconfig(options, ["app.ts"]) });
  });

  it("type-checks an optional baseUrl and signal passed as `T | undefined`", () => strict.typeChecked(), 180_000);
});

describe("a CommonJS consumer (require)", () => {
  const cjs = consumer("cjs", ["typescript"], () => {
    const check = `import partnerApi = require("green-api-partner");
import testing = require("green-api-partner/testing");
const partner = partnerApi.createPartnerClient({ partnerToken: "gac.cjs-test", fetch: testing.mockFetch() });
// @ts-expect-error a yes/no setting takes "yes" or "no"
void partner.createInstance({ stateWebhook: "true" });
`;
    const main = `const { createPartnerClient } = require("green-api-partner");
const spec = require("green-api-partner/openapi.json");
const partner = createPartnerClient({ partnerToken: process.env.GREEN_API_PARTNER_TOKEN, baseUrl: process.env.GREEN_API_URL });
partner.getInstances().then((result) => console.log(JSON.stringify({ count: result.data && result.data.length, title: spec.info.title })));
`;
    return project(
      "cjs",
      { type: "commonjs" },
      {
        "check.cts": check,
        "main.cjs": main,
        "tsconfig.json": tsconfig({ module: "NodeNext", moduleResolution: "NodeNext", noEmit: true }, ["check.cts"]),
      },
    );
  });

  it("type-checks a .cts file that imports the package with require", () => cjs.typeChecked(), 180_000);

  it("runs with require() on this Node", async () => {
    const { stdout, stderr } = await run(cjs.dir(), "main.cjs");
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual({
      count: (success(operations[1]!) as unknown[]).length,
      title: JSON.parse(readFileSync(join(root, "generated/openapi.json"), "utf8")).info.title,
    });
  });
});

describe("a bundler consumer", () => {
  const bundler = consumer("bundler", ["typescript", "typescript-min"], () => {
    const source = `import { createPartnerClient, type InstanceDeleted } from "green-api-partner";
import type { paths } from "green-api-partner/types";
type DeletePath = keyof paths;
const partner = createPartnerClient({ partnerToken: process.env.GREEN_API_PARTNER_TOKEN!, baseUrl: process.env.GREEN_API_URL });
// @ts-expect-error idInstance is a number
void partner.deleteInstanceAccount({ idInstance: "1" });
const result = await partner.deleteInstanceAccount({ idInstance: 1101000001 });
const deleted: InstanceDeleted | undefined = result.data;
const path: DeletePath = "/partner/deleteInstanceAccount/{partnerToken}";
console.log(JSON.stringify({ deleted, path }));
`;
    return project(
      "bundler",
      { type: "module" },
      {
        "app.ts": source,
        "tsconfig.json": tsconfig({ module: "ESNext", moduleResolution: "Bundler", noEmit: true }, ["app.ts"]),
      },
    );
  });

  it("type-checks with the newest and the oldest supported TypeScript", async () => {
    await bundler.typeChecked();
    await bundler.typeChecked("typescript-min");
  }, 180_000);

  it("bundles with esbuild and runs", async () => {
    const dir = bundler.dir();
    await build({
      entryPoints: [join(dir, "app.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: join(dir, "out/app.mjs"),
      logLevel: "silent",
      absWorkingDir: dir,
    });
    const { stdout } = await run(dir, "out/app.mjs");
    expect(JSON.parse(stdout).deleted).toEqual(success(operations[2]!));
  });
});

describe("a types-only consumer with its own openapi-fetch client (node10 resolution)", () => {
  const typesOnly = consumer("types-only", ["typescript"], () => {
    const source = `import createClient from "openapi-fetch";
import type { paths, PartnerInstance } from "green-api-partner/types";
const client = createClient<paths>({ baseUrl: process.env.GREEN_API_URL });
// @ts-expect-error the path must be one of the spec's
void client.GET("/partner/getInstance/{partnerToken}", { params: { path: { partnerToken: "x" } } });
client.GET("/partner/getInstances/{partnerToken}", { params: { path: { partnerToken: process.env.GREEN_API_PARTNER_TOKEN! } } }).then(({ data }) => {
  const list = data as PartnerInstance[];
  console.log(JSON.stringify({ first: list[0]!.idInstance }));
});
`;
    return project(
      "types-only",
      {},
      {
        "app.ts": source,
        "tsconfig.json": tsconfig({ module: "CommonJS", moduleResolution: "Node", esModuleInterop: true }, ["app.ts"]),
      },
      ["openapi-fetch"],
    );
  });

  it("type-checks", () => typesOnly.typeChecked(), 180_000);

  it("runs", async () => {
    await typesOnly.typeChecked(); // it also compiles out/
    const { stdout } = await run(typesOnly.dir(), "out/app.js");
    expect(JSON.parse(stdout).first).toBe((success(operations[1]!) as Array<{ idInstance: number }>)[0]!.idInstance);
  });
});

describe("a browser bundle", () => {
  it("bundles for the browser with no Node built-in, and runs in Chromium against the loopback server", async () => {
    const dir = project(
      "browser",
      { type: "module" },
      {
        "app.ts": `import { createPartnerClient } from "green-api-partner";
const partner = createPartnerClient({ partnerToken: "gac.browser-test", baseUrl: location.origin });
const result = await partner.getInstances();
document.title = JSON.stringify({ count: result.data?.length, kind: result.error?.kind });
`,
      },
    );
    // esbuild refuses a Node built-in for the browser platform: the build itself is the check.
    const result = await build({
      entryPoints: [join(dir, "app.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      absWorkingDir: dir,
    });
    browserBundle = result.outputFiles[0]!.text;
    expect(browserBundle).not.toMatch(/from\s*["']node:|require\(["']node:/);
    if (browserMissing) return;
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await expect.poll(() => page.title(), { timeout: 10_000 }).toContain("count");
      expect(JSON.parse(await page.title())).toEqual({ count: (success(operations[1]!) as unknown[]).length });
    } finally {
      await browser.close();
    }
  });
});

describe('README\'s "Testing your app" example', () => {
  it("runs as a vitest suite in a fresh project, against the mock and mockFetch", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const example = readme
      .split("<!-- testing-example:start -->")[1]!
      .split("<!-- testing-example:end -->")[0]!
      .replace(/```ts\n|```\n?/g, "");
    const dir = project("testing", { type: "module" }, { "app.test.ts": example }, ["vitest", "@stoplight/prism-cli"]);
    const { stdout } = await exec(
      "node",
      [join(root, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, "--reporter", "verbose"],
      { cwd: dir, env: { ...process.env, CI: "1" } },
    );
    const tests = example.match(/^test\(/gm)!.length;
    const plain = stdout.replace(/\x1b\[[\d;]*m/g, ""); // without vitest's colours
    expect(plain).toMatch(new RegExp(`Tests +${tests} passed`));
    expect(plain).not.toMatch(/failed/);
  }, 60_000);

  it("and the mock's command says what to install when Prism is missing, or serves and prints its URL", async () => {
    const bare = project("bin", { type: "module" }, {});
    const bin = join(bare, "node_modules/green-api-partner/bin/green-api-partner-mock.js");
    const missing = await exec("node", [bin, "--port", "0"]).catch((error: { code: number; stderr: string }) => error);
    expect(missing).toMatchObject({ code: 1 });
    expect((missing as { stderr: string }).stderr).toMatch(
      /npm install --save-dev (--save-exact )?@stoplight\/prism-cli/,
    );
    const withPrism = project("bin-prism", { type: "module" }, {}, ["@stoplight/prism-cli"]);
    const child = execFile("node", [
      join(withPrism, "node_modules/green-api-partner/bin/green-api-partner-mock.js"),
      "--port",
      "0",
    ]);
    let out = "";
    child.stdout!.on("data", (chunk) => (out += chunk));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      const url = out.match(/http:\/\/127\.0\.0\.1:\d+/)![0];
      const listed = await fetch(url + pathOf(operations[1]!, TOKEN));
      expect(await listed.json()).toEqual(success(operations[1]!));
    } finally {
      child.kill("SIGINT");
    }
  }, 60_000);
});
