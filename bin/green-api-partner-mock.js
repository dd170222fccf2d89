#!/usr/bin/env node
// green-api-partner-mock [--port N]: the contract's mock (Prism) for an app that installed the
// package, on 127.0.0.1, every request validated, no CORS, log lines token-masked.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PRISM_MISSING, asError, startMockServer } from "../dist/mock-server.js";

const USAGE =
  "Usage: green-api-partner-mock [--port N]   (default 4010; 0 picks a free port)\n       green-api-partner-mock --version";

let port;
try {
  const { values } = parseArgs({
    options: {
      port: { type: "string", short: "p", default: "4010" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.version) {
    console.log(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
    process.exit(0);
  }
  port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535`);
} catch (error) {
  console.error(`green-api-partner-mock: ${asError(error).message}`);
  process.exit(2);
}

try {
  const mock = await startMockServer({ port });
  console.log(`GREEN-API partner mock listening on ${mock.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => mock.stop().finally(() => process.exit(0)));
} catch (reason) {
  const error = asError(reason, port);
  if (error.message === PRISM_MISSING) console.error(PRISM_MISSING);
  else if (error.code === "EADDRINUSE")
    console.error(`green-api-partner-mock: ${error.message}: choose another with --port N (0 picks a free one)`);
  else console.error(`green-api-partner-mock: ${error.message}`);
  process.exit(1);
}
