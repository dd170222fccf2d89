// `npm start`, the main job: it regenerates, lints, builds the docs, serves the docs and the mock
// on loopback, prints both URLs, and Ctrl-C (SIGINT) stops both cleanly. A port in use is said at
// once, with the variable to set, before any work is done.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../scripts/prism.js";
import { root } from "./helpers/run.js";
import { CREATE_INSTANCE_PATH } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

describe("npm start", () => {
  const snapshot = () =>
    readdirSync(join(root, "generated"))
      .map((name) => name + readFileSync(join(root, "generated", name), "utf8"))
      .join("\n");

  it("serves the docs and the mock, and stops both on Ctrl-C", async () => {
    const before = snapshot();
    const [mockPort, docsPort] = [await freePort(), await freePort()];
    const child = spawn("node", ["scripts/start.js"], {
      cwd: root,
      env: { ...process.env, PORT: String(mockPort), DOCS_PORT: String(docsPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      // An event, not a poll against a clock: the line arrives, or the child exits first and this fails.
      await new Promise<void>((resolve, reject) => {
        const check = () => out.includes("Ctrl-C stops both") && resolve();
        child.stdout.on("data", check);
        child.on("exit", (code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`)));
        check();
      });
      expect(out).toContain(`http://127.0.0.1:${docsPort}/`);
      expect(out).toContain(`http://127.0.0.1:${mockPort}`);

      for (const [path, lang] of [
        ["/", "en"],
        ["/ru/", "ru"],
      ]) {
        const docs = await fetch(`http://127.0.0.1:${docsPort}${path}`);
        expect(docs.status).toBe(200);
        expect(await docs.text()).toContain(`<html lang="${lang}">`);
      }
      // As typed in an address bar: the Russian page without its trailing slash.
      const ru = await fetch(`http://127.0.0.1:${docsPort}/ru`, { redirect: "manual" });
      expect([ru.status, ru.headers.get("location")]).toEqual([301, "/ru/"]);

      const created = await fetch(
        `http://127.0.0.1:${mockPort}${CREATE_INSTANCE_PATH.replace("{partnerToken}", TOKEN)}`,
        {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ name: "start" }),
        },
      );
      expect(created.status).toBe(200);
      expect(await created.json()).toHaveProperty("idInstance");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    // npm start regenerates; had that changed anything, generated/ was stale in the commit.
    expect(snapshot() === before, "npm start rewrote generated/: it was stale").toBe(true);
    expect(out).toContain("Stopped the docs and the mock.");
    await expect(fetch(`http://127.0.0.1:${mockPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${docsPort}/`)).rejects.toThrow();
  }, 120_000);

  describe.each(["DOCS_PORT", "PORT"])("with the port of %s in use", (variable) => {
    it("says so at once, names the variable to set, and exits non-zero with no stack trace", async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      const busy = (taken.address() as { port: number }).port;
      const other = await freePort();
      try {
        const env = { ...process.env, PORT: String(other), DOCS_PORT: String(other), [variable]: String(busy) };
        if (variable === "PORT") env.DOCS_PORT = String(await freePort());
        const result = spawnSync("node", ["scripts/start.js"], { cwd: root, env, encoding: "utf8", timeout: 30_000 });
        const out = `${result.stdout}${result.stderr}`;
        expect(result.status, out).toBe(1);
        expect(out).toContain(`port ${busy} is in use: set ${variable} to a free port`);
        // Before any work: no step ran, so no step was announced.
        expect(out).not.toContain("•");
        expect(out).not.toMatch(/^\s+at /m);
      } finally {
        taken.close();
      }
    });
  });
});
