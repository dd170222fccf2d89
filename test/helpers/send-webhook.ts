// The `green-api-partner` command as a test runs it: bin/green-api-partner.js bundled with src/ in
// place of dist/ (no build needed), inside the repo so that its packages resolve, with a copy of
// package.json beside it for `--version`.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { root } from "./run.js";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds the command once per call; the returned function runs it with arguments, extra environment and stdin. */
export async function sendWebhookCli() {
  const dir = join(root, "node_modules/.cache/green-api-partner-test");
  const outfile = join(dir, "bin/green-api-partner.mjs");
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(join(root, "package.json"), join(dir, "package.json"));
  await build({
    entryPoints: [join(root, "bin/green-api-partner.js")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    packages: "external",
    logLevel: "silent",
    plugins: [
      {
        name: "src",
        // Every dist/ module the bin imports (testing.js, and sandbox/cli.js on demand) from src/.
        setup: (b) =>
          b.onResolve({ filter: /dist\/.+\.js$/ }, ({ path }) => ({
            path: join(root, "src", `${path.replace(/^.*dist\//, "").replace(/\.js$/, "")}.ts`),
          })),
      },
    ],
  });
  return (args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Ran> =>
    new Promise((resolve) => {
      const child = execFile(
        "node",
        [outfile, ...args],
        { env: { ...process.env, GREEN_API_WEBHOOK_TOKEN: "", ...env } },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin ?? "");
    });
}
