import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  listFiles,
  loadBicepSources,
  loadTerraformSources,
  OFFLINE_TERRAFORM,
  parseHcl,
  REPO_ROOT,
  TERRAFORM_DIR,
  toRepoPath,
} from "./infra-text.js";

const terraformOnPath = (() => {
  // CHECKPOINT_DISABLE: `terraform version` otherwise asks checkpoint-api.hashicorp.com for upgrades.
  const probe = spawnSync("terraform", ["version"], { encoding: "utf8", timeout: 20_000, env: OFFLINE_TERRAFORM });
  return probe.error === undefined && probe.status === 0;
})();

describe("Bicep follows the AVM conventions", () => {
  const sources = loadBicepSources();

  it("describes every parameter, starting with Required. or Optional.", () => {
    let params = 0;
    for (const source of sources) {
      const lines = source.code.split("\n");
      lines.forEach((line, index) => {
        if (!/^param\s/.test(line)) return;
        params++;
        // The decorators sit on the lines directly above the parameter.
        const decorators: string[] = [];
        for (let k = index - 1; k >= 0; k--) {
          const above = lines[k] ?? "";
          if (!/^(@|\s+\S|\]|\))/.test(above)) break;
          decorators.unshift(above);
        }
        const description = /@description\('(Required|Optional)\. /.exec(decorators.join("\n"));
        expect(description, `${source.path}:${index + 1} ${line}`).not.toBeNull();
        const required = !line.includes("=");
        expect(description?.[1], `${source.path}:${index + 1} ${line}`).toBe(required ? "Required" : "Optional");
      });
    }
    expect(params).toBeGreaterThan(30);
  });

  it("describes every output", () => {
    for (const source of sources) {
      const lines = source.code.split("\n");
      lines.forEach((line, index) => {
        if (!/^output\s/.test(line)) return;
        expect(lines[index - 1] ?? "", `${source.path}:${index + 1} ${line}`).toMatch(/^@description\('/);
      });
    }
  });

  it("opens every file with metadata and pins API versions", () => {
    for (const source of sources) {
      expect(source.code, source.path).toMatch(/^metadata name = '/m);
      expect(source.code, source.path).toMatch(/^metadata description = '/m);
      for (const match of source.code.matchAll(/^resource \w+ '([^']+)'/gm)) {
        expect(match[1], source.path).toMatch(/^[\w.]+\/[\w./]+@\d{4}-\d{2}-\d{2}(-preview)?$/);
      }
    }
  });

  it("deploys Flex Consumption on Node.js 22 with the user-assigned identity", () => {
    const functionApp = sources.find((source) => source.path.endsWith("modules/function-app.bicep"));
    expect(functionApp?.code).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/);
    expect(functionApp?.code).toMatch(/kind: 'functionapp,linux'/);
    expect(functionApp?.code).toMatch(/param nodeVersion string = '22'/);
    expect(functionApp?.code).toMatch(/runtime: \{\s+name: 'node'\s+version: nodeVersion/);
    expect(functionApp?.code).toMatch(/type: 'UserAssigned'/);
  });
});

describe("Terraform follows the standard module structure", () => {
  const sources = loadTerraformSources();

  it("has the standard files and one version-pin file name", () => {
    for (const file of [
      "main.tf",
      "variables.tf",
      "outputs.tf",
      "versions.tf",
      "README.md",
      "examples/default/main.tf",
    ]) {
      expect(existsSync(join(TERRAFORM_DIR, file)), file).toBe(true);
    }
    const all = listFiles(TERRAFORM_DIR).map(toRepoPath);
    expect(all.filter((path) => path.endsWith("/terraform.tf"))).toEqual([]);
    // Outside examples, required_providers lives in versions.tf only.
    for (const source of sources) {
      if (source.code.includes("required_providers")) expect(source.path).toMatch(/\/versions\.tf$/);
    }
  });

  it("gives every variable a type and a description, and validates the constrained ones", () => {
    let variables = 0;
    for (const source of sources) {
      for (const block of parseHcl(source).blocks.filter((b) => b.type === "variable")) {
        variables++;
        const name = block.labels[0] ?? "";
        const attributes = block.body.attributes.map((a) => a.name);
        expect(attributes, `variable ${name} in ${source.path}`).toContain("type");
        expect(attributes, `variable ${name} in ${source.path}`).toContain("description");
        const type = block.body.attributes.find((a) => a.name === "type")?.expr ?? "";
        const isFreeFlag = type === "bool" || name === "tags";
        if (!isFreeFlag) {
          expect(
            block.body.blocks.some((b) => b.type === "validation"),
            `variable ${name} in ${source.path} has no validation`,
          ).toBe(true);
        }
      }
    }
    expect(variables).toBeGreaterThan(30);
  });

  it("validates the tenant ID, the role name and the webhook URLs", () => {
    const variables = sources.find((source) => source.path === "infra/terraform/variables.tf")?.code ?? "";
    expect(variables).toMatch(/variable "entra_tenant_id" \{[\s\S]*?validation \{[\s\S]*?\[0-9a-fA-F\]\{8\}/);
    expect(variables).toMatch(/variable "aws_role_name" \{[\s\S]*?validation \{[\s\S]*?\{1,64\}/);
    expect(variables).toMatch(/variable "teams_webhook_url" \{[\s\S]*?validation \{[\s\S]*?\^https:/);
    expect(variables).toMatch(/variable "slack_webhook_url" \{[\s\S]*?validation \{[\s\S]*?\^https:/);
  });

  it("describes every output", () => {
    for (const source of sources) {
      for (const block of parseHcl(source).blocks.filter((b) => b.type === "output")) {
        expect(
          block.body.attributes.map((a) => a.name),
          `output ${block.labels[0] ?? ""} in ${source.path}`,
        ).toContain("description");
      }
    }
  });

  it("deploys the Flex Consumption app with azurerm on Node.js 22", () => {
    const main = sources.find((source) => source.path === "infra/terraform/main.tf")?.code ?? "";
    expect(main).toMatch(/resource "azurerm_service_plan" "this" \{[^}]*sku_name\s*=\s*"FC1"/);
    expect(main).toMatch(/resource "azurerm_function_app_flex_consumption" "this"/);
    expect(main).toMatch(/runtime_name\s*=\s*"node"/);
    expect(main).toMatch(/runtime_version\s*=\s*"22"/);
  });

  it("documents every input and output in the README", () => {
    const readme = readFileSync(join(TERRAFORM_DIR, "README.md"), "utf8");
    for (const source of sources.filter((s) => /\/(variables|outputs)\.tf$/.test(s.path))) {
      for (const block of parseHcl(source).blocks) {
        expect(readme, `${block.type} ${block.labels[0] ?? ""}`).toContain(`\`${block.labels[0] ?? ""}\``);
      }
    }
  });

  it.skipIf(!terraformOnPath)("is formatted (terraform fmt -check -recursive infra/terraform)", () => {
    const result = spawnSync("terraform", ["fmt", "-check", "-recursive", "-no-color", "infra/terraform"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: OFFLINE_TERRAFORM,
    });
    expect(result.error).toBeUndefined();
    expect(result.status, `unformatted files:\n${result.stdout}${result.stderr}`).toBe(0);
  });
});

describe("azure.yaml", () => {
  it("deploys the project as a TypeScript function with the Bicep infra", () => {
    const yaml = readFileSync(join(REPO_ROOT, "azure.yaml"), "utf8");
    expect(yaml).toMatch(/^infra:\n {2}provider: bicep\n {2}path: infra\/bicep$/m);
    expect(yaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function$/m);
  });
});
