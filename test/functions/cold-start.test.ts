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

describe("the load-balancer reader", () => {
  it("loads the EC2 SDK (the largest AWS package) only when a security group is read", async () => {
    const reader = fileURLToPath(new URL("../../dist/shared/collectors/aws/lb-sdk.js", import.meta.url));
    const { packages } = await importEntry(reader, true);
    expect(packages).toContain("@aws-sdk/client-elastic-load-balancing-v2");
    expect(packages).not.toContain("@aws-sdk/client-ec2");
  });
});
