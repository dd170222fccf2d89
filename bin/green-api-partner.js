#!/usr/bin/env node
// green-api-partner send-webhook <example> --to URL: POSTs one of the spec's named notification
// examples (or a body of one's own) to a running app exactly as GREEN-API does (as `stripe
// trigger` does for Stripe). The token comes from GREEN_API_WEBHOOK_TOKEN (or --token, which
// other users can read in `ps`).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { deliverWebhook, notificationExamples } from "../dist/testing.js";
import { webhookDelivery } from "../generated/webhooks.js";

const USAGE = `Usage:
  green-api-partner send-webhook <example> --to URL [--token T] [--id ID | --new-id] [--timeout S]
  green-api-partner send-webhook --body FILE|- --to URL [--token T] [--id ID | --new-id]
  green-api-partner send-webhook --list
  green-api-partner sandbox [--port N] [--partner-token T]   (a stateful GREEN-API on loopback; sandbox --help)
  green-api-partner --version

Sends the spec's named notification example (or the JSON body in FILE, - for stdin) to URL as
GREEN-API does: POST, Content-Type: application/json; charset=utf-8, Authorization: Bearer
<webhookUrlToken>. --id sets the body's idMessage, --new-id gives it a fresh one (a receiver
answers a notification it handled already "Already handled"). --timeout: seconds to wait for
the whole answer (default ${webhookDelivery.answerWithinMs / 1000}, as GREEN-API waits).
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
      body: { type: "string" },
      id: { type: "string" },
      "new-id": { type: "boolean" },
      timeout: { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  }));
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
if (values.version) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  console.log(version);
  process.exit(0);
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

/** The body to send and its label: a named example, or a file's (stdin's) JSON. */
function chooseBody() {
  if (values.body !== undefined) {
    if (example !== undefined || rest.length) fail(`name an example or give --body, not both\n${USAGE}`);
    let text;
    try {
      text = readFileSync(values.body === "-" ? 0 : values.body, "utf8");
    } catch (error) {
      fail(`--body: cannot read ${values.body === "-" ? "stdin" : values.body} (${error.code ?? error.message})`);
    }
    try {
      return { body: JSON.parse(text), label: values.body === "-" ? "stdin" : values.body };
    } catch {
      fail(`--body: ${values.body === "-" ? "stdin" : values.body} is not JSON`);
    }
  }
  if (example === undefined || rest.length)
    fail(`name one example, or give --body (send-webhook --list shows them)\n${USAGE}`);
  if (!Object.hasOwn(notificationExamples, example))
    fail(`the spec has no notification example ${JSON.stringify(example)}; send-webhook --list shows them`);
  return { body: notificationExamples[example], label: example };
}

const chosen = chooseBody();
let body = chosen.body;
if (values.id !== undefined && values["new-id"]) fail("give --id or --new-id, not both");
const idMessage = values["new-id"] ? randomBytes(16).toString("hex").toUpperCase() : values.id;
if (idMessage !== undefined) {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    fail("--id and --new-id need a JSON object body");
  body = { ...body, idMessage };
}
let url;
try {
  url = new URL(values.to ?? "");
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
} catch {
  fail("--to must be the http(s) URL of your webhook receiver");
}
const seconds = values.timeout === undefined ? webhookDelivery.answerWithinMs / 1000 : Number(values.timeout);
if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > 2 ** 31 - 1)
  fail("--timeout must be a number of seconds above 0");
if (values.token !== undefined)
  console.error(
    "green-api-partner: --token is visible to other users in the process list; GREEN_API_WEBHOOK_TOKEN is safer",
  );
const webhookUrlToken = values.token ?? (process.env.GREEN_API_WEBHOOK_TOKEN || undefined);
const type =
  body && typeof body === "object" && typeof body.typeWebhook === "string" ? body.typeWebhook : "no typeWebhook";
const target = `${url.origin}${url.pathname}`;
const resendS = webhookDelivery.resendAfterMs / 1000;

let answer;
try {
  answer = await deliverWebhook(url, body, { webhookUrlToken, timeoutMs: Math.ceil(seconds * 1000) });
} catch (error) {
  fail(whyNot(error), 1);
}
const text = (await answer.text()).slice(0, 1000);
console.log(
  `${chosen.label} (${type}${idMessage === undefined ? "" : `, idMessage ${idMessage}`}) -> POST ${target}: ${answer.status} ${answer.statusText}`,
);
if (text.trim()) console.log(text.trimEnd());
if (answer.status !== 200)
  console.error(
    `GREEN-API treats any answer but 200 as a failure and sends the notification again after ${resendS} s.`,
  );
else if (/already handled/i.test(text) && idMessage === undefined)
  console.error("The receiver had handled this notification already: --new-id sends it with a fresh idMessage.");
process.exit(answer.status === 200 ? 0 : 1);

/** What went wrong, saying whether the receiver was reached: only a refused or unresolved connection was not. */
function whyNot(error) {
  if (error?.name === "TimeoutError")
    return error.answered
      ? `${target} answered but did not send its whole answer within ${seconds} s`
      : `${target} was reached but did not answer within ${seconds} s (GREEN-API gives up then and resends after ${resendS} s)`;
  if (error instanceof TypeError && !error.cause) return error.message; // a token that breaks the rule, ...
  const code = error?.cause?.code;
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(code))
    return `could not reach ${url.origin}: ${code}`;
  return `the exchange with ${url.origin} failed: ${code ?? error?.cause?.message ?? error?.message ?? error}`;
}
