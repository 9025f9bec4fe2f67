import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SEVERITIES } from "../../shared/model/finding.js";
import { ALL_RULES } from "../../shared/rules/index.js";

// The handbook sits beside the checkout (as in CI); without it, the contract check is skipped.
const contractUrl = new URL("../../../shared/handbook/contract.md", import.meta.url);
const contract = existsSync(contractUrl) ? readFileSync(contractUrl, "utf8") : null;
const contractIds = new Set([...(contract ?? "").matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]));
const rulesDir = new URL("../../shared/rules/", import.meta.url);

describe("rule metadata", () => {
  it.skipIf(contract === null)("has unique ids that the contract names", () => {
    const ids = ALL_RULES.map((r) => r.metadata.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(contractIds, id).toContain(id);
  });

  it("keeps one name everywhere: folder, file, metadata id, test", () => {
    const folders = readdirSync(rulesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.sort()).toEqual(ALL_RULES.map((r) => r.metadata.id).sort());
    for (const id of folders) {
      expect(existsSync(new URL(`${id}/${id}.ts`, rulesDir)), `${id}/${id}.ts`).toBe(true);
      expect(existsSync(new URL(`${id}/metadata.ts`, rulesDir)), `${id}/metadata.ts`).toBe(true);
    }
  });

  it("is complete", () => {
    for (const { metadata } of ALL_RULES) {
      expect(SEVERITIES).toContain(metadata.severity);
      expect(metadata.title.length).toBeGreaterThan(10);
      expect(metadata.description.length).toBeGreaterThan(40);
      expect(metadata.risk.length).toBeGreaterThan(40);
      expect(metadata.remediation.text.length).toBeGreaterThan(10);
      expect(metadata.references.length).toBeGreaterThan(0);
      for (const url of metadata.references) expect(url).toMatch(/^https:\/\//);
      for (const category of metadata.categories) expect(category).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it("gives every Azure rule an az command, a Bicep hint and a Terraform hint", () => {
    for (const { metadata } of ALL_RULES.filter((r) => r.metadata.clouds.includes("azure"))) {
      expect(metadata.remediation.azureCli, metadata.id).toMatch(/^az (aks|role) /);
      expect(metadata.remediation.bicep?.length ?? 0, metadata.id).toBeGreaterThan(20);
      expect(metadata.remediation.terraform, metadata.id).toMatch(/^azurerm/);
    }
  });
});
