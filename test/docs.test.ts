// The published reference, checked the way a person sees it: built by `npm run docs`, opened
// from disk in headless Chromium, with every field and example of the spec visible, no request
// leaving the page, no serious accessibility violation, and a screenshot kept in test-output/.
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocs } from "../scripts/docs.js";
import { browserMissing, launch } from "./helpers/browser.js";
import { root } from "./helpers/run.js";
import { createInstance, deref, namedExamples, requestSchema, spec } from "./helpers/spec.js";

const outputDir = join(root, "test-output");
let docsPath: string;
let browser: Browser;
let page: Page;
const leftThePage: string[] = [];

const responseBranches = deref(deref(createInstance.responses["200"]).content["application/json"].schema).oneOf.map(deref);
const fieldNames = [requestSchema, ...responseBranches].flatMap((schema) => Object.keys(schema.properties));

beforeAll(() => {
  // Its own copy: `npm start`, tested at the same time, writes dist/docs/ too.
  docsPath = buildDocs({ output: join(mkdtempSync(join(tmpdir(), "docs-")), "index.html") });
});

describe("the built reference file", () => {
  it("is self-contained: no script, style or font is loaded from elsewhere", () => {
    const html = readFileSync(docsPath, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/i);
    expect(html).not.toMatch(/@import\s+url\(["']?https?:/i);
  });

  it("is titled after the spec", () => {
    expect(readFileSync(docsPath, "utf8")).toContain(`<title>${spec.info.title}`);
  });
});

describe.skipIf(browserMissing)("the reference in Chromium", () => {
  beforeAll(async () => {
    browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      leftThePage.push(url);
      return route.abort();
    });
    page = await context.newPage();
    await page.goto(pathToFileURL(docsPath).href, { waitUntil: "load" });
    // As a reader does: open the operation's tag in the sidebar, then the operation.
    await page.getByText(createInstance.tags[0], { exact: true }).first().click();
    await page.getByText(createInstance.summary).first().click();
    await page.getByRole("heading", { name: createInstance.summary }).first().waitFor({ timeout: 30_000 });
    // Open every oneOf branch, so that the error body's fields are on the page too.
    for (const button of await page.locator("button", { hasText: /PartnerError/ }).all()) await button.click();
  }, 90_000);
  afterAll(() => browser?.close());

  it("shows the createInstance operation, its method and path", async () => {
    expect(await page.getByRole("heading", { name: createInstance.summary }).first().isVisible()).toBe(true);
    const text = await page.locator("body").innerText();
    expect(text).toContain(Object.keys(spec.paths)[0]);
    expect(text).toContain(createInstance.description.split("\n")[0].slice(0, 40));
  });

  it("shows every request and response field of the spec", async () => {
    const text = await page.locator("body").innerText();
    for (const name of fieldNames) expect(text, name).toContain(name);
  });

  it("shows the quirks prominently, in the page's own headings", async () => {
    const headings = [...spec.info.description.matchAll(/^## (.+)$/gm)].map((m: RegExpMatchArray) => m[1]);
    expect(headings.length).toBeGreaterThanOrEqual(2);
    for (const heading of headings) expect(await page.getByRole("heading", { name: heading }).first().isVisible(), heading).toBe(true);
  });

  it("shows bounds, defaults and the temporarily-not-working mark of the request fields", async () => {
    const text = await page.locator("body").innerText();
    for (const [name, raw] of Object.entries<object>(requestSchema.properties)) {
      const field = deref(raw);
      if (field.minimum !== undefined) expect(text, name).toContain(`${field.minimum} .. ${field.maximum}`);
      if (field.default !== undefined) expect(text, name).toContain(String(field.default));
    }
    const marked = Object.values<object>(requestSchema.properties).filter((s) => deref(s)["x-temporarily-not-working"]);
    // Redoc shows an extension without its `x-` prefix.
    expect(text.split("temporarily-not-working: true").length - 1).toBe(marked.length);
  });

  it("offers every named example", async () => {
    const html = await page.content();
    for (const example of namedExamples()) {
      const summary = deref(spec.components.examples[example.name]).summary;
      expect(html, example.name).toContain(summary.replace(/&/g, "&amp;"));
    }
  });

  it("offers the code samples from the spec, and shows the first", async () => {
    const html = await page.content();
    for (const sample of createInstance["x-codeSamples"]) expect(html).toContain(sample.label);
    const text = await page.locator("body").innerText();
    expect(text).toContain(createInstance["x-codeSamples"][0].source.split("\n")[1].slice(0, 20));
  });

  it("sends no request anywhere but the file itself", () => {
    expect(leftThePage).toEqual([]);
  });

  it("has no serious or critical accessibility violation (axe-core)", async () => {
    await page.addScriptTag({ content: axe.source });
    const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run());
    const serious = results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
    expect(serious).toEqual([]);
  });

  it("is saved as a screenshot in test-output/", async () => {
    mkdirSync(outputDir, { recursive: true });
    const file = join(outputDir, "docs.png");
    await page.screenshot({ path: file, fullPage: false });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe("PNG");
  });
});
