#!/usr/bin/env node
// The Russian reference's overlay (spec/overlays/ru.yaml) against the English spec: which texts
// a reader sees, where they stand, and whether each translation still matches its English.
// Every action records, in `x-source`, a short hash of each English text it translates; when the
// English changes, the hash no longer matches and the translation is stale.
//   node scripts/overlay.js   lists every text with no translation or a stale one, as overlay
//                             actions to fill in (exit 1 when there is any)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { bundleSpec } from "./generate.js";
import { root } from "./prism.js";

export const overlayFile = join(root, "spec/overlays/ru.yaml");

/** Keys whose string value a reader of the reference sees as prose. */
const PROSE = new Set(["summary", "description", "x-pattern-description", "x-displayName"]);
/** Keys under which stand data, code and identifiers, never prose. */
const NOT_PROSE = new Set(["value", "example", "default", "enum", "const", "source", "pattern", "$ref", "x-generated"]);

const segment = (key) =>
  typeof key === "number" ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `['${key.replace(/'/g, "\\'")}']`;

/** An extension whose name says it holds descriptions (`x-enumDescriptions`, `x-pattern-description`). */
const DESCRIBING_EXTENSION = /^x-.*descriptions?$/i;

/**
 * Every human-readable text of a spec: `{ target, field, text }`, where `target` is the JSONPath
 * of the object that holds it and `field` its key. An extension named for descriptions counts:
 * a string as one text, a map of texts (`x-enumDescriptions`: per enum value) as one text, its
 * JSON, whatever its spelling, so that no text Redoc shows is left untranslated.
 */
export function humanTexts(doc) {
  const found = [];
  const walk = (node, path) => {
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      if (NOT_PROSE.has(key)) continue;
      const here = path + segment(k);
      const isText =
        typeof value === "string" &&
        (PROSE.has(key) ||
          (path === "$.info" && key === "title") ||
          (path === "$.info.contact" && key === "name") ||
          // A code sample's label is prose when it is more than a program's name (`curl`, which
          // Redoc also uses to pick the sample it shows first).
          (/x-codeSamples'\]\[\d+\]$/.test(path) && key === "label" && /\s/.test(value)));
      if (isText || (typeof value === "string" && DESCRIBING_EXTENSION.test(key)))
        found.push({ target: path, field: key, text: value });
      else if (DESCRIBING_EXTENSION.test(key) && value && typeof value === "object")
        found.push({ target: path, field: key, text: JSON.stringify(value) });
      else walk(value, here);
    }
  };
  walk(doc, "$");
  return found;
}

/** A short, stable fingerprint of an English text. */
export const hashOf = (text) => createHash("sha256").update(text).digest("hex").slice(0, 10);

export function loadOverlay(file = overlayFile) {
  return YAML.parse(readFileSync(file, "utf8"));
}

/** The texts of `doc` that the overlay does not translate, or translates from another English text. */
export function untranslated(doc, overlay = loadOverlay()) {
  const recorded = new Map();
  for (const action of overlay.actions ?? [])
    for (const [field, hash] of Object.entries(action["x-source"] ?? {}))
      recorded.set(`${action.target} ${field}`, hash);
  return humanTexts(doc)
    .map((t) => ({ ...t, hash: hashOf(t.text), recorded: recorded.get(`${t.target} ${t.field}`) }))
    .filter((t) => t.recorded !== t.hash)
    .map((t) => ({ ...t, why: t.recorded ? "stale: its English text changed" : "missing" }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const todo = untranslated(bundleSpec());
  for (const t of todo)
    console.log(
      `# ${t.why}\n${YAML.stringify([{ target: t.target, update: { [t.field]: t.text }, "x-source": { [t.field]: t.hash } }], { lineWidth: 100 })}`,
    );
  console.error(
    todo.length
      ? `${todo.length} texts to translate in spec/overlays/ru.yaml`
      : "Every text is translated and current.",
  );
  process.exit(todo.length ? 1 : 0);
}
