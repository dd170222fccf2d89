#!/usr/bin/env node
// One measured process of `npm run bench`'s first figure: `calls` getInstances through the client
// (`client`) or through raw fetch + JSON.parse (`raw`), after one warm-up; prints the time per
// call and the process's peak memory (the kernel's maxRSS). Kept apart from bench.js so that both
// variants start from the same small process.
// Usage: node scripts/bench-list-worker.js <client|raw> <clientFile> <url> <calls>
import { pathToFileURL } from "node:url";

const [variant, clientFile, url, callsText] = process.argv.slice(2);
const token = `gac.${"0".repeat(46)}`;
const calls = Number(callsText);
let once;
if (variant === "client") {
  const { createPartnerClient } = await import(pathToFileURL(clientFile).href);
  const partner = createPartnerClient({ partnerToken: token, baseUrl: url, timeoutMs: 120_000 });
  once = async () => {
    const result = await partner.getInstances();
    if (!result.data) throw new Error(result.error.message);
  };
} else {
  once = async () => JSON.parse(await (await fetch(`${url}/partner/getInstances/${token}`)).text());
}
await once();
const started = performance.now();
for (let i = 0; i < calls; i++) await once();
console.log(
  JSON.stringify({ ms: (performance.now() - started) / calls, rssMb: process.resourceUsage().maxRSS / 1024 }),
);
