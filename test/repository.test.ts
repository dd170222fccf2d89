// What a new user meets first, outside the code: README's install line agrees with the peer range
// npm will check it against, and the GitHub Actions workflows (CI, the hosted reference, releases)
// are valid, offline, and do what README says they do.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { root } from "./helpers/run.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- workflows are free-form YAML
// semver comes with the dev tools (npm's own range rules); it ships no types of its own.
const semver = createRequire(import.meta.url)("semver") as {
  subset(a: string, b: string): boolean;
  satisfies(v: string, r: string): boolean;
};
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("README's Prism install line", () => {
  const line = readme.split("\n").find((l) => /^npm install .*@stoplight\/prism-cli@/.test(l))!;
  const [, flags, version] = line.match(/^npm install (.*)@stoplight\/prism-cli@(\S+)/)!;
  const peer = pkg.peerDependencies["@stoplight/prism-cli"];

  it("saves a range inside the package's peer range, so the next install cannot conflict", () => {
    // What npm writes into the user's package.json: the exact version with --save-exact, else ^version.
    const saved = flags!.includes("--save-exact") ? version! : `^${version}`;
    expect(semver.subset(saved, peer), `README saves ${saved}; the peer range is ${peer}`).toBe(true);
  });

  it("names the version this repository's own tests run", () => {
    expect(version).toBe(pkg.devDependencies["@stoplight/prism-cli"]);
    expect(semver.satisfies(version!, peer)).toBe(true);
  });
});

describe("the GitHub Actions workflows", () => {
  const dir = join(root, ".github/workflows");
  const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
  const workflow = (name: string): Json => parse(readFileSync(join(dir, name), "utf8"));
  const validate = (file: string) =>
    spawnSync(join(root, "node_modules/.bin/action-validator"), [file], { encoding: "utf8" });
  const steps = (w: Json): Json[] => Object.values<Json>(w.jobs).flatMap((job) => job.steps ?? []);
  const runs = (w: Json) =>
    steps(w)
      .map((step) => step.run ?? "")
      .join("\n");
  const uses = (w: Json) => steps(w).map((step) => step.uses ?? "");

  it.each(files)("%s passes @action-validator/cli (offline: its schema is built in)", (name) => {
    const result = validate(join(dir, name));
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it("and the validator refuses a broken one", () => {
    const broken = join(tmpdir(), `broken-${process.pid}.yml`);
    writeFileSync(
      broken,
      "name: broken\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: npm test\n",
    );
    expect(validate(broken).status).not.toBe(0);
  });

  it("CI runs .ci/run, which ends with README's test command, on every push and pull request, with Node 20", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    expect(runs(ci)).toContain("bash .ci/run");
    expect(ci.jobs.test.container).toMatch(/^node:20\b/);
    const ciRun = readFileSync(join(root, ".ci/run"), "utf8").trim().split("\n");
    expect(ciRun.at(-1)).toBe("npm test");
    expect(readme).toMatch(/^npm test\s/m);
    expect(ciRun.join("\n")).toMatch(/apt-get install .*chromium curl/);
  });

  it("Pages builds both reference pages from main and deploys them with the right permissions", () => {
    const pages = workflow("pages.yml");
    expect(pages.on.push.branches).toEqual(["main"]);
    expect(runs(pages)).toContain("npm run docs");
    const upload = steps(pages).find((step) => step.uses?.startsWith("actions/upload-pages-artifact@"));
    expect(upload?.with.path).toBe("dist/docs");
    expect(uses(pages).some((u) => u.startsWith("actions/deploy-pages@"))).toBe(true);
    expect(pages.jobs.deploy.permissions).toEqual({ pages: "write", "id-token": "write" });
    expect(pages.jobs.deploy.environment.name).toBe("github-pages");
  });

  it("publish runs on a version tag, with npm provenance and an OIDC token", () => {
    const publish = workflow("publish.yml");
    expect(publish.on.push.tags).toEqual(["v*"]);
    expect(runs(publish)).toMatch(/npm publish --provenance/);
    expect(publish.jobs.publish.permissions["id-token"]).toBe("write");
  });

  it.each(files)("%s sets up Node 20 wherever it sets up Node", (name) => {
    for (const step of steps(workflow(name)).filter((s) => s.uses?.startsWith("actions/setup-node@")))
      expect(String(step.with["node-version"])).toBe("20");
  });
});

it("README links the hosted reference where Pages serves the repository named in package.json", () => {
  const [, owner, name] = pkg.repository.url.match(/github\.com\/([^/]+)\/([^/.]+)(\.git)?$/)!;
  const url = `https://${owner}.github.io/${name}/`;
  expect(readme).toContain(`<${url}>`);
  expect(readme).toContain(`<${url}ru/>`);
});

describe("formatting", () => {
  it("src/, scripts/, test/ and bin/ are as Prettier writes them (npm run format fixes it)", () => {
    const prettier = join(root, "node_modules/prettier/bin/prettier.cjs");
    const run = spawnSync(process.execPath, [prettier, "--list-different", "src", "scripts", "test", "bin"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim(), "files Prettier would change").toBe("");
    expect(run.status).toBe(0);
  });
});

describe("package-lock.json", () => {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const entries = Object.entries<Record<string, unknown>>(lock.packages);

  // npm 10, which Node 20 bundles, drops the `libc` fields npm 11 writes (and npm 11 keeps a lock
  // without them as it is), so a lock with them changed on a fresh `npm install` with Node 20's
  // own npm. Written without them, it stays the same under both.
  it("stays as it is under a fresh npm install with npm 10 or 11: no libc field", () => {
    expect(lock.lockfileVersion).toBe(3);
    const withLibc = entries.filter(([, entry]) => "libc" in entry).map(([path]) => path);
    expect(withLibc, "rewrite the lock with npm 10: rm -rf node_modules && npx npm@10 install").toEqual([]);
  });

  it("holds no registry URL, as .npmrc tells every npm (omit-lockfile-registry-resolved)", () => {
    expect(readFileSync(join(root, ".npmrc"), "utf8")).toMatch(/^omit-lockfile-registry-resolved=true$/m);
    expect(entries.filter(([, entry]) => "resolved" in entry).map(([path]) => path)).toEqual([]);
  });

  it("matches package.json's dependencies, exactly pinned", () => {
    const top = lock.packages[""];
    for (const field of ["dependencies", "devDependencies", "peerDependencies"] as const)
      expect(top[field], field).toEqual(pkg[field]);
  });
});
