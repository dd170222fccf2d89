// README's code blocks, as the tests that run them read them: between `<!-- NAME:start -->` and
// `<!-- NAME:end -->`, one ```ts block.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./run.js";

/** The TypeScript block README marks with `marker`; throws when README has none. */
export function readmeBlock(marker: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const found = new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`).exec(
    readme,
  );
  if (!found) throw new Error(`README has no ${marker} block`);
  return found[1]!;
}
