// Headless Chromium from Debian, driven by playwright-core (no browser download). Where it is
// missing the browser tests skip with one line saying how to enable them, unless
// REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const browserMissing = !existsSync(chromiumPath);

if (browserMissing) {
  const line = `Browser tests skipped: no Chromium at ${chromiumPath}. Enable them with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`;
  if (process.env.REQUIRE_BROWSER === "1") throw new Error(`${line} REQUIRE_BROWSER=1 makes this a failure.`);
  console.warn(line);
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}
