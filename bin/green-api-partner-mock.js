#!/usr/bin/env node
// green-api-partner-mock [--port N]: the contract's mock (Prism) for an app that installed the
// package, on 127.0.0.1, every request validated, no CORS, log lines token-masked.
import { parseArgs } from "node:util";
import { PRISM_MISSING, startMockServer } from "../dist/mock-server.js";

let port;
try {
  const { values } = parseArgs({
    options: { port: { type: "string", short: "p", default: "4010" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log("Usage: green-api-partner-mock [--port N]   (default 4010; 0 picks a free port)");
    process.exit(0);
  }
  port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a whole number from 0 to 65535`);
} catch (error) {
  console.error(`green-api-partner-mock: ${error.message}`);
  process.exit(2);
}

try {
  const mock = await startMockServer({ port });
  console.log(`GREEN-API partner mock listening on ${mock.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => mock.stop().finally(() => process.exit(0)));
} catch (error) {
  console.error(error.message === PRISM_MISSING ? PRISM_MISSING : `green-api-partner-mock: ${error.message}`);
  process.exit(1);
}
