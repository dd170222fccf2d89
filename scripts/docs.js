#!/usr/bin/env node
// `npm run docs`: the API reference in English and Russian, built by Redocly from the bundled
// specs into self-contained files, dist/docs/index.html and dist/docs/ru/index.html: the renderer
// is inlined (no CDN), telemetry is off (redocly.yaml), so each works from disk, on an intranet
// and on any static host. Each page links to the other from its first view.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
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
  execFileSync(
    join(root, "node_modules/.bin/redocly"),
    [
      "build-docs",
      page.spec,
      "-o",
      output,
      "--inlineBundle",
      "-t",
      join(root, "scripts/docs-template.hbs"),
      "--title",
      page.title(loadSpec(page.spec).info.title),
      ...Object.entries(options).map(([key, value]) => `--templateOptions.${key}=${value}`),
    ],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
  writeFileSync(output, readFileSync(output, "utf8").replace(CDN_IMAGE, EMPTY_IMAGE));
  return output;
}

/** Both pages, side by side in `dir`. */
export function buildAllDocs(dir = docsDir) {
  return Object.entries(languages).map(([lang, page]) => buildDocs({ lang, output: join(dir, page.file) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const file of buildAllDocs()) console.log(`Wrote ${file}`);
