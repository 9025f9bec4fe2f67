import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importEntry, isCloudSdk } from "../../shared/bench/cold-start.js";

const dist = new URL("../../dist/functions/", import.meta.url);
const entries = readdirSync(dist).filter((f) => f.endsWith(".js"));

describe("cold start of the compiled function entries", () => {
  it.each(entries)("%s loads no cloud SDK when it is imported (they load on first use)", async (file) => {
    const { packages } = await importEntry(fileURLToPath(new URL(file, dist)), true);
    // The module graph did resolve: the settings validation is there.
    expect(packages).toContain("zod");
    expect(packages.filter(isCloudSdk)).toEqual([]);
  });
});
