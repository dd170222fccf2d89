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
import { type SpecOperation, createInstanceOp, deref, namedExamples, operations, spec } from "./helpers/spec.js";

const outputDir = join(root, "test-output");
let docsPath: string;
let browser: Browser;
let page: Page;
const leftThePage: string[] = [];

/** Every field of an operation: its request body, its result (a list's items) and the error body. */
const fieldsOf = (op: SpecOperation): string[] =>
  [op.requestSchema, op.successSchema.items ? deref(op.successSchema.items) : op.successSchema, op.errorSchema]
    .filter(Boolean)
    .flatMap((schema) => Object.keys(schema.properties));

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
  /** What a reader sees of each operation after one click from the first view. */
  const seen = new Map<string, { text: string; errorText: string; html: string }>();

  async function firstView() {
    await page.goto(pathToFileURL(docsPath).href, { waitUntil: "load" });
    await page.getByRole("heading", { name: spec.info.title }).first().waitFor({ timeout: 30_000 });
  }

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
    for (const op of operations) {
      // As a reader does: from the first view, one click on the operation in the partner workflow.
      await firstView();
      await page.locator(`a[href="#operation/${op.operationId}"]`).first().click();
      await page.getByRole("heading", { name: op.operation.summary }).first().waitFor({ timeout: 10_000 });
      const result = { text: await page.locator("body").innerText(), html: await page.content() };
      // Then the error body's branch of every oneOf, as a reader switches to it.
      for (const button of await page.locator("button", { hasText: /PartnerError/ }).all()) await button.click();
      await page.getByText(deref(spec.components.schemas.PartnerError).properties.code.description).first().waitFor({ timeout: 5000 });
      seen.set(op.operationId, { ...result, errorText: await page.locator("body").innerText() });
    }
    await firstView();
  }, 120_000);
  afterAll(() => browser?.close());

  it("shows the partner workflow and the quirks in the first view's own headings", async () => {
    const headings = [...spec.info.description.matchAll(/^## (.+)$/gm)].map((m: RegExpMatchArray) => m[1]);
    expect(headings.length).toBeGreaterThanOrEqual(3);
    for (const heading of headings) expect(await page.getByRole("heading", { name: heading }).first().isVisible(), heading).toBe(true);
    for (const op of operations) expect(await page.locator(`a[href="#operation/${op.operationId}"]`).first().isVisible(), op.operationId).toBe(true);
  });

  describe.each(operations.map((op) => [op.operationId, op] as const))("%s, one click from the first view", (_, op) => {
    it("shows its summary, method, path and description", () => {
      const { text } = seen.get(op.operationId)!;
      expect(text).toContain(op.operation.summary);
      expect(text).toContain(op.path);
      expect(text).toContain(op.method.toUpperCase());
      expect(text).toContain(op.operation.description.split("\n")[0].slice(0, 40));
    });

    it("shows every field of its request, its result and the error body", () => {
      const { text, errorText } = seen.get(op.operationId)!;
      for (const name of fieldsOf(op)) expect(`${text}\n${errorText}`, name).toContain(name);
    });

    it("offers every named example of it", () => {
      const html = seen.get(op.operationId)!.html.replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, "&");
      for (const example of namedExamples().filter((e) => e.operationId === op.operationId))
        expect(html, example.name).toContain(deref(spec.components.examples[example.name]).summary);
    });

    it("offers its code samples, and shows the first", () => {
      const { text, html } = seen.get(op.operationId)!;
      for (const sample of op.operation["x-codeSamples"]) expect(html).toContain(sample.label);
      expect(text).toContain(op.operation["x-codeSamples"][0].source.split("\n")[1].slice(0, 20));
    });
  });

  it("shows bounds, defaults and the temporarily-not-working mark of createInstance's fields", () => {
    const { text } = seen.get("createInstance")!;
    const requestSchema = createInstanceOp.requestSchema;
    for (const [name, raw] of Object.entries<object>(requestSchema.properties)) {
      const field = deref(raw);
      if (field.minimum !== undefined) expect(text, name).toContain(`${field.minimum} .. ${field.maximum}`);
      if (field.default !== undefined) expect(text, name).toContain(String(field.default));
    }
    const marked = Object.values<object>(requestSchema.properties).filter((s) => deref(s)["x-temporarily-not-working"]);
    // Redoc shows an extension without its `x-` prefix.
    expect(text.split("temporarily-not-working: true").length - 1).toBe(marked.length);
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
