import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEPLOYED_SDK_SETTINGS, SETTING_SPECS } from "../../shared/config/setting-specs.js";
import {
  checkTreeSettings,
  compareRoleSets,
  compareSettings,
  extractBicepAppSettings,
  extractRoleDefinitionIds,
  extractTerraformAppSettings,
  isClean,
  loadBicepSources,
  loadTerraformSources,
  REPO_ROOT,
  type SettingCatalog,
  type Source,
  settingNames,
  settingValues,
  sourceFromText,
} from "./infra-text.js";
import { bicepNameCheck, disagreements, terraformNameCheck } from "./name-checks.js";

const catalog: SettingCatalog = {
  deployed: SETTING_SPECS.filter((spec) => spec.deployed).map((spec) => spec.name),
  localOnly: SETTING_SPECS.filter((spec) => !spec.deployed).map((spec) => spec.name),
  sdk: [...DEPLOYED_SDK_SETTINGS],
};

/** Role definitions granted to the identity, by GUID (api-facts §7.5 and §10.3). */
const EXPECTED_ROLES: Record<string, string> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "73c42c96-874c-492b-b04d-ab87d138a893": "Log Analytics Reader",
};

const bicepSources = loadBicepSources();
const terraformSources = loadTerraformSources();

/** A copy of the sources with one file's text changed, for the negative tests. */
function withEdit(sources: readonly Source[], fileSuffix: string, edit: (text: string) => string): Source[] {
  let edited = 0;
  const result = sources.map((source) => {
    if (!source.path.endsWith(fileSuffix)) return source;
    const text = edit(source.text);
    if (text === source.text) throw new Error(`The edit changed nothing in ${source.path}`);
    edited++;
    return sourceFromText(source.path, text, source.dialect);
  });
  if (edited !== 1) throw new Error(`Expected one file ending in ${fileSuffix}, edited ${edited}`);
  return result;
}

describe("the catalog the infra is checked against", () => {
  it("is not empty", () => {
    expect(catalog.deployed.length).toBeGreaterThan(10);
    expect(catalog.localOnly).toContain("AUDIT_TABLE_CONNECTION_STRING");
    expect(catalog.sdk).toEqual(["AZURE_CLIENT_ID", "AZURE_TOKEN_CREDENTIALS"]);
  });
});

