import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allBlocks,
  extractBicepAppSettings,
  extractRoleDefinitionIds,
  extractTerraformAppSettings,
  type HclBlock,
  INFRA_DIR,
  listFiles,
  loadBicepSources,
  loadTerraformSources,
  parseHcl,
  REPO_ROOT,
  type Source,
  settingValues,
  sourceFromText,
  stringLiterals,
  toRepoPath,
} from "./infra-text.js";

const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR = "b24988ac-6180-42f3-a832-7f6d3e81ae1d";

const ALLOWED_ROLES = new Set([
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
  "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
  "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
  "acdd72a7-3385-48ef-bd42-f606fba81ae7", // Reader
  "73c42c96-874c-492b-b04d-ab87d138a893", // Log Analytics Reader
]);

const EXPECTED_AWS_ACTIONS = [
  "eks:ListClusters",
  "eks:DescribeCluster",
  "eks:ListNodegroups",
  "eks:DescribeNodegroup",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTags",
  "ec2:DescribeSecurityGroups",
  "sts:GetCallerIdentity",
];

/** The IAM service prefix of each AWS SDK client the product imports. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  "client-eks": "eks",
  "client-elastic-load-balancing": "elasticloadbalancing",
  "client-elastic-load-balancing-v2": "elasticloadbalancing",
  "client-ec2": "ec2",
  "client-sts": "sts",
};

/**
 * The AWS actions the product's code calls: every `XxxCommand` and `paginateXxx` it imports from an
 * `@aws-sdk/client-*` package (aliases included). AssumeRole and AssumeRoleWithWebIdentity go through
 * @aws-sdk/credential-providers and are the caller's permission and the trust policy's, not this role's.
 */
function awsActionsCalledByCode(): string[] {
  const actions = new Set<string>();
  const files = listFiles(join(REPO_ROOT, "shared")).filter((f) => f.endsWith(".ts") && !f.includes("/fakes/"));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"@aws-sdk\/(client-[a-z0-9-]+)"/g)) {
      const prefix = IAM_PREFIX[match[2] ?? ""];
      if (!prefix) throw new Error(`${toRepoPath(file)} imports @aws-sdk/${match[2]}: add its IAM prefix here`);
      for (const raw of (match[1] ?? "").split(",")) {
        const name =
          raw
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)[0] ?? "";
        const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
        if (operation) actions.add(`${prefix}:${operation}`);
      }
    }
  }
  return [...actions].sort();
}

const bicepSources = loadBicepSources();
const terraformSources = loadTerraformSources();
const codeSources = [...bicepSources, ...terraformSources];

function bicepFile(suffix: string): Source {
  const source = bicepSources.find((s) => s.path.endsWith(suffix));
  if (!source) throw new Error(`No Bicep file ending in ${suffix}`);
  return source;
}

function terraformFile(path: string): Source {
  const source = terraformSources.find((s) => s.path === path);
  if (!source) throw new Error(`No Terraform file ${path}`);
  return source;
}

/** All code of a tree with comments removed, for "must contain" / "must not contain" checks. */
function treeCode(sources: readonly Source[]): string {
  return sources.map((source) => source.code).join("\n");
}

/** The `data "aws_iam_policy_document" "<name>"` block of the Terraform tree; exactly one must exist. */
function policyDocument(name: string): HclBlock {
  const found = terraformSources.flatMap((source) =>
    allBlocks(parseHcl(source)).filter(
      (block) => block.type === "data" && block.labels[0] === "aws_iam_policy_document" && block.labels[1] === name,
    ),
  );
  expect(found, `data "aws_iam_policy_document" "${name}"`).toHaveLength(1);
  const [block] = found;
  if (!block) throw new Error(`No policy document ${name}`);
  return block;
}

function attribute(block: HclBlock, name: string): string {
  const found = block.body.attributes.find((a) => a.name === name);
  if (!found) throw new Error(`Block ${block.type} ${block.labels.join(" ")} has no attribute ${name}`);
  return found.expr;
}

