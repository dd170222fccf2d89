// Prism's mock server, in this process, on loopback, on the bundled spec: shared by the
// package's `green-api-partner/testing` and bin, and by this repo's `npm run mock` and tests.
// Plain JavaScript with JSDoc types, so the repo's scripts run it without a build.
// In-process rather than Prism's CLI: it starts in a fraction of the time, and its log lines,
// which name the request path and so the partner token, pass through `maskTokens` in memory.
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";

/** What to install when Prism is missing: Prism is an optional peer dependency of the package. */
export const PRISM_MISSING =
  "The mock needs Prism, an optional peer dependency of green-api-partner: npm install --save-dev --save-exact @stoplight/prism-cli@5.14.2";

/** Replaces the path segment after `/partner/<method>/` and `/waInstance<id>/<method>/`, where GREEN-API carries the tokens. */
export function maskTokens(/** @type {string} */ text) {
  return text.replace(/(\/(?:partner|waInstance\d+)\/[A-Za-z]+\/)[^\s/?#"'`]+/g, "$1***");
}

/**
 * `reason` as an Error: Prism rejects with bare strings (a taken port is
 * `"listen EADDRINUSE: address already in use 127.0.0.1:4010"`), and a message read off a string is
 * `undefined`. A listen failure gets its `code` back (EADDRINUSE, EACCES) and says which port.
 * @param {unknown} reason
 * @param {number} [port] the port being listened on, for the message
 * @returns {Error & { code?: string }}
 */
export function asError(reason, port) {
  if (reason instanceof Error) return reason;
  const text = typeof reason === "string" ? reason : String(reason);
  const code = /\b(E[A-Z]{3,})\b/.exec(text)?.[1];
  if (port === undefined || !code) return new Error(text);
  const why = code === "EADDRINUSE" ? "is in use" : `cannot be used (${code})`;
  return Object.assign(new Error(`port ${port} on 127.0.0.1 ${why}`), { code });
}

/** The bundled spec this package ships. */
export const shippedSpec = fileURLToPath(new URL("../generated/openapi.json", import.meta.url));

function prism() {
  const require = createRequire(import.meta.url);
  let cli;
  try {
    cli = require.resolve("@stoplight/prism-cli/package.json");
  } catch {
    throw new Error(PRISM_MISSING);
  }
  // Prism's server and its HTTP layer are dependencies of its CLI: resolved from there.
  const fromCli = createRequire(cli);
  deferFaker(createRequire(fromCli.resolve("@stoplight/prism-http")));
  return {
    createServer: fromCli("@stoplight/prism-http-server").createServer,
    getHttpOperationsFromSpec: fromCli("@stoplight/prism-http").getHttpOperationsFromSpec,
    createLogger: fromCli("@stoplight/prism-core").createLogger,
  };
}

/**
 * Prism loads Faker, about a third of its start-up, only to invent answers where a spec has no
 * example; this spec has one on every media type. So Faker is loaded on first use instead: a
 * stand-in module whose properties load the real one when first read.
 * @param {NodeJS.Require} fromPrismHttp
 */
function deferFaker(fromPrismHttp) {
  let path;
  try {
    path = fromPrismHttp.resolve("@faker-js/faker");
  } catch {
    return; // another layout: Prism loads Faker itself, as usual
  }
  const cache = fromPrismHttp.cache;
  if (cache[path]) return;
  /** @type {any} */
  let real;
  const load = () => {
    if (!real) {
      delete cache[path];
      real = fromPrismHttp(path);
    }
    return real;
  };
  // Prism hands `faker.default` to json-schema-faker at load: a stand-in that loads the real one
  // when a property of it is first read (only to generate an answer a spec gives no example for).
  /** @param {string} name */
  const lazy = (name) => new Proxy({}, { get: (_, key) => load()[name][key], has: (_, key) => key in load()[name] });
  const stand = { __esModule: true, default: lazy("default"), faker: lazy("faker") };
  cache[path] = /** @type {any} */ ({ id: path, filename: path, loaded: true, exports: stand });
}

/**
 * Starts Prism's mock on 127.0.0.1: requests and its own answers validated against the spec
 * (an invalid request gets the spec's 400, a broken example a loud 500), no CORS, errors only
 * in the log, every log line masked.
 * @param {{ port?: number, spec?: string, onLog?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startMockServer({ port = 0, spec = shippedSpec, onLog } = {}) {
  const { createServer, getHttpOperationsFromSpec, createLogger } = prism();
  const log = onLog ?? ((line) => process.stderr.write(`${line}\n`));
  const lines = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) {
        let text = line;
        try {
          const entry = JSON.parse(line);
          text = `[prism] ${entry.msg ?? ""}`;
        } catch {
          // not one of pino's JSON lines: shown as it is, masked
        }
        log(maskTokens(text));
      }
      done();
    },
  });
  const logger = createLogger("MOCK", { level: "error" }, lines);
  const operations = await getHttpOperationsFromSpec(spec);
  const server = createServer(operations, {
    cors: false,
    config: {
      isProxy: false,
      validateRequest: true,
      validateResponse: true,
      checkSecurity: true,
      errors: true,
      upstreamProxy: undefined,
      mock: { dynamic: false },
    },
    components: { logger: logger.child({ name: "HTTP SERVER" }) },
  });
  guardPaths(server.prism);
  const url = await server.listen(port, "127.0.0.1").catch((reason) => {
    throw asError(reason, port);
  });
  return { url, port: Number(new URL(url).port), stop: () => server.close() };
}

/**
 * A path that is not valid percent-encoding (`/waInstance1/qr/%E0%A4%A`) makes Prism 5.14's path
 * matcher (uri-template-lite) throw outside any catch, and the unhandled rejection ends the whole
 * process. Such a request is answered 400 before Prism sees it: `prism.request` is the call its
 * HTTP handler makes for every request (a TaskEither; a Left with `status` becomes that answer).
 * @param {{ request: (...args: any[]) => () => Promise<unknown> }} prism
 */
function guardPaths(prism) {
  const request = prism.request.bind(prism);
  prism.request = (input, ...rest) => {
    try {
      for (const segment of String(input?.url?.path ?? "").split("/")) decodeURIComponent(segment);
    } catch {
      const left = {
        name: "https://stoplight.io/prism/errors#INVALID_PATH",
        title: "Invalid request path",
        status: 400,
      };
      const detail = "The request's path is not valid percent-encoding.";
      return async () => ({ _tag: "Left", left: Object.assign(new Error(detail), left, { detail }) });
    }
    return request(input, ...rest);
  };
}
