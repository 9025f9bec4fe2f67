import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTING_SPECS } from "../../shared/config/setting-specs.js";

const source = readFileSync(new URL("../../shared/config/settings.ts", import.meta.url), "utf8");
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
// The handbook sits beside the checkout (as in CI); without it, the contract check is skipped.
const contractUrl = new URL("../../../shared/handbook/contract.md", import.meta.url);
const contract = existsSync(contractUrl) ? readFileSync(contractUrl, "utf8") : null;

describe("the settings catalog", () => {
  const names = SETTING_SPECS.map((s) => s.name);

  it("lists every AUDIT_ setting the parser reads, and nothing it does not", () => {
    const read = new Set([...source.matchAll(/"(AUDIT_[A-Z_]+)"/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual([...names].sort());
  });

  it.skipIf(contract === null)("covers every setting of the product contract", () => {
    const inContract = new Set([...(contract ?? "").matchAll(/`(AUDIT_[A-Z_]+)`/g)].map((m) => m[1] ?? ""));
    expect(inContract.size).toBeGreaterThan(10);
    for (const name of inContract) expect(names).toContain(name);
  });

  it("is documented in the README", () => {
    for (const name of names) expect(readme, name).toContain(name);
  });

  it("marks the webhook URLs and the connection strings secret", () => {
    const secrets = SETTING_SPECS.filter((s) => s.secret).map((s) => s.name);
    expect(secrets.sort()).toEqual([
      "AUDIT_QUEUE_CONNECTION_STRING",
      "AUDIT_SLACK_WEBHOOK_URL",
      "AUDIT_TABLE_CONNECTION_STRING",
      "AUDIT_TEAMS_WEBHOOK_URL",
    ]);
  });
});
