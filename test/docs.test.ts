// The published reference, in both languages, checked the way a person sees it: built by
// `npm run docs`, opened from disk in headless Chromium, each operation one click from the first
// view with every field and example of the spec, the quirks in the first view, the other language
// one click away, no request leaving the page and nothing blocked or failing on load, no serious
// accessibility violation on the first view or with an operation of each method open, the
// language link covering nothing at a phone's width or a desktop's, and screenshots kept in
// test-output/. What each page must show is read from the bundle it is built from: the English
// spec, or the Russian one.
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import axe from "axe-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAllDocs, languages } from "../scripts/docs.js";
import { loadSpec } from "../scripts/spec.js";
import { browserMissing, launch } from "./helpers/browser.js";
import { root } from "./helpers/run.js";
import { type SpecOperation, createInstanceOp, deref, namedExamples, operations } from "./helpers/spec.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a spec is free-form JSON
const outputDir = join(root, "test-output");
// Its own copy: `npm start` and the consumer test, run at the same time, write dist/docs/ too.
const dir = mkdtempSync(join(tmpdir(), "docs-"));
beforeAll(() => void buildAllDocs(dir), 120_000);

/** Every field of an operation: its request body, its result (a list's items) and the error body. */
const fieldsOf = (op: SpecOperation): string[] =>
  [op.requestSchema, resultOf(op), op.failureStyle === "inside-200" ? op.errorSchema : undefined]
    .filter(Boolean)
    .flatMap((schema) => Object.keys(schema.properties ?? {}));
/** An operation's result object: a list's items, the non-null branch of a result-or-null. */
function resultOf(op: SpecOperation) {
  const schema = op.successSchema.items ? deref(op.successSchema.items) : op.successSchema;
  const branch = (schema.oneOf ?? []).map(deref).find((b: { type?: string }) => b.type !== "null");
  return branch ?? schema;
}

const pages = Object.entries(languages).map(([lang, page]) => [lang, page] as const);
/** One operation of each HTTP method the spec uses: axe runs with each of them open. */
const byMethod = [...new Map(operations.map((op) => [op.method, op])).values()];
/** A phone's width and a desktop's, for the language link's place. */
const widths = [390, 1400];

