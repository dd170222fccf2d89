#!/usr/bin/env node
// `npm run docs`: the API reference in English and Russian, built by Redocly from the bundled
// specs into self-contained files, dist/docs/index.html and dist/docs/ru/index.html: the renderer
// is inlined (no CDN), telemetry is off (redocly.yaml), so each works from disk, on an intranet
// and on any static host. Each page links to the other from its first view.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { bundledSpec, root } from "./prism.js";
import { loadSpec } from "./spec.js";

export const docsDir = join(root, "dist/docs");

// Redoc's attribution logo is an <img> from its CDN, which the page's CSP blocks (a console error
// on every load): an empty inline image takes its place, and the template hides the link.
const CDN_IMAGE = /https:\/\/cdn\.redoc\.ly\/[^`'"]+\.svg/g;
const EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='0' height='0'/%3E";

/** The two languages of the reference: which bundle, where it goes, and the page's own words. */
export const languages = {
  en: {
    spec: bundledSpec,
    file: "index.html",
    title: (t) => `${t} reference`,
    other: "ru",
    otherLabel: "Русская версия",
    exampleLabel: "Example",
  },
  ru: {
    spec: join(root, "generated/openapi.ru.json"),
    file: "ru/index.html",
    title: (t) => `${t} — справочник`,
    other: "en",
    otherLabel: "English version",
    exampleLabel: "Пример",
  },
};

/**
 * The code-sample languages Redoc's menu offers, for a bundle: Redoc CE shows an `x-codeSamples`
 * entry only when its config lists a language of that sample's label (or lang, without a label),
 * and its default list (curl, JavaScript, Node.js, Python, ...) has no TypeScript, so the
 * package's own samples were hidden. So every label the bundle uses, in the order met, then the
 * request body ("Payload"). The labels are per language (the Russian overlay translates them).
 * @returns {Array<{ lang: string, label: string }>}
 */
export function codeSampleLanguages(bundle) {
  const languages = new Map();
  for (const item of Object.values(bundle.paths ?? {}))
    for (const operation of Object.values(item))
      for (const sample of operation?.["x-codeSamples"] ?? [])
        languages.set(sample.label ?? sample.lang, { lang: sample.lang, label: sample.label ?? sample.lang });
  return [...languages.values(), { lang: "Payload", label: "Payload" }];
}

/** redocly.yaml with the bundle's code-sample languages, written to a temporary file for `--config`. */
function configFor(bundle) {
  const config = parse(readFileSync(join(root, "redocly.yaml"), "utf8"));
  config.openapi = { ...config.openapi, codeSamples: { languages: codeSampleLanguages(bundle) } };
  const dir = mkdtempSync(join(tmpdir(), "green-api-docs-"));
  writeFileSync(join(dir, "redocly.yaml"), stringify(config));
  return { file: join(dir, "redocly.yaml"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds one language's page; `output` defaults to its place in dist/docs/. */
export function buildDocs({ lang = "en", output = join(docsDir, languages[lang].file) } = {}) {
  const page = languages[lang];
  const other = languages[page.other];
  mkdirSync(dirname(output), { recursive: true });
  const options = {
    lang,
    otherLang: page.other,
    otherLabel: page.otherLabel,
    // The other page's place relative to this one, as laid out in dist/docs/.
    otherHref: relative(dirname(join(docsDir, page.file)), join(docsDir, other.file)),
    exampleLabel: page.exampleLabel,
  };
  const bundle = loadSpec(page.spec);
  const config = configFor(bundle);
  try {
    execFileSync(
      join(root, "node_modules/.bin/redocly"),
      [
        "build-docs",
        page.spec,
        "-o",
        output,
        "--config",
        config.file,
        "--inlineBundle",
        "-t",
        join(root, "scripts/docs-template.hbs"),
        "--title",
        page.title(bundle.info.title),
        ...Object.entries(options).map(([key, value]) => `--templateOptions.${key}=${value}`),
      ],
      {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      },
    );
  } finally {
    config.remove();
  }
  writeFileSync(output, readFileSync(output, "utf8").replace(CDN_IMAGE, EMPTY_IMAGE));
  return output;
}

/** Both pages, side by side in `dir`. */
export function buildAllDocs(dir = docsDir) {
  return Object.entries(languages).map(([lang, page]) => buildDocs({ lang, output: join(dir, page.file) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const file of buildAllDocs()) console.log(`Wrote ${file}`);
