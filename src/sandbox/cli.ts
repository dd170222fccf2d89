/// <reference types="node" />
// `green-api-partner sandbox`: the sandbox for an app in development (real clock, short
// durations, runs until Ctrl-C), and its control verbs from the command line, which call the
// running sandbox's /_sandbox/ API.
import { parseArgs } from "node:util";
import { secretFields } from "../../generated/operations.js";
import { wholeMs } from "../timing.js";
import { type SandboxDurations, defaultDurations, durationMinimums, startSandbox } from "./index.js";

export const DEFAULT_PORT = 4030;

/** Durations a developer can sit through: ready to link in 5 s, resent after 5 s; each one an option. */
export const cliDurations: Partial<SandboxDurations> = {
  creatingMs: 2_000,
  startingMs: 3_000,
  resendAfterMs: 5_000,
};

const DURATION_OPTIONS = Object.keys(defaultDurations).map((name) => [
  name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
  name as keyof SandboxDurations,
]) as Array<[string, keyof SandboxDurations]>;

const USAGE = `Usage:
  green-api-partner sandbox [--port N] [--partner-token T] [--type-instance whatsapp|v3|telegram]
                            [${DURATION_OPTIONS.map(([flag]) => `--${flag} MS`).join("] [")}]
  green-api-partner sandbox link <idInstance> [--phone N]             the QR code was scanned
  green-api-partner sandbox write <idInstance> --chat-id C --text T   a contact writes
  green-api-partner sandbox read <idInstance> --id-message M          the contact read a sent message
  green-api-partner sandbox state <idInstance> <state>                GREEN-API moved it (blocked, ...)
  green-api-partner sandbox no-account <chatId>                       that number has no account
  green-api-partner sandbox instances | deliveries | reset
  green-api-partner sandbox advance <ms>      only a sandbox started with clock: "manual" (startSandbox);
                                              this command's sandbox runs on the real clock

A stateful GREEN-API on 127.0.0.1 (default port ${DEFAULT_PORT}) on the real clock, with short
durations: a new instance can be linked ${(cliDurations.creatingMs! + cliDurations.startingMs!) / 1000} s after createInstance; a webhook that did not get a
200 is resent after ${cliDurations.resendAfterMs! / 1000} s. The verbs call a running sandbox at --url
(default http://127.0.0.1:${DEFAULT_PORT}, or GREEN_API_SANDBOX_URL).`;

class UsageError extends Error {}

/** `value` with every secret field's string (generated/operations.js `secretFields`: webhookUrlToken, apiTokenInstance) as `***`. */
export function maskSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecretFields);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      (secretFields as readonly string[]).includes(key) && typeof field === "string" && field !== ""
        ? "***"
        : maskSecretFields(field),
    ]),
  );
}

/** What a verb did, in one plain line (the verbs that change something); undefined prints the JSON answer. */
function saying(name: string, answer: Record<string, unknown>): string | undefined {
  const { idInstance, stateInstance, idMessage, chatId } = answer;
  if (name === "link") return `instance ${idInstance} linked: ${stateInstance}`;
  if (name === "state") return `instance ${idInstance} is now ${stateInstance}`;
  if (name === "read") return `instance ${idInstance}: the contact read ${idMessage}`;
  if (name === "no-account") return `${chatId} has no account: a message sent to it gets noAccount`;
  if (name === "reset") return "sandbox reset: every instance and notification forgotten";
  if (name === "advance") return `sandbox time is now ${new Date(answer.now as number).toISOString()}`;
  return undefined;
}