/** axe-core on what a page shows now: its serious and critical violations, one line each. */
async function seriousViolations(tab: Page) {
  await tab.addScriptTag({ content: axe.source });
  const results = await tab.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run());
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(", ")}`,
    );
}

describe.each(pages)("the %s reference", (lang, page) => {
  const bundle: Json = loadSpec(page.spec);
  const file = () => join(dir, page.file);
  const operationIn = (op: SpecOperation) => bundle.paths[op.path][op.method];
  const title = page.title(bundle.info.title);

  describe("as a file", () => {
    it("is self-contained: no script, style or font is loaded from elsewhere", () => {
      const html = readFileSync(file(), "utf8");
      expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
      expect(html).not.toMatch(/<link[^>]+href=["']https?:/i);
      expect(html).not.toMatch(/@import\s+url\(["']?https?:/i);
    });

    it("writes its servers' descriptions as plain text: Redoc's Servers card shows them as written", () => {
      expect(bundle.servers.length).toBeGreaterThan(0);
      for (const server of bundle.servers) expect(server.description, server.url).not.toMatch(/`|\*\*|\]\(/);
    });

    it("declares its language and is titled in it", () => {
      const html = readFileSync(file(), "utf8");
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`<title>${title}</title>`);
    });
  });

  describe.skipIf(browserMissing)("in Chromium", () => {
    let browser: Browser;
    let context: BrowserContext;
    let tab: Page;
    const leftThePage: string[] = [];
    /** Console errors and warnings (a CSP block is one), failed loads and uncaught errors of every load. */
    const troubles: string[] = [];
    /** axe-core's serious violations with one operation of each method open. */
    const openedViolations = new Map<string, string[]>();
    /** What a reader sees of each operation after one click from the first view. */
    const seen = new Map<string, { text: string; errorText: string; html: string }>();
    /** Each operation's request samples: its language menu, each language's sample as shown, and lines cut off. */
    const samples = new Map<string, { menu: string[]; shown: Map<string, string>; cut: string[] }>();

    /** The open operation's request-samples panel, read as a reader uses it: every language of its menu chosen in turn. */
    async function samplesOf(op: SpecOperation) {
      const panel = tab.locator(".panel-request-samples").filter({ hasText: op.path }).first();
      const labels: string[] = operationIn(op)["x-codeSamples"].map((c: { label: string }) => c.label);
      const exactly = (label: string) => new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
      const menuButton = (label: string) =>
        panel.locator('button[aria-haspopup="menu"]').filter({ hasText: exactly(label) });
      const cut = await panel
        .locator("pre")
        .evaluateAll((pres) =>
          pres.filter((pre) => pre.scrollWidth > pre.clientWidth).map((pre) => (pre.textContent ?? "").slice(0, 60)),
        );
      // A panel with one language has no menu at all (as getInstances' had, with curl only).
      const hasMenu = (await menuButton(labels[0]!).count()) > 0;
      if (hasMenu) await menuButton(labels[0]!).click();
      const menu = hasMenu ? await tab.getByRole("menuitem").allInnerTexts() : [];
      const shown = new Map<string, string>();
      // Each language chosen in turn, and the first again last: Redoc keeps the choice for every operation.
      let current = labels[0]!;
      let open = true; // the menu is open already, the first time
      for (const label of [...labels.slice(1), labels[0]!]) {
        if (!menu.includes(label)) continue; // not offered: the test below says so
        if (!open) await menuButton(current).click();
        open = false;
        await tab
          .getByRole("menuitem")
          .filter({ hasText: exactly(label) })
          .click();
        current = label;
        await menuButton(label).waitFor();
        shown.set(label, await panel.innerText());
      }
      return { menu, shown, cut };
    }

    async function firstView() {
      await tab.goto(pathToFileURL(file()).href, { waitUntil: "load" });
      await tab.getByRole("heading", { name: bundle.info.title }).first().waitFor({ timeout: 30_000 });
    }

    beforeAll(async () => {
      browser = await launch();
      context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
        leftThePage.push(url);
        return route.abort();
      });
      tab = await context.newPage();
      tab.on(
        "console",
        (message) =>
          ["error", "warning"].includes(message.type()) &&
          troubles.push(`console ${message.type()}: ${message.text()}`),
      );
      tab.on("requestfailed", (request) =>
        troubles.push(`failed load: ${request.url()} (${request.failure()?.errorText})`),
      );
      tab.on("pageerror", (error) => troubles.push(`uncaught: ${error.message}`));
      for (const op of operations) {
        // As a reader does: from the first view, one click on the operation in the partner workflow.
        await firstView();
        await tab.locator(`a[href="#operation/${op.operationId}"]`).first().click();
        await tab
          .getByRole("heading", { name: operationIn(op).summary })
          .first()
          .waitFor({ timeout: 10_000 });
        // The samples panel, which shows the path, renders after the heading: read the page once it is there.
        await tab.locator(".panel-request-samples").filter({ hasText: op.path }).first().waitFor();
        const result = { text: await tab.locator("body").innerText(), html: await tab.content() };
        if (byMethod.includes(op)) openedViolations.set(op.method, await seriousViolations(tab));
        // Then, for a partner method, the error body's branch of every oneOf, as a reader switches to it.
        if (op.failureStyle === "inside-200") {
          for (const button of await tab.locator("button", { hasText: /PartnerError/ }).all()) await button.click();
          await tab
            .getByText(bundle.components.schemas.PartnerError.properties.code.description)
            .first()
            .waitFor({ timeout: 5000 });
        }
        seen.set(op.operationId, { ...result, errorText: await tab.locator("body").innerText() });
        samples.set(op.operationId, await samplesOf(op));
      }
      await firstView();
    }, 120_000);
    afterAll(() => browser?.close());

    it("shows the partner workflow and the quirks in the first view's own headings", async () => {
      const headings = [...bundle.info.description.matchAll(/^## (.+)$/gm)].map((m: RegExpMatchArray) => m[1]);
      expect(headings.length).toBeGreaterThanOrEqual(3);
      for (const heading of headings)
        expect(await tab.getByRole("heading", { name: heading }).first().isVisible(), heading).toBe(true);
      for (const op of operations)
        expect(await tab.locator(`a[href="#operation/${op.operationId}"]`).first().isVisible(), op.operationId).toBe(
          true,
        );
    });

    describe.each(operations.map((op) => [op.operationId, op] as const))(
      "%s, one click from the first view",
      (_, op) => {
        it("shows its summary, method, path and description", () => {
          const { text } = seen.get(op.operationId)!;
          expect(text).toContain(operationIn(op).summary);
          expect(text).toContain(op.path);
          expect(text).toContain(op.method.toUpperCase());
          expect(text).toContain(operationIn(op).description.split("\n")[0].replace(/[`*]/g, "").slice(0, 40));
        });

        it("shows every field of its request, its result and the error body", () => {
          const { text, errorText } = seen.get(op.operationId)!;
          for (const name of fieldsOf(op)) expect(`${text}\n${errorText}`, name).toContain(name);
        });

        it("offers every named example of it", () => {
          const html = seen
            .get(op.operationId)!
            .html.replace(/&#x27;|&#39;/g, "'")
            .replace(/&amp;/g, "&")
            .replace(/&quot;/g, '"');
          for (const example of namedExamples().filter((e) => e.operationId === op.operationId))
            expect(html, example.name).toContain(bundle.components.examples[example.name].summary);
        });

        it("offers its code samples, and shows the first", () => {
          const { text, html } = seen.get(op.operationId)!;
          for (const sample of operationIn(op)["x-codeSamples"]) expect(html).toContain(sample.label);
          expect(text).toContain(operationIn(op)["x-codeSamples"][0].source.split("\n")[1].slice(0, 20));
        });

        it("lists every code sample in its language menu, shows each when chosen, and cuts no line off", () => {
          const { menu, shown, cut } = samples.get(op.operationId)!;
          for (const sample of operationIn(op)["x-codeSamples"]) {
            expect(menu, sample.label).toContain(sample.label);
            const firstLine = sample.source.split("\n").find((line: string) => line.trim())!;
            expect(shown.get(sample.label), sample.label).toContain(firstLine.slice(0, 20));
          }
          // A long curl line wraps inside the panel instead of running past its right edge.
          expect(cut).toEqual([]);
        });
      },
    );

    it("shows the Webhooks group, and every webhook where its link (#operation/<typeWebhook>) leads", async () => {
      const webhooks = Object.values<Json>(bundle.webhooks ?? {}).map((item) => item.post);
      expect(webhooks.length).toBeGreaterThan(0);
      const group = bundle.tags.find((t: { name: string }) => t.name === webhooks[0].tags[0]);
      expect(
        await tab
          .getByText(group["x-displayName"] ?? group.name, { exact: true })
          .first()
          .isVisible(),
      ).toBe(true);
      // The links the spec's texts use (`#operation/<typeWebhook>`, from the settings that turn each on) lead to it.
      for (const webhook of webhooks) {
        await tab.goto(`${pathToFileURL(file()).href}#operation/${webhook.operationId}`, { waitUntil: "load" });
        const heading = tab.getByRole("heading", { name: webhook.summary }).first();
        await heading.waitFor({ timeout: 10_000 });
        expect(await heading.isVisible(), webhook.operationId).toBe(true);
        expect(await tab.evaluate(() => location.hash), webhook.operationId).toMatch(/^#\/webhooks\//);
      }
      await firstView();
    });

    it("shows bounds, defaults and the temporarily-not-working mark of createInstance's fields", () => {
      const { text } = seen.get("createInstance")!;
      const requestSchema = createInstanceOp.requestSchema;
      for (const [name, raw] of Object.entries<object>(requestSchema.properties)) {
        const field = deref(raw);
        if (field.minimum !== undefined) expect(text, name).toContain(`${field.minimum} .. ${field.maximum}`);
        if (field.default !== undefined) expect(text, name).toContain(String(field.default));
      }
      const marked = Object.values<object>(requestSchema.properties).filter(
        (s) => deref(s)["x-temporarily-not-working"],
      );
      // Redoc shows an extension without its `x-` prefix.
      expect(text.split("temporarily-not-working: true").length - 1).toBe(marked.length);
    });

    it("shows what each known messenger value means beside it (x-enumDescriptions)", () => {
      const { text } = seen.get("createInstance")!;
      const described = Object.entries<string>(bundle.components.schemas.TypeInstanceKnown["x-enumDescriptions"]);
      expect(described.length).toBeGreaterThan(0);
      // Redoc renders them as a table: the value's cell, then its description's.
      for (const [value, meaning] of described)
        expect(text, value).toMatch(new RegExp(`(^|\\s)${value}\\s+${meaning}(\\s|$)`));
    });

    it("has no serious or critical accessibility violation (axe-core)", async () => {
      expect(await seriousViolations(tab)).toEqual([]);
    });

    it.each(byMethod.map((op) => [op.method.toUpperCase(), op] as const))(
      "has none with a %s operation open either (its method badge included)",
      (_, op) => {
        expect(openedViolations.get(op.method)).toEqual([]);
      },
    );

    it("loads with no console error or warning, nothing blocked and nothing failing", () => {
      expect(troubles).toEqual([]);
    });

    it.each(widths)("at %i px wide, its language link covers no button, heading or text", async (width) => {
      const narrow = await context.newPage();
      try {
        await narrow.setViewportSize({ width, height: 844 });
        await narrow.goto(pathToFileURL(file()).href, { waitUntil: "load" });
        await narrow.getByRole("heading", { name: bundle.info.title }).first().waitFor({ timeout: 30_000 });
        const overlaps = await narrow.evaluate(() => {
          const link = document.querySelector("a.lang-switch")!.getBoundingClientRect();
          const visible = (e: Element) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden" ? r : null;
          };
          // Whatever a reader reads or presses: controls, pictures, and every element holding text.
          const control = (e: Element) => e.matches("button, a, img, svg, input");
          const holdsText = (e: Element) =>
            Array.from(e.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
          return Array.from(document.querySelectorAll("#redoc *"))
            .filter((e) => control(e) || holdsText(e))
            .map((e) => [e, visible(e)] as const)
            .filter(
              ([, r]) => r && r.left < link.right && link.left < r.right && r.top < link.bottom && link.top < r.bottom,
            )
            .map(([e]) => `${e.tagName.toLowerCase()} "${(e.textContent ?? "").trim().slice(0, 40)}"`);
        });
        expect(overlaps).toEqual([]);
        mkdirSync(outputDir, { recursive: true });
        await narrow.screenshot({ path: join(outputDir, `docs-${lang}-${width}px.png`) });
      } finally {
        await narrow.close();
      }
    });

    it("is saved as a screenshot in test-output/", async () => {
      mkdirSync(outputDir, { recursive: true });
      const shot = join(outputDir, `docs-${lang}.png`);
      await tab.screenshot({ path: shot, fullPage: false });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
    });

    it("links to the other language from its first view, which opens from disk too", async () => {
      const other = languages[page.other as keyof typeof languages];
      const otherBundle: Json = loadSpec(other.spec);
      const link = tab.locator("a.lang-switch");
      expect(await link.isVisible()).toBe(true);
      expect(await link.getAttribute("hreflang")).toBe(page.other);
      await link.click();
      await tab.getByRole("heading", { name: otherBundle.info.title }).first().waitFor({ timeout: 30_000 });
      expect(await tab.evaluate(() => document.documentElement.lang)).toBe(page.other);
    });

    it("sends no request anywhere but the files themselves", () => {
      expect(leftThePage).toEqual([]);
    });
  });
});
