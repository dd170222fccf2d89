#!/usr/bin/env node
// `npm run docs`: the API reference, built by Redocly from the bundled spec into one
// self-contained file, dist/docs/index.html: the renderer is inlined (no CDN), telemetry is off
// (redocly.yaml), so it works from disk, on an intranet and on any static host.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledSpec, root } from "./prism.js";
import { loadSpec } from "./spec.js";

export const docsFile = join(root, "dist/docs/index.html");

export function buildDocs({ spec = bundledSpec, output = docsFile } = {}) {
  mkdirSync(join(output, ".."), { recursive: true });
  const title = loadSpec(spec).info.title;
  execFileSync(
    join(root, "node_modules/.bin/redocly"),
    ["build-docs", spec, "-o", output, "--inlineBundle", "-t", join(root, "scripts/docs-template.hbs"), "--title", `${title} reference`],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
  );
  return output;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`Wrote ${buildDocs()}`);
