#!/usr/bin/env node
// `npm run workflow [-- respect flags]`: runs spec/partner-lifecycle.arazzo.yaml with `redocly
// respect` against GREEN_API_URL (partner methods) and GREEN_API_INSTANCE_URL (instance methods,
// GREEN_API_URL when unset), with the partner token from GREEN_API_PARTNER_TOKEN.
//
// Respect masks only inputs of `format: password` and fields named like `token`, so it would
// print and write (console, --json-output, --har-output) every apiTokenInstance, and
// `--no-secrets-masking` turns even that off. So Respect never gets a secret: it talks to a relay
// on 127.0.0.1 that forwards to GREEN-API, puts the real secrets into what is sent, and
// hands Respect stand-ins (`***1***`) for every secret in the answers (each value of a field or
// parameter the spec marks `x-secret`). A stand-in sent back (a later step using a created
// instance's token) becomes the real value again on its way out. What Respect and this script
// print is masked once more on the way to the terminal. Both API families are one source
// description, so Respect's one `--server` points at the relay, which sends each request to its
// family's host: the spec's paths with a `servers` of their own (`{apiUrl}`) are instance methods.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { asError, root } from "./prism.js";
import { deref, loadSpec } from "./spec.js";

export const workflowFile = join(root, "spec/partner-lifecycle.arazzo.yaml");
/** The Arazzo source description the workflow's operations come from. */
const SOURCE = "partner";
const STAND_IN = /\*\*\*(\d+)\*\*\*/g;
const NOT_JSON = Symbol("not JSON");
const parseJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
};
/** Headers that describe the upstream connection, not the answer Respect gets from the relay. */
const HOP_HEADERS = new Set(["connection", "content-encoding", "content-length", "keep-alive", "transfer-encoding"]);

/** Names of the fields and parameters the spec marks `x-secret` (apiTokenInstance, partnerToken). */
export function secretNames(spec = loadSpec()) {
  const names = new Set();
  const walk = (node, depth) => {
    if (!node || typeof node !== "object" || depth > 64) return;
    if (node["x-secret"] === true && typeof node.name === "string" && "in" in node) names.add(node.name);
    for (const [name, property] of Object.entries(node.properties ?? {}))
      if (deref(spec, property)?.["x-secret"] === true) names.add(name);
    for (const value of Object.values(node)) walk(value, depth + 1);
  };
  walk(spec, 0);
  return names;
}

/** Whether a request path is an instance method's: one of the spec's paths with `servers` of its own. */
export function instancePaths(spec = loadSpec()) {
  const patterns = Object.entries(spec.paths)
    .filter(([, item]) => item.servers)
    .map(([path]) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]*")}$`));
  return (path) => patterns.some((pattern) => pattern.test(path.split("?")[0]));
}

/** Tracks the instances this run created and has not deleted yet, by idInstance (not a secret). */
function leftBehind(spec) {
  const pathOf = (operationId) =>
    Object.entries(spec.paths).find(([, item]) => Object.values(item).some((op) => op?.operationId === operationId))[0];
  const [create, remove] = ["createInstance", "deleteInstanceAccount"].map((id) => pathOf(id).split("{")[0]);
  const ids = new Set();
  const note = (path, body, answer) => {
    if (path.startsWith(create) && Number.isInteger(answer?.idInstance)) ids.add(answer.idInstance);
    if (path.startsWith(remove) && answer?.deleteInstanceAccount === true)
      ids.delete(Number(/"idInstance"\s*:\s*(\d+)/.exec(body ?? "")?.[1]));
  };
  return { note, ids: () => [...ids] };
}

/** The rule a partner token must follow (the spec's partnerToken parameter), as a RegExp and in words. */
function tokenRule(spec) {
  const schema = deref(spec, deref(spec, spec.components.parameters.partnerToken).schema);
  return { pattern: new RegExp(schema.pattern, "u"), words: schema["x-pattern-description"] };
}