/** `value`, or a usage error naming what the verb needs. */
function needs(value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new UsageError(`this verb needs ${what}`);
  return value;
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

async function serve(values: Record<string, string | boolean | undefined>) {
  const durations: Partial<SandboxDurations> = { ...cliDurations };
  for (const [flag, name] of DURATION_OPTIONS) {
    const value = number(values[flag] as string | undefined, flag);
    if (value === undefined) continue;
    try {
      durations[name] = wholeMs(value, `--${flag}`, "", durationMinimums[name]);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const sandbox = await startSandbox({
    port: number(values.port as string | undefined, "port") ?? DEFAULT_PORT,
    partnerToken: values["partner-token"] as string | undefined,
    typeInstance: values["type-instance"] as string | undefined,
    durations,
    onDelivery: (record, attempt) =>
      console.log(
        `${new Date(attempt.at).toISOString()} ${record.typeWebhook} of ${record.idInstance} -> ${attempt.status ?? attempt.error}${attempt.status === 200 ? "" : " (resent later)"}`,
      ),
  });
  console.log(`GREEN-API sandbox at ${sandbox.url}`);
  console.log(`partner token: ${sandbox.partnerToken}`);
  console.log(`createPartnerClient({ partnerToken: "${sandbox.partnerToken}", baseUrl: "${sandbox.url}" })`);
  console.log("Ctrl-C stops it.");
  // A drift nobody reported makes stop() reject: print it and exit 1, never an unhandled rejection.
  const stop = () =>
    void sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`green-api-partner: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return new Promise<never>(() => {});
}

/** Calls the running sandbox's control API and prints its JSON answer; exit code 1 for a refused call. */
async function verb(positionals: string[], values: Record<string, string | boolean | undefined>): Promise<number> {
  const base = String(values.url ?? process.env.GREEN_API_SANDBOX_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`);
  const [name, id, extra] = positionals;
  const calls: Record<string, () => [string, unknown?]> = {
    instances: () => ["instances"],
    deliveries: () => ["deliveries"],
    reset: () => ["reset", {}],
    advance: () => ["advance", { ms: number(needs(id, "<ms>"), "ms") }],
    link: () => [
      `instances/${needs(id, "<idInstance>")}/link`,
      { phone: number(values.phone as string | undefined, "phone") },
    ],
    write: () => [`instances/${needs(id, "<idInstance>")}/messages`, { chatId: values["chat-id"], text: values.text }],
    read: () => [`instances/${needs(id, "<idInstance>")}/read`, { idMessage: values["id-message"] }],
    state: () => [`instances/${needs(id, "<idInstance>")}/state`, { state: needs(extra, "<state>") }],
    "no-account": () => [`contacts/${encodeURIComponent(needs(id, "<chatId>"))}/no-account`, {}],
  };
  const call = calls[name!];
  if (!call) throw new UsageError(`unknown sandbox verb ${JSON.stringify(name)}`);
  const [path, body] = call();
  let answer: Response;
  try {
    answer = await fetch(`${base}/_sandbox/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    console.error(
      `green-api-partner: no sandbox answers at ${base} (${(error as Error & { cause?: { code?: string } }).cause?.code ?? "error"}): start one with \`green-api-partner sandbox\``,
    );
    return 1;
  }
  const text = await answer.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const line =
    answer.ok && json && typeof json === "object" ? saying(name!, json as Record<string, unknown>) : undefined;
  // The partner's webhookUrlToken and the instances' tokens are never printed (createInstance gave them).
  if (answer.ok) console.log(line ?? (json === undefined ? text : JSON.stringify(maskSecretFields(json), null, 2)));
  else console.error(`green-api-partner: ${(json as { error?: string } | undefined)?.error ?? text}`);
  return answer.ok ? 0 : 1;
}

/** `green-api-partner sandbox ...`: `args` are the words after `sandbox`. Never returns while serving. */
export async function main(args: string[]): Promise<never> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: "string" },
        "partner-token": { type: "string" },
        "type-instance": { type: "string" },
        url: { type: "string" },
        phone: { type: "string" },
        "chat-id": { type: "string" },
        text: { type: "string" },
        "id-message": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(DURATION_OPTIONS.map(([flag]) => [flag, { type: "string" as const }])),
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (!positionals.length) return await serve(values);
    process.exit(await verb(positionals, values));
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    console.error(`green-api-partner: ${(error as Error).message}${usage ? `\n${USAGE}` : ""}`);
    process.exit(2);
  }
}