describe("no Owner or Contributor anywhere", () => {
  it("has neither role definition ID in any file under infra/ or in azure.yaml", () => {
    const files = [...listFiles(INFRA_DIR), join(REPO_ROOT, "azure.yaml")];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, "utf8").toLowerCase();
      expect(text.includes(OWNER), `${toRepoPath(file)} mentions the Owner role ID`).toBe(false);
      expect(text.includes(CONTRIBUTOR), `${toRepoPath(file)} mentions the Contributor role ID`).toBe(false);
    }
  });

  it("never names Owner or Contributor as a role in the templates", () => {
    for (const source of codeSources) {
      expect(source.code, source.path).not.toMatch(/(['"])\s*(Owner|Contributor)\s*\1/i);
      expect(source.code, source.path).not.toMatch(/role_definition_name\s*=/);
    }
  });

  it("grants only the reviewed roles, by definition ID", () => {
    for (const sources of [bicepSources, terraformSources]) {
      const granted = extractRoleDefinitionIds(sources);
      expect([...granted].filter((id) => !ALLOWED_ROLES.has(id))).toEqual([]);
    }
  });

  it("grants Reader and Log Analytics Reader on subscriptions or management groups, nothing wider", () => {
    const subscription = bicepFile("modules/audit-reader.subscription.bicep").code;
    const managementGroup = bicepFile("modules/audit-reader.managementgroup.bicep").code;
    expect(subscription).toMatch(/targetScope = 'subscription'/);
    expect(managementGroup).toMatch(/targetScope = 'managementGroup'/);
    for (const code of [subscription, managementGroup]) {
      expect(code).toContain("acdd72a7-3385-48ef-bd42-f606fba81ae7");
      expect(code).toContain("73c42c96-874c-492b-b04d-ab87d138a893");
    }
    expect(bicepFile("main.bicep").code).toMatch(
      /module auditReader 'modules\/audit-reader\.subscription\.bicep' = \[/,
    );
    const tf = terraformFile("infra/terraform/main.tf").code;
    expect(tf).toMatch(/resource "azurerm_role_assignment" "audit_reader_subscription"/);
    expect(tf).toMatch(/resource "azurerm_role_assignment" "audit_reader_management_group"/);
    expect(tf).not.toMatch(/scope\s*=\s*"\/"/); // never the tenant root
  });
});

describe("the fan-out reuses the host's one queue role", () => {
  const QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

  it("grants Storage Queue Data Contributor exactly once per tree, on the function's storage account", () => {
    for (const sources of [bicepSources, terraformSources]) {
      const occurrences = sources.flatMap((source) => [
        ...source.code.toLowerCase().matchAll(new RegExp(QUEUE_DATA_CONTRIBUTOR, "g")),
      ]);
      expect(occurrences, "the role definition ID is written once per tree").toHaveLength(1);
    }
    const rbac = bicepFile("modules/rbac.bicep").code;
    expect(rbac).toMatch(/storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'/);
    const storageRoles = /var storageRoleDefinitionIds = \[([^\]]*)\]/.exec(rbac)?.[1] ?? "";
    expect(storageRoles.match(/roleDefinitionIds\.storageQueueDataContributor/g)).toHaveLength(1);
    expect(rbac).toMatch(
      /resource storageAccount_roleAssignments [^\n]*= \[\s+for roleDefinitionId in storageRoleDefinitionIds: \{[\s\S]*?scope: storageAccount\b/,
    );
    expect(rbac.match(/storageQueueDataContributor/g)).toHaveLength(2); // the map entry and the one use

    const tf = terraformFile("infra/terraform/main.tf").code;
    const assignments = /resource_role_assignments = \{([^}]*)\}/.exec(tf)?.[1] ?? "";
    expect(assignments.match(/storage_queue_data_contributor\s*=\s*azurerm_storage_account\.this\.id/g)).toHaveLength(
      1,
    );
    expect(tf.match(/storage_queue_data_contributor/g)).toHaveLength(2); // the ID and the one assignment
  });

  it("grants no narrower queue role next to it (Message Sender cannot read or delete what the trigger takes)", () => {
    const narrower = [
      "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a", // Storage Queue Data Message Sender
      "8a0f0c08-91a1-4084-bc3d-661d67233fed", // Storage Queue Data Message Processor
      "19e7f393-937e-4f77-808e-94535e297925", // Storage Queue Data Reader
    ];
    for (const source of codeSources) {
      for (const id of narrower)
        expect(source.code.toLowerCase().includes(id), `${source.path} grants ${id}`).toBe(false);
    }
  });
});

describe("storage without shared keys", () => {
  it("disables shared-key access, requires TLS 1.2 and https, and allows no public blobs (Bicep)", () => {
    const code = bicepFile("modules/storage.bicep").code;
    expect(code).toMatch(/allowSharedKeyAccess: false/);
    expect(code).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(code).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(code).toMatch(/allowBlobPublicAccess: false/);
    expect(treeCode(bicepSources)).not.toMatch(/allowSharedKeyAccess: true/);
  });

  it("disables shared-key access, requires TLS 1.2 and https, and allows no public blobs (Terraform)", () => {
    const code = terraformFile("infra/terraform/main.tf").code;
    expect(code).toMatch(/shared_access_key_enabled\s*=\s*false/);
    expect(code).toMatch(/min_tls_version\s*=\s*"TLS1_2"/);
    expect(code).toMatch(/https_traffic_only_enabled\s*=\s*true/);
    expect(code).toMatch(/allow_nested_items_to_be_public\s*=\s*false/);
    expect(treeCode(terraformSources)).not.toMatch(/shared_access_key_enabled\s*=\s*true/);
  });

  it("uses no connection string or account key in either tree", () => {
    const forbidden = [
      /listKeys\s*\(/i,
      /AccountKey\s*=/i,
      /DefaultEndpointsProtocol/i,
      /(primary|secondary)_(access_key|connection_string|blob_connection_string)/,
      /storage_access_key|function_app_storage_account_access_key|StorageAccountConnectionString/,
      /WEBSITE_CONTENTAZUREFILECONNECTIONSTRING|DEPLOYMENT_STORAGE_CONNECTION_STRING/,
      /SharedAccessSignature|sas_token|listAccountSas|listServiceSas/i,
    ];
    for (const source of codeSources) {
      for (const pattern of forbidden) expect(source.code, `${source.path} matches ${pattern}`).not.toMatch(pattern);
    }
    for (const entries of [extractBicepAppSettings(bicepSources), extractTerraformAppSettings(terraformSources)]) {
      const names = entries.map((entry) => entry.name);
      expect(names).not.toContain("AzureWebJobsStorage");
      // The only connection-string setting is Application Insights', whose ingestion requires Entra ID auth.
      const connectionStrings = names.filter((name) => /CONNECTION_?STRING/i.test(name));
      expect(connectionStrings.filter((name) => name !== "APPLICATIONINSIGHTS_CONNECTION_STRING")).toEqual([]);
    }
  });

  it("authenticates the deployment container with the user-assigned identity", () => {
    const functionApp = bicepFile("modules/function-app.bicep").code;
    expect(functionApp).toMatch(/type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityResourceId/);
    const tf = terraformFile("infra/terraform/main.tf").code;
    expect(tf).toMatch(/storage_authentication_type\s*=\s*"UserAssignedIdentity"/);
    expect(tf).toMatch(/storage_user_assigned_identity_id\s*=\s*azurerm_user_assigned_identity\.this\.id/);
  });

  it("disables local auth on Application Insights in both trees", () => {
    expect(bicepFile("modules/monitoring.bicep").code).toMatch(/DisableLocalAuth: true/);
    expect(terraformFile("infra/terraform/main.tf").code).toMatch(
      /local_authentication_enabled\s*=\s*false|local_authentication_disabled\s*=\s*true/,
    );
  });
});

/**
 * What keeps basic-auth publishing (FTP and SCM usernames and passwords) on in a tree; empty when
 * both policies are off.
 */
function basicAuthProblems(bicepTree: readonly Source[], terraformTree: readonly Source[]): string[] {
  const problems: string[] = [];
  // Bicep: one basicPublishingCredentialsPolicies resource (or loop) on the function app, ftp and scm, allow false.
  const bicepCode = treeCode(bicepTree);
  const policy =
    /resource (\w+) 'Microsoft\.Web\/sites\/basicPublishingCredentialsPolicies@\d{4}-\d{2}-\d{2}' = \[\s*for policyName in \[([^\]]*)\]: \{\s*parent: functionApp\s+name: policyName\s+properties: \{\s*allow: (\w+)\s*\}/.exec(
      bicepCode,
    );
  if (!policy) problems.push("Bicep: no basicPublishingCredentialsPolicies loop on the function app");
  else {
    if (
      stringLiterals(policy[2] ?? "", "bicep")
        .sort()
        .join(",") !== "ftp,scm"
    )
      problems.push("Bicep: the policies are not exactly ftp and scm");
    if (policy[3] !== "false") problems.push(`Bicep: basic-auth publishing allow: ${policy[3]}`);
  }
  if (/allow: true/.test(bicepCode)) problems.push("Bicep: allow: true");

  // Terraform: SCM off on the flex app, FTP off through azapi, nothing turned back on.
  const blocks = terraformTree.flatMap((source) => allBlocks(parseHcl(source)));
  const app = blocks.find(
    (b) => b.type === "resource" && b.labels[0] === "azurerm_function_app_flex_consumption" && b.labels[1] === "this",
  );
  const scm = app?.body.attributes.find((a) => a.name === "webdeploy_publish_basic_authentication_enabled")?.expr;
  if (scm !== "false")
    problems.push(`Terraform: webdeploy_publish_basic_authentication_enabled = ${scm ?? "(unset: defaults to true)"}`);
  const ftp = blocks.find(
    (b) =>
      b.type === "resource" &&
      b.labels[0] === "azapi_update_resource" &&
      /basicPublishingCredentialsPolicies@/.test(b.body.attributes.find((a) => a.name === "type")?.expr ?? "") &&
      /\/basicPublishingCredentialsPolicies\/ftp"$/.test(
        b.body.attributes.find((a) => a.name === "resource_id")?.expr ?? "",
      ),
  );
  if (!ftp) problems.push("Terraform: no azapi update of basicPublishingCredentialsPolicies/ftp");
  else if (
    !/properties\s*=\s*\{\s*allow\s*=\s*false\s*\}/.test(ftp.body.attributes.find((a) => a.name === "body")?.expr ?? "")
  ) {
    problems.push("Terraform: the FTP policy is not allow = false");
  }
  const terraformCode = treeCode(terraformTree);
  if (/basic_authentication_enabled\s*=\s*true/.test(terraformCode))
    problems.push("Terraform: a basic_authentication_enabled = true");
  if (/\ballow\s*=\s*true/.test(terraformCode)) problems.push("Terraform: allow = true");
  return problems;
}

describe("no basic-auth publishing credentials (FTP and SCM)", () => {
  it("disables both policies in Bicep and in Terraform", () => {
    expect(basicAuthProblems(bicepSources, terraformSources)).toEqual([]);
  });

  it("notices a policy turned back on, or left out", () => {
    const edit = (sources: readonly Source[], suffix: string, change: (text: string) => string): Source[] =>
      sources.map((source) =>
        source.path.endsWith(suffix) ? sourceFromText(source.path, change(source.text), source.dialect) : source,
      );
    const bicepOn = edit(bicepSources, "modules/function-app.bicep", (t) => t.replace("allow: false", "allow: true"));
    expect(basicAuthProblems(bicepOn, terraformSources)).toEqual([
      "Bicep: basic-auth publishing allow: true",
      "Bicep: allow: true",
    ]);
    const bicepFtpOnly = edit(bicepSources, "modules/function-app.bicep", (t) => t.replace("    'scm'\n", ""));
    expect(basicAuthProblems(bicepFtpOnly, terraformSources)).toEqual([
      "Bicep: the policies are not exactly ftp and scm",
    ]);
    const tfScmDefault = edit(terraformSources, "infra/terraform/main.tf", (t) =>
      t.replace(/\n\s*webdeploy_publish_basic_authentication_enabled = false\n/, "\n"),
    );
    expect(basicAuthProblems(bicepSources, tfScmDefault)).toEqual([
      "Terraform: webdeploy_publish_basic_authentication_enabled = (unset: defaults to true)",
    ]);
    const tfFtpOn = edit(terraformSources, "infra/terraform/main.tf", (t) =>
      t.replace(/allow = false/, "allow = true"),
    );
    expect(basicAuthProblems(bicepSources, tfFtpOn)).toEqual([
      "Terraform: the FTP policy is not allow = false",
      "Terraform: allow = true",
    ]);
  });
});

describe("webhook URLs live in Key Vault only", () => {
  it("uses a vault in RBAC mode with purge protection in both trees", () => {
    const bicep = bicepFile("modules/key-vault.bicep").code;
    expect(bicep).toMatch(/enableRbacAuthorization: true/);
    expect(bicep).toMatch(/enablePurgeProtection: true/);
    const tf = terraformFile("infra/terraform/main.tf").code;
    expect(tf).toMatch(/rbac_authorization_enabled\s*=\s*true/);
    expect(tf).toMatch(/purge_protection_enabled\s*=\s*true/);
  });

  it("sets both webhook settings as Key Vault references in both trees", () => {
    for (const entries of [extractBicepAppSettings(bicepSources), extractTerraformAppSettings(terraformSources)]) {
      for (const name of ["AUDIT_TEAMS_WEBHOOK_URL", "AUDIT_SLACK_WEBHOOK_URL"]) {
        const values = settingValues(entries, name);
        expect(values, name).toHaveLength(1);
        expect(values[0], name).toContain("@Microsoft.KeyVault(SecretUri=");
        expect(values[0], `${name} must not carry the URL itself`).not.toMatch(/webhook_?url\b/i);
      }
    }
  });

  it("takes the URLs as secure or sensitive inputs and resolves references with the user-assigned identity", () => {
    const main = bicepFile("main.bicep").code;
    expect(main).toMatch(/@secure\(\)\s+param teamsWebhookUrl string/);
    expect(main).toMatch(/@secure\(\)\s+param slackWebhookUrl string/);
    expect(bicepFile("modules/key-vault.bicep").code).toMatch(/@secure\(\)\s+param teamsWebhookUrl string/);
    expect(bicepFile("modules/function-app.bicep").code).toMatch(/keyVaultReferenceIdentity: identityResourceId/);

    const variables = terraformFile("infra/terraform/variables.tf").code;
    expect(variables).toMatch(/variable "teams_webhook_url" \{[^}]*sensitive\s+=\s+true/);
    expect(variables).toMatch(/variable "slack_webhook_url" \{[^}]*sensitive\s+=\s+true/);
    const tf = terraformFile("infra/terraform/main.tf").code;
    expect(tf).toMatch(/keyVaultReferenceIdentity\s*=\s*azurerm_user_assigned_identity\.this\.id/);
    // Write-only: the URL goes to sensitive_body, never to body or the state.
    expect(tf).toMatch(/sensitive_body\s*=\s*\{\s*properties\s*=\s*\{\s*value\s*=\s*var\.teams_webhook_url/);
    expect(tf).toMatch(/sensitive_body\s*=\s*\{\s*properties\s*=\s*\{\s*value\s*=\s*var\.slack_webhook_url/);
  });
});

describe("AWS: read-only role, reachable only by the function's identity", () => {
  it("allows only read actions, with no wildcard", () => {
    const readOnly = policyDocument("read_only");
    const statements = readOnly.body.blocks.filter((block) => block.type === "statement");
    expect(statements.length).toBeGreaterThan(0);
    const actions = statements.flatMap((statement) => stringLiterals(attribute(statement, "actions"), "hcl"));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action, "wildcard action").not.toContain("*");
      expect(action).toMatch(/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9]*$/);
    }
    expect([...actions].sort()).toEqual([...EXPECTED_AWS_ACTIONS].sort());
    // Exactly what the code calls: every granted action is called, every called action is granted.
    expect([...actions].sort()).toEqual(awsActionsCalledByCode());
    for (const statement of statements) {
      expect(stringLiterals(attribute(statement, "effect"), "hcl")).toEqual(["Allow"]);
      expect(statement.body.attributes.map((a) => a.name)).not.toContain("not_actions");
    }
  });

  it("attaches no other permission policy to the role", () => {
    const aws = treeCode(terraformSources.filter((source) => source.path.includes("aws")));
    expect(aws).not.toMatch(/arn:aws[a-z-]*:iam::aws:policy\//);
    expect(aws).not.toMatch(/aws_iam_role_policy_attachment|aws_iam_policy_attachment|managed_policy_arns/);
    const rolePolicies = terraformSources.flatMap((source) =>
      allBlocks(parseHcl(source)).filter(
        (block) => block.type === "resource" && block.labels[0] === "aws_iam_role_policy",
      ),
    );
    expect(rolePolicies).toHaveLength(1);
    const [rolePolicy] = rolePolicies;
    expect(rolePolicy && attribute(rolePolicy, "policy")).toBe("data.aws_iam_policy_document.read_only.json");
    // Every list of actions in the AWS code is read-only, except the trust policy's single action.
    for (const match of aws.matchAll(/actions\s*=\s*(\[[^\]]*\])/g)) {
      for (const action of stringLiterals(match[1] ?? "", "hcl")) {
        expect(
          action === "sts:AssumeRoleWithWebIdentity" || /^[a-z0-9-]+:(Describe|List|Get)\w*$/.test(action),
          action,
        ).toBe(true);
      }
    }
  });

  it("conditions the trust policy on the audience and on the managed identity's principal ID", () => {
    const trust = policyDocument("trust");
    const [statement, ...others] = trust.body.blocks.filter((block) => block.type === "statement");
    expect(others).toHaveLength(0);
    if (!statement) throw new Error("The trust policy has no statement");
    expect(stringLiterals(attribute(statement, "actions"), "hcl")).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(stringLiterals(attribute(statement, "effect"), "hcl")).toEqual(["Allow"]);

    const principals = statement.body.blocks.filter((block) => block.type === "principals");
    expect(principals).toHaveLength(1);
    const [principal] = principals;
    expect(principal && stringLiterals(attribute(principal, "type"), "hcl")).toEqual(["Federated"]);

    const conditions = statement.body.blocks
      .filter((block) => block.type === "condition")
      .map((block) => ({
        test: stringLiterals(attribute(block, "test"), "hcl"),
        variable: attribute(block, "variable"),
        values: attribute(block, "values"),
      }));
    const aud = conditions.find((c) => /:aud"$/.test(c.variable));
    const sub = conditions.find((c) => /:sub"$/.test(c.variable));
    expect(aud, "condition on :aud").toBeDefined();
    expect(sub, "condition on :sub").toBeDefined();
    expect(aud?.test).toEqual(["StringEquals"]);
    expect(sub?.test).toEqual(["StringEquals"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep/HCL interpolation, not a JS template
    expect(aud?.variable).toBe('"${local.issuer_host_path}:aud"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep/HCL interpolation, not a JS template
    expect(sub?.variable).toBe('"${local.issuer_host_path}:sub"');
    expect(aud?.values).toBe("[var.audience]");
    expect(sub?.values).toBe("[var.principal_id]");

    const module = terraformFile("infra/terraform/modules/aws-audit-role/main.tf").code;
    expect(module).toMatch(/issuer_url\s*=\s*"https:\/\/sts\.windows\.net\/\$\{var\.entra_tenant_id\}\/"/);
    expect(module).toMatch(/issuer_host_path\s*=\s*"sts\.windows\.net\/\$\{var\.entra_tenant_id\}\/"/);
    expect(module).toMatch(/client_id_list\s*=\s*\[var\.audience\]/);
    // The root module passes the user-assigned identity's principal (object) ID as the subject.
    expect(terraformFile("infra/terraform/main.aws.tf").code).toMatch(
      /principal_id\s*=\s*azurerm_user_assigned_identity\.this\.principal_id/,
    );
  });
});
