// `npm start`, the main job: it regenerates, lints, builds the docs, serves the docs and the mock
// on loopback, prints both URLs, and Ctrl-C (SIGINT) stops both cleanly.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
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
      await expect.poll(() => out, { timeout: 90_000, interval: 200 }).toContain("Ctrl-C stops both");
      expect(out).toContain(`http://127.0.0.1:${docsPort}/`);
      expect(out).toContain(`http://127.0.0.1:${mockPort}`);

      for (const [path, lang] of [["/", "en"], ["/ru/", "ru"]]) {
        const docs = await fetch(`http://127.0.0.1:${docsPort}${path}`);
        expect(docs.status).toBe(200);
        expect(await docs.text()).toContain(`<html lang="${lang}">`);
      }

      const created = await fetch(`http://127.0.0.1:${mockPort}${CREATE_INSTANCE_PATH.replace("{partnerToken}", TOKEN)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "start" }),
      });
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
});
