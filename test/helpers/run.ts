// Runs a project tool from node_modules/.bin and returns what it printed, whatever its exit code.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

export function run(tool: string, args: string[], cwd = root) {
  const result = spawnSync(`${root}node_modules/.bin/${tool}`, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
  });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}
