import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout root, found from this file whether it runs from shared/ or dist/shared/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || dir.endsWith("/dist")) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the checkout root (package.json)");
    dir = parent;
  }
  return dir;
}

export const DEMO_ESTATE_PATH = (): string => join(repoRoot(), "shared", "estate", "demo-estate.json");

/** Container Insights telemetry of the simulated estate (the Log Analytics fake's rows). */
export const DEMO_TELEMETRY_PATH = (): string => join(repoRoot(), "shared", "estate", "demo-telemetry.json");