describe("app settings parity (Bicep, Terraform, code)", () => {
  const bicepEntries = extractBicepAppSettings(bicepSources);
  const terraformEntries = extractTerraformAppSettings(terraformSources);
  const bicepNames = settingNames(bicepEntries);
  const terraformNames = settingNames(terraformEntries);

  it("finds the templates and settings in both trees", () => {
    expect(bicepSources.map((source) => source.path)).toContain("infra/bicep/main.bicep");
    expect(terraformSources.map((source) => source.path)).toContain("infra/terraform/main.tf");
    expect(bicepNames.length).toBeGreaterThanOrEqual(catalog.deployed.length);
    expect(terraformNames.length).toBeGreaterThanOrEqual(catalog.deployed.length);
  });

  it("sets every deployed setting the code reads, in Bicep and in Terraform", () => {
    expect(checkTreeSettings(bicepNames, catalog).missing, "missing from Bicep").toEqual([]);
    expect(checkTreeSettings(terraformNames, catalog).missing, "missing from Terraform").toEqual([]);
  });

  it("sets no setting the code ignores (beyond AzureWebJobsStorage__* and APPLICATIONINSIGHTS_*)", () => {
    expect(checkTreeSettings(bicepNames, catalog).unknown, "unknown in Bicep").toEqual([]);
    expect(checkTreeSettings(terraformNames, catalog).unknown, "unknown in Terraform").toEqual([]);
  });

  it("never sets a local-only setting (deployed: false)", () => {
    expect(checkTreeSettings(bicepNames, catalog).localOnly).toEqual([]);
    expect(checkTreeSettings(terraformNames, catalog).localOnly).toEqual([]);
    for (const source of [...bicepSources, ...terraformSources]) {
      for (const name of catalog.localOnly) {
        expect(source.text.includes(name), `${source.path} mentions ${name}`).toBe(false);
      }
    }
  });

  it("sets the same settings in both trees", () => {
    const report = compareSettings(bicepNames, terraformNames, catalog);
    expect(report.onlyInBicep).toEqual([]);
    expect(report.onlyInTerraform).toEqual([]);
    expect(isClean(report)).toBe(true);
  });

  it("points the SDK at the user-assigned identity only", () => {
    for (const entries of [bicepEntries, terraformEntries]) {
      expect(settingValues(entries, "AZURE_TOKEN_CREDENTIALS")).toEqual(
        ["'ManagedIdentityCredential'"].map(quoteFor(entries)),
      );
      const clientId = settingValues(entries, "AZURE_CLIENT_ID");
      expect(clientId).toHaveLength(1);
      expect(clientId[0]).toMatch(/identity.*client_?id/i);
    }
  });

  it("connects host storage through the identity, with blob, queue and table endpoints", () => {
    for (const entries of [bicepEntries, terraformEntries]) {
      const names = settingNames(entries);
      for (const suffix of ["credential", "clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri"]) {
        expect(names).toContain(`AzureWebJobsStorage__${suffix}`);
      }
      expect(names).not.toContain("AzureWebJobsStorage");
      expect(settingValues(entries, "AzureWebJobsStorage__credential")).toEqual(
        ["'managedidentity'"].map(quoteFor(entries)),
      );
      const auth = settingValues(entries, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
      expect(auth).toHaveLength(1);
      expect(auth[0]).toMatch(/ClientId=\$\{.*client_?id\};Authorization=AAD/i);
    }
  });

  it("sets AUDIT_TABLE_ENDPOINT to the table endpoint of the storage account", () => {
    const bicep = settingValues(bicepEntries, "AUDIT_TABLE_ENDPOINT");
    const terraform = settingValues(terraformEntries, "AUDIT_TABLE_ENDPOINT");
    expect(bicep).toEqual(["storage.outputs.tableEndpoint"]);
    expect(terraform).toEqual(["local.table_endpoint"]);
    const tfMain = terraformSources.find((source) => source.path === "infra/terraform/main.tf");
    expect(tfMain?.code).toMatch(
      /table_endpoint\s*=\s*trimsuffix\(azurerm_storage_account\.this\.primary_table_endpoint/,
    );
    const storage = bicepSources.find((source) => source.path.endsWith("modules/storage.bicep"));
    expect(storage?.code).toMatch(/output tableEndpoint string = 'https:\/\/\$\{storageAccount\.name\}\.table\./);
  });

  it("defaults the table names to findings and gpuanomalies in both trees", () => {
    const bicepMain = bicepSources.find((source) => source.path === "infra/bicep/main.bicep");
    expect(bicepMain?.code).toMatch(/param findingsTableName string = 'findings'/);
    expect(bicepMain?.code).toMatch(/param gpuTableName string = 'gpuanomalies'/);
    const variables = terraformSources.find((source) => source.path === "infra/terraform/variables.tf");
    expect(variables?.code).toMatch(/variable "findings_table_name" \{[^}]*default\s+=\s+"findings"/);
    expect(variables?.code).toMatch(/variable "gpu_table_name" \{[^}]*default\s+=\s+"gpuanomalies"/);
  });
});

function bicep(suffix: string): Source {
  const source = bicepSources.find((s) => s.path.endsWith(suffix));
  if (!source) throw new Error(`No Bicep file ending in ${suffix}`);
  return source;
}

function terraform(path: string): Source {
  const source = terraformSources.find((s) => s.path === path);
  if (!source) throw new Error(`No Terraform file ${path}`);
  return source;
}

/** Names that exercise every rule of the name checks (case, characters, hyphens, lengths). */
const NAME_SAMPLES = [
  "",
  "a",
  "ab",
  "abc",
  "caudit",
  "caudit2",
  "c4udit",
  "2caudit",
  "Caudit",
  "cAudit",
  "c-audit",
  "-caudit",
  "caudit-",
  "c--audit",
  "c_audit",
  "c.audit",
  "c audit",
  "caudité",
  "audit-scopes",
  "audit-scopes-2",
  "a".repeat(4),
  "a".repeat(5),
  "a".repeat(9),
  "a".repeat(10),
  "a".repeat(11),
  "a".repeat(55),
  "a".repeat(56),
  "a".repeat(57),
  "a-".repeat(28).slice(0, 55),
  "0123",
  "q1",
];

describe("input parity (Bicep parameters, Terraform variables)", () => {
  /** Bicep parameter → Terraform variable where the name is not the snake_case of the other. */
  const RENAMED: Record<string, string> = {
    instanceMemoryMB: "instance_memory_mb",
    storageSkuName: "storage_replication_type",
    fanOutMinScopes: "fanout_min_scopes",
    fanOutDeadlineMinutes: "fanout_deadline_minutes",
    fanOutSubscriptionsPerScope: "fanout_subscriptions_per_scope",
    keyVaultSoftDeleteRetentionInDays: "key_vault_soft_delete_retention_days",
  };
  /** Inputs of one tree only, each for a reason the deploy guide gives. */
  const BICEP_ONLY = ["recoverKeyVault"]; // Terraform: the provider's recover_soft_deleted_key_vaults
  const TERRAFORM_ONLY = [
    "resource_group_name", // Bicep deploys into the resource group of the deployment
    "audit_reader_management_group_ids", // Bicep: modules/audit-reader.managementgroup.bicep, deployed alone
    "entra_tenant_id",
    "create_aws_audit_role",
    "aws_role_name",
    "aws_create_oidc_provider",
    "aws_oidc_provider_arn",
    "aws_permissions_boundary_arn",
    "aws_max_session_duration", // the AWS side is Terraform's in both routes
  ];
  const snake = (name: string): string => RENAMED[name] ?? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const bicepParams = [...bicep("infra/bicep/main.bicep").code.matchAll(/^param (\w+) /gm)].map((m) => m[1] ?? "");
  const terraformVariables = [...terraform("infra/terraform/variables.tf").code.matchAll(/^variable "(\w+)"/gm)].map(
    (m) => m[1] ?? "",
  );

  it("has a Terraform variable for every Bicep parameter and the other way round, but for the listed ones", () => {
    expect(bicepParams.filter((p) => !BICEP_ONLY.includes(p) && !terraformVariables.includes(snake(p)))).toEqual([]);
    const mapped = new Set(bicepParams.map(snake));
    expect(terraformVariables.filter((v) => !TERRAFORM_ONLY.includes(v) && !mapped.has(v))).toEqual([]);
    for (const name of [...BICEP_ONLY, ...TERRAFORM_ONLY]) {
      expect([...bicepParams, ...terraformVariables], `${name} is still an input`).toContain(name);
    }
  });

  it("gives the new inputs the same defaults in both trees", () => {
    const main = bicep("infra/bicep/main.bicep").code;
    const variables = terraform("infra/terraform/variables.tf").code;
    const bicepDefault = (name: string): string =>
      new RegExp(`^param ${name} [\\w\\[\\]]+ = (.*)$`, "m").exec(main)?.[1] ?? "(none)";
    const terraformDefault = (name: string): string =>
      new RegExp(`variable "${name}" \\{[^}]*?\\n  default\\s+= (.*)\\n`).exec(variables)?.[1] ?? "(none)";
    const pairs: [string, string, string, string][] = [
      ["scopeQueueName", "'audit-scopes'", "scope_queue_name", '"audit-scopes"'],
      ["keyVaultNameSuffix", "''", "key_vault_name_suffix", '""'],
      ["heartbeatAlertEmailAddresses", "[]", "heartbeat_alert_email_addresses", "[]"],
      ["heartbeatAlertWebhookUrl", "''", "heartbeat_alert_webhook_url", "null"],
      ["heartbeatAlertSeverity", "1", "heartbeat_alert_severity", "1"],
      ["heartbeatWindowMinutes", "0", "heartbeat_window_minutes", "null"], // both mean "derived from the schedule"
    ];
    for (const [bicepName, bicepValue, terraformName, terraformValue] of pairs) {
      expect(bicepDefault(bicepName), bicepName).toBe(bicepValue);
      expect(terraformDefault(terraformName), terraformName).toBe(terraformValue);
    }
  });
});

describe("name checks are the same in both trees", () => {
  it("accepts the same name prefixes in Bicep and Terraform (^[a-z][a-z0-9]{1,9}$)", () => {
    const main = bicep("infra/bicep/main.bicep");
    const bicepCheck = bicepNameCheck(main, "prefix");
    expect(bicepCheck.param).toBe("namePrefix");
    const terraformCheck = terraformNameCheck(terraformSources, "name_prefix");
    expect(disagreements(bicepCheck, terraformCheck, NAME_SAMPLES)).toEqual([]);
    for (const check of [bicepCheck, terraformCheck]) {
      for (const good of ["caudit", "ab", "c4udit", "a".repeat(10)])
        expect(check.accepts(good), `${check.origin}: ${good}`).toBe(true);
      for (const bad of ["a", "a".repeat(11), "2caudit", "Caudit", "c-audit", "c_audit", "caudité"]) {
        expect(check.accepts(bad), `${check.origin}: ${bad}`).toBe(false);
      }
    }
    // Every name is built from the checked prefix, so the check cannot be skipped.
    const names = /^var names = \{\n([\s\S]*?)\n\}$/m.exec(main.code)?.[1] ?? "";
    expect(names).not.toMatch(/namePrefix/);
    expect(names.match(/\$\{prefix\}/g)?.length).toBeGreaterThanOrEqual(7);
    expect(main.code).toMatch(/^var resourceToken = toLower\(uniqueString\(.*, prefix, location\)\)$/m);
  });

  it("reads a changed check instead of passing: a Bicep prefix check that allows hyphens disagrees", () => {
    const edited = sourceFromText(
      "infra/bicep/main.bicep",
      bicep("infra/bicep/main.bicep").text.replace(
        "!contains(lowercaseAlphanumerics, substring(namePrefix, i, 1))",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, not a JS template
        "!contains('${lowercaseAlphanumerics}-', substring(namePrefix, i, 1))",
      ),
      "bicep",
    );
    const drift = disagreements(
      bicepNameCheck(edited, "prefix"),
      terraformNameCheck(terraformSources, "name_prefix"),
      NAME_SAMPLES,
    );
    expect(drift).toContain("c-audit");
    expect(() =>
      bicepNameCheck(
        sourceFromText("x.bicep", "var prefix = length(p) > 1\n  ? p\n  : fail('no')\n", "bicep"),
        "prefix",
      ),
    ).toThrow(/does not understand/);
  });
});

describe("a Key Vault name that a redeploy can live with (purge protection stays on)", () => {
  it("accepts the same vault name suffixes in both trees", () => {
    const bicepCheck = bicepNameCheck(bicep("infra/bicep/main.bicep"), "keyVaultSuffix");
    expect(bicepCheck.param).toBe("keyVaultNameSuffix");
    const terraformCheck = terraformNameCheck(terraformSources, "key_vault_name_suffix");
    expect(disagreements(bicepCheck, terraformCheck, [...NAME_SAMPLES, "2", "g2", "zz9"])).toEqual([]);
    for (const check of [bicepCheck, terraformCheck]) {
      for (const good of ["", "2", "g2", "0123"]) expect(check.accepts(good), `${check.origin}: "${good}"`).toBe(true);
      for (const bad of ["abcde", "-2", "A", "a_b"])
        expect(check.accepts(bad), `${check.origin}: "${bad}"`).toBe(false);
    }
  });

  it("builds the vault name the same way in both trees: the suffix replaces the end, 24 characters at most", () => {
    const main = bicep("infra/bicep/main.bicep").code;
    expect(main).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, not a JS template
      "keyVault: '${take('kv${prefix}${resourceToken}', 24 - length(keyVaultSuffix))}${keyVaultSuffix}'",
    );
    const tf = terraform("infra/terraform/main.tf").code;
    expect(tf).toMatch(
      /key_vault\s+= "\$\{substr\("kv\$\{var\.name_prefix\}\$\{local\.resource_token\}", 0, 24 - length\(var\.key_vault_name_suffix\)\)\}\$\{var\.key_vault_name_suffix\}"/,
    );
    // The formula both trees use, on a 10-character prefix and a 13-character token.
    const vaultName = (prefix: string, token: string, suffix: string): string =>
      `kv${prefix}${token}`.slice(0, 24 - suffix.length) + suffix;
    for (const suffix of ["", "2", "abcd"]) {
      const name = vaultName("abcdefghij", "0123456789abc", suffix);
      expect(name.length).toBeLessThanOrEqual(24);
      expect(name.endsWith(suffix)).toBe(true);
      expect(name).toMatch(/^[a-z][a-z0-9]{2,23}$/);
    }
    expect(vaultName("caudit", "0123456789abc", "")).toBe("kvcaudit0123456789abc");
  });

  it("lets a Bicep deployment recover the soft-deleted vault, only when asked", () => {
    const main = bicep("infra/bicep/main.bicep").code;
    expect(main).toMatch(/param recoverKeyVault bool = false/);
    expect(main).toMatch(/module keyVault 'modules\/key-vault\.bicep' = \{[\s\S]*?recover: recoverKeyVault/);
    const vault = bicep("modules/key-vault.bicep").code;
    expect(vault).toMatch(/param recover bool = false/);
    expect(vault).toMatch(/createMode: recover \? 'recover' : 'default'/);
    expect(vault).toMatch(/enablePurgeProtection: true/);
  });

  it("documents the redeploy after deleting the resource group", () => {
    const readme = readFileSync(join(REPO_ROOT, "infra", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Redeploying after deleting the resource group"));
    expect(section.length).toBeGreaterThan(100);
    for (const needle of [
      "recoverKeyVault=true",
      "keyVaultNameSuffix",
      "key_vault_name_suffix",
      "recover_soft_deleted_key_vaults",
    ]) {
      expect(section).toContain(needle);
    }
  });
});

describe("fan-out queues (the contract of auditScopeWorker)", () => {
  const bicepEntries = extractBicepAppSettings(bicepSources);
  const terraformEntries = extractTerraformAppSettings(terraformSources);

  it("creates the scope queue and its poison queue in the function's storage account (Bicep)", () => {
    const storage = bicep("modules/storage.bicep").code;
    expect(storage).toMatch(
      /resource queueService 'Microsoft\.Storage\/storageAccounts\/queueServices@[\d-]+' = \{\s+parent: storageAccount\s+name: 'default'/,
    );
    expect(storage).toMatch(
      /resource queues 'Microsoft\.Storage\/storageAccounts\/queueServices\/queues@[\d-]+' = \[\s+for queueName in queueNames: \{\s+parent: queueService\s+name: queueName/,
    );
    const main = bicep("infra/bicep/main.bicep").code;
    expect(main).toMatch(/param scopeQueueName string = 'audit-scopes'/);
    expect(main).toMatch(/var poisonQueue = '\$\{scopeQueue\}-poison'/);
    expect(main).toMatch(
      /module storage 'modules\/storage\.bicep' = \{[\s\S]*?queueNames: \[\s+scopeQueue\s+poisonQueue\s+\]/,
    );
    expect(settingValues(bicepEntries, "AUDIT_QUEUE_NAME")).toEqual(["scopeQueue"]);
    expect(settingValues(bicepEntries, "AUDIT_QUEUE_ENDPOINT")).toEqual(["storage.outputs.queueEndpoint"]);
    expect(storage).toMatch(/output queueEndpoint string = 'https:\/\/\$\{storageAccount\.name\}\.queue\./);
    // The trigger's connection (AzureWebJobsStorage) points at the same account.
    expect(settingValues(bicepEntries, "AzureWebJobsStorage__queueServiceUri")).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep interpolation, not a JS template
      "'https://${storageAccountName}.queue.${environment().suffixes.storage}'",
    ]);
  });

  it("creates the scope queue and its poison queue in the function's storage account (Terraform)", () => {
    const main = terraform("infra/terraform/main.tf").code;
    expect(main).toMatch(
      /resource "azurerm_storage_queue" "this" \{\s+for_each = local\.queues\s+name\s+= each\.value\s+storage_account_id = azurerm_storage_account\.this\.id\s+\}/,
    );
    expect(main).toMatch(
      /queues = \{\s+scope\s+= var\.scope_queue_name\s+poison = "\$\{var\.scope_queue_name\}-poison"\s+\}/,
    );
    const variables = terraform("infra/terraform/variables.tf").code;
    expect(variables).toMatch(/variable "scope_queue_name" \{[^}]*default\s+=\s+"audit-scopes"/);
    expect(settingValues(terraformEntries, "AUDIT_QUEUE_NAME")).toEqual(["var.scope_queue_name"]);
    expect(settingValues(terraformEntries, "AUDIT_QUEUE_ENDPOINT")).toEqual(["local.queue_endpoint"]);
    expect(main).toMatch(/queue_endpoint = trimsuffix\(azurerm_storage_account\.this\.primary_queue_endpoint, "\/"\)/);
    expect(settingValues(terraformEntries, "AzureWebJobsStorage__queueServiceUri")).toEqual([
      'trimsuffix(azurerm_storage_account.this.primary_queue_endpoint, "/")',
    ]);
    // The app starts only once its queues exist.
    expect(main).toMatch(/depends_on = \[[^\]]*azurerm_storage_queue\.this/);
  });

  it("accepts the same scope queue names in both trees, short enough for <name>-poison", () => {
    const bicepCheck = bicepNameCheck(bicep("infra/bicep/main.bicep"), "scopeQueue");
    expect(bicepCheck.param).toBe("scopeQueueName");
    const terraformCheck = terraformNameCheck(terraformSources, "scope_queue_name");
    expect(disagreements(bicepCheck, terraformCheck, NAME_SAMPLES)).toEqual([]);
    for (const check of [bicepCheck, terraformCheck]) {
      expect(check.accepts("audit-scopes"), check.origin).toBe(true);
      expect(check.accepts("a".repeat(56)), check.origin).toBe(true);
      // A 57-character name would make a 64-character poison queue name: Azure allows 63.
      expect(check.accepts("a".repeat(57)), check.origin).toBe(false);
      expect(check.accepts("audit--scopes"), check.origin).toBe(false);
      expect(check.accepts("Audit-scopes"), check.origin).toBe(false);
    }
  });
});

describe("role parity", () => {
  it("grants the same role definitions in Bicep and Terraform, and exactly the expected ones", () => {
    const bicep = extractRoleDefinitionIds(bicepSources);
    const terraform = extractRoleDefinitionIds(terraformSources);
    expect(compareRoleSets(bicep, terraform)).toEqual({ onlyInBicep: [], onlyInTerraform: [] });
    const named = (ids: ReadonlySet<string>): string[] =>
      [...ids].map((id) => EXPECTED_ROLES[id] ?? `unexpected ${id}`).sort();
    expect(named(bicep)).toEqual(Object.values(EXPECTED_ROLES).sort());
    expect(named(terraform)).toEqual(Object.values(EXPECTED_ROLES).sort());
  });
});

describe("the checks catch drift (negative tests)", () => {
  it("reports a deployed setting that Bicep stops setting", () => {
    const edited = withEdit(bicepSources, "infra/bicep/main.bicep", (text) =>
      text.replace(/^\s*AUDIT_GPU_TABLE:.*$/m, ""),
    );
    const report = compareSettings(settingNames(extractBicepAppSettings(edited)), [], catalog);
    expect(report.bicep.missing).toEqual(["AUDIT_GPU_TABLE"]);
  });

  it("reports a deployed setting that Terraform stops setting", () => {
    const edited = withEdit(terraformSources, "infra/terraform/main.tf", (text) =>
      text.replace(/^\s*AUDIT_NOTIFY_MIN_SEVERITY\s*=.*$/m, ""),
    );
    const names = settingNames(extractTerraformAppSettings(edited));
    expect(checkTreeSettings(names, catalog).missing).toEqual(["AUDIT_NOTIFY_MIN_SEVERITY"]);
    const report = compareSettings(settingNames(extractBicepAppSettings(bicepSources)), names, catalog);
    expect(report.onlyInBicep).toEqual(["AUDIT_NOTIFY_MIN_SEVERITY"]);
    expect(isClean(report)).toBe(false);
  });

  it("reports a setting the code ignores, and a local-only setting", () => {
    const edited = withEdit(terraformSources, "infra/terraform/main.tf", (text) =>
      text.replace(
        /(\n\s*AUDIT_GPU_TABLE\s*=.*)/,
        '$1\n    AUDIT_NOT_A_SETTING = "x"\n    "AUDIT_TABLE_CONNECTION_STRING" = "UseDevelopmentStorage=true"',
      ),
    );
    const report = checkTreeSettings(settingNames(extractTerraformAppSettings(edited)), catalog);
    expect(report.unknown).toEqual(["AUDIT_NOT_A_SETTING"]);
    expect(report.localOnly).toEqual(["AUDIT_TABLE_CONNECTION_STRING"]);
  });

  it("reports settings written as { name: 'X', value: ... } entries", () => {
    const source = sourceFromText(
      "inline.bicep",
      "resource app 'Microsoft.Web/sites@2024-04-01' = {\n  properties: {\n    siteConfig: {\n      appSettings: [\n" +
        "        { name: 'AUDIT_SCHEDULE', value: '0 0 * * * *' }\n        {\n          name: 'WEBSITE_RUN_FROM_PACKAGE'\n" +
        "          value: '1'\n        }\n      ]\n    }\n  }\n}\n",
      "bicep",
    );
    const names = settingNames(extractBicepAppSettings([source]));
    expect(names).toEqual(["AUDIT_SCHEDULE", "WEBSITE_RUN_FROM_PACKAGE"]);
    expect(checkTreeSettings(names, catalog).unknown).toEqual(["WEBSITE_RUN_FROM_PACKAGE"]);
  });

  it("reports a role granted by one tree only", () => {
    const edited = withEdit(terraformSources, "infra/terraform/main.tf", (text) =>
      text.replace(/^\s*log_analytics_reader\s*=\s*"73c42c96-874c-492b-b04d-ab87d138a893"\s*$/m, ""),
    );
    const diff = compareRoleSets(extractRoleDefinitionIds(bicepSources), extractRoleDefinitionIds(edited));
    expect(diff).toEqual({ onlyInBicep: ["73c42c96-874c-492b-b04d-ab87d138a893"], onlyInTerraform: [] });
  });

  it("fails loudly instead of passing on files without settings or roles", () => {
    const empty = [sourceFromText("empty.bicep", "// nothing here\nparam x string\n", "bicep")];
    expect(() => extractBicepAppSettings(empty)).toThrow(/No app settings/);
    const emptyTf = [sourceFromText("empty.tf", '# app_settings = { A = "b" }\nlocals {}\n', "hcl")];
    expect(() => extractTerraformAppSettings(emptyTf)).toThrow(/No app settings/);
    expect(() => extractRoleDefinitionIds(emptyTf)).toThrow(/No role definition IDs/);
  });
});

describe("the extractors read code, not comments or strings", () => {
  it("ignores keys in comments and braces inside strings and interpolations", () => {
    const tf = sourceFromText(
      "x.tf",
      [
        "locals {",
        "  # NOT_A_KEY = 1",
        "  my_app_settings = {",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep/HCL interpolation, not a JS template
        '    A = "value with { brace and ${jsonencode({ inner = "}" })}"',
        '    "B" = <<-EOT',
        "      C = not a key",
        "    EOT",
        "    D = { nested = 1 } // E = 2",
        "  }",
        "}",
      ].join("\n"),
      "hcl",
    );
    expect(settingNames(extractTerraformAppSettings([tf]))).toEqual(["A", "B", "D"]);

    const bicep = sourceFromText(
      "x.bicep",
      [
        "var someSettings = {",
        "  // NOT_A_KEY: 1",
        "  A: 'it\\'s { not: a key }'",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep/HCL interpolation, not a JS template
        "  B: '${union({ inner: '}' }, {})}'",
        "  C: '''",
        "  D: multi-line string",
        "  '''",
        "  E: { nested: true }",
        "}",
      ].join("\n"),
      "bicep",
    );
    expect(settingNames(extractBicepAppSettings([bicep]))).toEqual(["A", "B", "C", "E"]);
  });
});

/** Bicep writes string literals in single quotes, HCL in double quotes. */
function quoteFor(entries: readonly { path: string }[]): (literal: string) => string {
  const isTerraform = entries[0]?.path.endsWith(".tf") ?? false;
  return (literal) => (isTerraform ? literal.replaceAll("'", '"') : literal);
}
