#!/usr/bin/env node
// green-api-partner send-webhook <example> --to URL: POSTs one of the spec's named notification
// examples to a running app exactly as GREEN-API does (as `stripe trigger` does for Stripe).
// The token comes from GREEN_API_WEBHOOK_TOKEN (or --token, which other users can read in `ps`).
import { parseArgs } from "node:util";
import { deliverWebhook, notificationExamples } from "../dist/testing.js";

const USAGE = `Usage:
  green-api-partner send-webhook <example> --to URL [--token T]
  green-api-partner send-webhook --list

Sends the spec's named notification example to URL as GREEN-API does: POST,
Content-Type: application/json; charset=utf-8, Authorization: Bearer <webhookUrlToken>.
The token is read from GREEN_API_WEBHOOK_TOKEN; --token works too, but a command line is
visible to every user of the machine (ps). With neither, no Authorization header is sent.`;

// green-api-partner sandbox ...: a stateful GREEN-API on loopback (its own options: sandbox --help).
if (process.argv[2] === "sandbox") await (await import("../dist/sandbox/cli.js")).main(process.argv.slice(3));

function fail(message, code = 2) {
  console.error(`green-api-partner: ${message}`);
  process.exit(code);
}

let values;
let positionals;
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: "string" },
      token: { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
const [command, example, ...rest] = positionals;
if (values.help || command === undefined) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (command !== "send-webhook") fail(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
if (values.list) {
  for (const name of Object.keys(notificationExamples))
    console.log(`${name}  (${notificationExamples[name].typeWebhook})`);
  process.exit(0);
}
if (example === undefined || rest.length) fail(`name one example (send-webhook --list shows them)\n${USAGE}`);
if (!Object.hasOwn(notificationExamples, example))
  fail(`the spec has no notification example ${JSON.stringify(example)}; send-webhook --list shows them`);
let url;
try {
  url = new URL(values.to ?? "");
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
} catch {
  fail("--to must be the http(s) URL of your webhook receiver");
}
if (values.token !== undefined)
  console.error(
    "green-api-partner: --token is visible to other users in the process list; GREEN_API_WEBHOOK_TOKEN is safer",
  );
const webhookUrlToken = values.token ?? (process.env.GREEN_API_WEBHOOK_TOKEN || undefined);

try {
  const answer = await deliverWebhook(url, example, { webhookUrlToken, signal: AbortSignal.timeout(180_000) });
  const text = (await answer.text()).slice(0, 1000);
  console.log(
    `${example} (${notificationExamples[example].typeWebhook}) -> POST ${url.origin}${url.pathname}: ${answer.status} ${answer.statusText}`,
  );
  if (text.trim()) console.log(text.trimEnd());
  if (answer.status !== 200)
    console.error("GREEN-API treats any answer but 200 as a failure and sends the notification again after 60 s.");
  process.exit(answer.status === 200 ? 0 : 1);
} catch (error) {
  fail(`could not reach ${url.origin}: ${error.cause?.code ?? error.cause?.message ?? error.message ?? error.name}`, 1);
}