/** The package's masker (src/errors.ts), compiled in memory: the same masking as the client's errors. */
async function loadMasker() {
  const { outputFiles } = await build({
    entryPoints: [join(root, "src/errors.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
  });
  return (await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`)).masker;
}

/**
 * A loopback relay to `upstream` (and to `instanceUpstream` for the paths `isInstance` says are
 * instance methods') that keeps every secret from its client. Secrets are the partner token
 * (stand-in `***0***`, what Respect gets as its input) and each value of a `names` field in an answer.
 */
export async function startRelay({
  upstream,
  instanceUpstream = upstream,
  isInstance = () => false,
  partnerToken,
  names,
  timeoutMs = 60_000,
  onAnswer = () => {},
}) {
  const standIns = new Map(); // real value -> stand-in
  const reals = []; // stand-in number -> real value
  const standIn = (real) => {
    if (!standIns.has(real)) standIns.set(real, `***${reals.push(real) - 1}***`);
    return standIns.get(real);
  };
  standIn(partnerToken);
  const real = (text, escape = (value) => value) =>
    text.replace(STAND_IN, (whole, n) => (reals[n] === undefined ? whole : escape(reals[n])));
  // A secret inside other text is swapped only when it is long enough not to be an ordinary word;
  // one RegExp of them all, built again only when a new secret was seen.
  let finder = { size: -1, regexp: undefined };
  const hide = (text) => {
    if (finder.size !== standIns.size) {
      const forms = [...standIns.keys()]
        .filter((value) => value === partnerToken || value.length >= 8)
        .flatMap((value) => [value, encodeURIComponent(value)]);
      const alternatives = [...new Set(forms)]
        .sort((a, b) => b.length - a.length)
        .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      finder = { size: standIns.size, regexp: new RegExp(alternatives.join("|"), "g") };
    }
    return text.replace(finder.regexp, (form) => standIns.get(form) ?? standIns.get(decodeURIComponent(form)));
  };
  // No depth limit: an answer nested deep enough to overflow the stack gets the relay's 502.
  const hideIn = (node) => {
    if (typeof node === "string") return standIns.get(node) ?? hide(node);
    if (!node || typeof node !== "object") return node;
    if (Array.isArray(node)) return node.map(hideIn);
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        names.has(key) && typeof value === "string" ? standIn(value) : hideIn(value),
      ]),
    );
  };
  const collect = (node) => {
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node))
      names.has(key) && typeof value === "string" ? standIn(value) : collect(value);
  };

  const [base, instanceBase] = [upstream, instanceUpstream].map((url) => url.replace(/\/+$/, ""));
  const server = createServer(async (req, res) => {
    const [host, hostName] = isInstance(req.url) ? [instanceBase, "GREEN_API_INSTANCE_URL"] : [base, "GREEN_API_URL"];
    try {
      const json = /json/i.test(req.headers["content-type"] ?? "");
      const body = ["GET", "HEAD"].includes(req.method)
        ? undefined
        : real((await buffer(req)).toString("utf8"), (value) => (json ? JSON.stringify(value).slice(1, -1) : value));
      const headers = Object.fromEntries(
        ["content-type", "accept"].filter((name) => req.headers[name]).map((name) => [name, req.headers[name]]),
      );
      // Never follow a redirect: it would send the request, and the token in its path, again.
      const answer = await fetch(host + real(req.url), {
        method: req.method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      let text = await answer.text();
      const parsed = parseJson(text);
      if (parsed === NOT_JSON)
        text = hide(text); // only secrets already known can be found in it
      else {
        collect(parsed);
        onAnswer(real(req.url), body, parsed);
        text = JSON.stringify(hideIn(parsed));
      }
      const out = {};
      for (const [name, value] of answer.headers) if (!HOP_HEADERS.has(name)) out[name] = hide(value);
      res.writeHead(answer.status, out).end(text);
    } catch (error) {
      res
        .writeHead(502, { "content-type": "text/plain" })
        .end(hide(`The relay to ${hostName} failed: ${asError(error).cause?.message ?? asError(error).message}`));
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    partnerTokenStandIn: standIn(partnerToken),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/**
 * Runs `workflow` (the journey, or GREEN_API_WORKFLOW_FILE: an Arazzo file over the same spec)
 * against `upstream` (instance methods: `instanceUpstream`) and resolves with Respect's exit code.
 * `args` are extra flags for `redocly respect` (--verbose, --json-output F, --har-output F, --input name=...).
 */
export async function runWorkflow({
  upstream = process.env.GREEN_API_URL,
  instanceUpstream = process.env.GREEN_API_INSTANCE_URL || upstream,
  workflow = process.env.GREEN_API_WORKFLOW_FILE || workflowFile,
  partnerToken = process.env.GREEN_API_PARTNER_TOKEN,
  args = [],
  out = process.stdout,
  err = process.stderr,
} = {}) {
  const spec = loadSpec();
  const rule = tokenRule(spec);
  if (!upstream || !/^https?:\/\//.test(upstream))
    throw new Error("Set GREEN_API_URL to the partner API URL (partnerApiUrl), e.g. https://api.green-api.com");
  if (!/^https?:\/\//.test(instanceUpstream))
    throw new Error(
      "Set GREEN_API_INSTANCE_URL to the instances' host (apiUrl), e.g. https://api.green-api.com, or leave it unset",
    );
  if (!partnerToken) throw new Error("Set GREEN_API_PARTNER_TOKEN to the partner token");
  if (!rule.pattern.test(partnerToken)) throw new Error(`GREEN_API_PARTNER_TOKEN ${rule.words}`);

  const masker = await loadMasker();
  const left = leftBehind(spec);
  const relay = await startRelay({
    upstream,
    instanceUpstream,
    isInstance: instancePaths(spec),
    partnerToken,
    names: secretNames(spec),
    onAnswer: left.note,
  });
  // Respect never sees an instance token (the relay), so the partner token and secret fields shown
  // as JSON are all there is to mask; a masker of every listed instance's token would cost
  // milliseconds a line on a partner's list of thousands.
  const mask = masker(partnerToken);
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
  delete env.GREEN_API_PARTNER_TOKEN; // Respect has no use for it
  // The partner token's stand-in comes last, so that no --input of `args` replaces it.
  const respectArgs = [
    "respect",
    workflow,
    "--server",
    `${SOURCE}=${relay.url}`,
    ...args,
    "--input",
    JSON.stringify({ partnerToken: relay.partnerTokenStandIn }),
  ];
  const child = spawn(join(root, "node_modules/.bin/redocly"), respectArgs, {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const printed = [
    [child.stdout, out],
    [child.stderr, err],
  ].map(
    ([from, to]) =>
      new Promise((resolve) =>
        createInterface({ input: from })
          .on("line", (line) => to.write(`${mask(line)}\n`))
          .on("close", resolve),
      ),
  );
  const forward = (signal) => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, forward);
  try {
    const [code] = await Promise.all([
      new Promise((resolve) => child.on("close", (status) => resolve(status ?? 1))),
      ...printed,
    ]);
    for (const idInstance of left.ids())
      err.write(
        `Instance ${idInstance} was created and not deleted (a failed delete, or a stopped run): delete it with deleteInstanceAccount.\n`,
      );
    return code;
  } finally {
    for (const signal of ["SIGINT", "SIGTERM"]) process.off(signal, forward);
    await relay.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await runWorkflow({ args: process.argv.slice(2) });
  } catch (error) {
    console.error(asError(error).message); // built from our own texts: never holds the token
    process.exitCode = 1;
  }
}
