import { z } from "zod";
import { ConfigError, registerSecret } from "../errors.js";
import { SEVERITIES, type Severity } from "../model/finding.js";
import type { Cloud } from "../model/inventory.js";
import type { Rule } from "../model/rule.js";
import { ALL_RULES } from "../rules/index.js";
import { DEFAULT_EKS_REGIONS } from "./aws-regions.js";
import { AZURE_CLOUD_NAMES, AZURE_CLOUDS, type AzureCloudName } from "./azure-clouds.js";
import type { SettingName } from "./setting-specs.js";

/** Validated, frozen configuration. Built once per run, before any network call. */
export interface Settings {
  readonly clouds: readonly Cloud[];
  readonly schedule: string;
  readonly azure: {
    readonly cloud: AzureCloudName;
    readonly subscriptions: readonly string[];
    /** Set by a fan-out planner that listed the subscriptions itself (not an environment setting). */
    readonly subscriptionsDiscovered?: boolean;
    readonly armEndpoint: string;
    readonly armAudience: string;
    readonly logsEndpoint: string;
    readonly logsAudience: string;
    readonly workspaces: readonly string[];
  };
  readonly aws: {
    readonly roleArns: readonly string[];
    readonly regions: readonly string[];
    readonly webIdentityAudience: string | null;
  };
  readonly notify: {
    readonly teamsWebhookUrl: string | null;
    readonly slackWebhookUrl: string | null;
    readonly minSeverity: Severity;
    readonly allowedHosts: readonly string[];
    /** Criticals sent as their own message per channel and run; the rest go into the digest. */
    readonly maxCriticalMessages: number;
    /** Re-send a critical still open after this many hours; null = off. */
    readonly remindAfterHours: number | null;
  };
  readonly table:
    | { readonly kind: "connectionString"; readonly connectionString: string }
    | { readonly kind: "endpoint"; readonly endpoint: string }
    /** The CLI's local store: JSON files under this directory, same behaviour as the table. */
    | { readonly kind: "local"; readonly directory: string };
  readonly findingsTable: string;
  readonly gpuTable: string;
  readonly runsTable: string;
  /** Stored history of EKS GPU node-group sizes, one row per node group per run. */
  readonly gpuHistoryTable: string;
  /** Mutelist entries kept in a table, merged with `mutelist`. */
  readonly mutesTable: string;
  /** The mutelist file: a local path or an https URL (a blob, read with the managed identity unless it carries a SAS). */
  readonly mutelist: string | null;
  /** Scale-out on Storage Queues: the timer plans, queue workers audit one scope each, a finishing step notifies. */
  readonly fanOut: {
    /** Fan out when the sweep has at least this many scopes; null = always in-process. */
    readonly minScopes: number | null;
    readonly queue:
      | { readonly kind: "endpoint"; readonly endpoint: string }
      | { readonly kind: "connectionString"; readonly connectionString: string }
      | null;
    readonly queueName: string;
    /** The finishing step waits this long for the workers before it reports missing scopes as blind spots. */
    readonly deadlineMinutes: number;
    /** Subscriptions per Azure worker message (Resource Graph takes them in one query). */
    readonly subscriptionsPerScope: number;
  };
  /** Each rule's config: `AUDIT_RULE_CONFIG` over the rule's defaults. */
  readonly ruleConfigs: ReadonlyMap<string, unknown>;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SCHEDULE = "0 */15 * * * *";
export const DEFAULT_WEBHOOK_HOSTS = [
  "hooks.slack.com",
  "hooks.slack-gov.com",
  "*.logic.azure.com",
  "*.logic.azure.us",
  "*.api.powerplatform.com",
] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const HOST_PATTERN =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/i;
const NCRONTAB_FIELD = /^[\d*/,\-A-Za-z?]+$/;
const AWS_CREDENTIAL_HINTS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
] as const;

const TOKEN_CREDENTIAL_CHOICES = [
  "dev",
  "prod",
  "environmentcredential",
  "workloadidentitycredential",
  "managedidentitycredential",
  "visualstudiocodecredential",
  "azureclicredential",
  "azurepowershellcredential",
  "azuredeveloperclicredential",
];

const commaList = (raw: string | undefined): string[] =>
  (raw ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const httpsUrl = z.url({ protocol: /^https$/, error: "must be an https:// URL" });

/** Hostname-only matching; `*.example.com` matches any subdomain of example.com. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase().replace(/^\[|\]$/g, "");
    return p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

/**
 * Reads every contract setting, reports every problem at once, and never echoes a
 * secret value in a message.
 */
export interface LoadOptions {
  readonly rules?: readonly Rule[];
  /** When set, a missing table setting means the local store in this directory (the CLI); else it is an error. */
  readonly localStoreDirectory?: string;
}

export function loadSettings(env: Environment, options: LoadOptions = {}): Settings {
  const rules = options.rules ?? ALL_RULES;
  const problems: string[] = [];
  const read = (name: SettingName): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const check = <T>(name: SettingName, schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) problems.push(`${name}: ${issue.message}`);
    return fallback;
  };
  const listOf = (name: SettingName, pattern: RegExp, what: string): string[] => {
    const item = z
      .string()
      .regex(pattern, { error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 80))} is not ${what}` });
    return check(name, z.array(item), commaList(read(name)), []);
  };

  // Clouds
  const cloudsRaw = commaList(read("AUDIT_CLOUDS")).map((c) => c.toLowerCase());
  for (const c of cloudsRaw) {
    if (c !== "azure" && c !== "aws")
      problems.push(`AUDIT_CLOUDS: unknown cloud ${JSON.stringify(c.slice(0, 40))} (expected azure, aws)`);
  }
  const awsHinted =
    ["AUDIT_AWS_ROLE_ARNS", "AUDIT_AWS_REGIONS", "AUDIT_AWS_WEB_IDENTITY_AUDIENCE"].some((n) => env[n]?.trim()) ||
    AWS_CREDENTIAL_HINTS.some((n) => env[n]?.trim());
  const clouds: Cloud[] =
    cloudsRaw.length > 0
      ? (["azure", "aws"] as const).filter((c) => cloudsRaw.includes(c))
      : awsHinted
        ? ["azure", "aws"]
        : ["azure"];

  const schedule = read("AUDIT_SCHEDULE") ?? DEFAULT_SCHEDULE;
  const fields = schedule.split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => NCRONTAB_FIELD.test(f))) {
    problems.push(
      `AUDIT_SCHEDULE: ${JSON.stringify(schedule.slice(0, 60))} is not a six-field NCRONTAB expression (e.g. ${DEFAULT_SCHEDULE})`,
    );
  }

  // Azure
  const cloudName = check(
    "AUDIT_AZURE_CLOUD",
    z.enum(AZURE_CLOUD_NAMES as [AzureCloudName, ...AzureCloudName[]], {
      error: (issue) =>
        `unknown Azure cloud ${JSON.stringify(String(issue.input).slice(0, 40))} (expected ${AZURE_CLOUD_NAMES.join(", ")})`,
    }),
    read("AUDIT_AZURE_CLOUD") ?? "AzurePublicCloud",
    "AzurePublicCloud",
  );
  const cloud = AZURE_CLOUDS[cloudName];
  const subscriptions = listOf("AUDIT_AZURE_SUBSCRIPTIONS", GUID, "a subscription ID (GUID)");
  const armEndpoint = check(
    "AUDIT_AZURE_ARM_ENDPOINT",
    httpsUrl,
    read("AUDIT_AZURE_ARM_ENDPOINT") ?? cloud.armEndpoint,
    cloud.armEndpoint,
  );
  const logsEndpoint = check(
    "AUDIT_AZURE_LOGS_ENDPOINT",
    httpsUrl,
    read("AUDIT_AZURE_LOGS_ENDPOINT") ?? cloud.logsEndpoint,
    cloud.logsEndpoint,
  );
  const workspaces = listOf("AUDIT_LOG_ANALYTICS_WORKSPACES", GUID, "a workspace ID (GUID)");

  // AWS
  const roleArns = listOf("AUDIT_AWS_ROLE_ARNS", ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/name)");
  const regionsRaw = listOf("AUDIT_AWS_REGIONS", REGION, "an AWS region name (e.g. eu-west-1)");
  const webIdentityAudience = read("AUDIT_AWS_WEB_IDENTITY_AUDIENCE") ?? null;
  if (webIdentityAudience !== null && /\s/.test(webIdentityAudience)) {
    problems.push("AUDIT_AWS_WEB_IDENTITY_AUDIENCE: must not contain whitespace (e.g. api://aws-audit-federation)");
  }
  if (webIdentityAudience !== null && commaList(read("AUDIT_AWS_ROLE_ARNS")).length === 0) {
    problems.push(
      "AUDIT_AWS_WEB_IDENTITY_AUDIENCE: needs AUDIT_AWS_ROLE_ARNS (the roles to assume with the web identity)",
    );
  }

  // Notifications
  const hostsRaw = commaList(read("AUDIT_WEBHOOK_ALLOWED_HOSTS"));
  for (const h of hostsRaw) {
    if (!HOST_PATTERN.test(h))
      problems.push(
        `AUDIT_WEBHOOK_ALLOWED_HOSTS: ${JSON.stringify(h.slice(0, 80))} is not a host name or *.domain pattern (no scheme, path or port)`,
      );
  }
  const allowedHosts = hostsRaw.length > 0 ? hostsRaw.filter((h) => HOST_PATTERN.test(h)) : [...DEFAULT_WEBHOOK_HOSTS];
  const webhook = (name: "AUDIT_TEAMS_WEBHOOK_URL" | "AUDIT_SLACK_WEBHOOK_URL"): string | null => {
    const raw = read(name);
    if (raw === undefined) return null;
    registerSecret(raw);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      problems.push(`${name}: is not a valid URL (value not shown: it is a secret)`);
      return null;
    }
    if (url.protocol !== "https:") {
      problems.push(`${name}: must use https (got ${url.protocol.replace(":", "")}); value not shown`);
      return null;
    }
    if (!hostMatches(url.hostname, allowedHosts)) {
      problems.push(
        `${name}: host ${url.hostname} is not in the webhook allowlist (${allowedHosts.join(", ")}); set AUDIT_WEBHOOK_ALLOWED_HOSTS to change it`,
      );
      return null;
    }
    return raw;
  };
  const teamsWebhookUrl = webhook("AUDIT_TEAMS_WEBHOOK_URL");
  const slackWebhookUrl = webhook("AUDIT_SLACK_WEBHOOK_URL");
  const minSeverity = check(
    "AUDIT_NOTIFY_MIN_SEVERITY",
    z.enum(SEVERITIES, {
      error: (issue) =>
        `unknown severity ${JSON.stringify(String(issue.input).slice(0, 40))} (expected ${SEVERITIES.join(", ")})`,
    }),
    (read("AUDIT_NOTIFY_MIN_SEVERITY") ?? "high").toLowerCase(),
    "high",
  );

  const intSetting = (name: SettingName, min: number, max: number, fallback: number | null): number | null => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: ${JSON.stringify(raw.slice(0, 20))} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const maxCriticalMessages = intSetting("AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES", 0, 50, 10) ?? 10;
  const remindAfterHours = intSetting("AUDIT_NOTIFY_REMIND_AFTER_HOURS", 1, 24 * 30, null);

  // Rule thresholds
  const ruleConfigs = new Map<string, unknown>();
  const ruleConfigRaw = read("AUDIT_RULE_CONFIG");
  let ruleConfigInput: Record<string, unknown> = {};
  if (ruleConfigRaw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(ruleConfigRaw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      ruleConfigInput = parsed as Record<string, unknown>;
    } catch {
      problems.push(
        'AUDIT_RULE_CONFIG: must be a JSON object keyed by rule ID, e.g. {"gpu-node-spike":{"lookbackDays":14}}',
      );
    }
  }
  const configurable = new Map(rules.flatMap((r) => (r.config ? [[r.metadata.id, r.config] as const] : [])));
  for (const id of Object.keys(ruleConfigInput)) {
    if (!configurable.has(id))
      problems.push(
        `AUDIT_RULE_CONFIG: ${JSON.stringify(id.slice(0, 60))} is not a rule with settings (${[...configurable.keys()].join(", ") || "none"})`,
      );
  }
  for (const [id, spec] of configurable) {
    try {
      ruleConfigs.set(id, id in ruleConfigInput ? spec.parse(ruleConfigInput[id]) : spec.defaults);
    } catch (error) {
      problems.push(`AUDIT_RULE_CONFIG.${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // Findings store
  const connectionString = read("AUDIT_TABLE_CONNECTION_STRING");
  const endpointRaw = read("AUDIT_TABLE_ENDPOINT");
  registerSecret(connectionString);
  let table: Settings["table"] = { kind: "endpoint", endpoint: "" };
  if (connectionString && endpointRaw) {
    problems.push("AUDIT_TABLE_CONNECTION_STRING and AUDIT_TABLE_ENDPOINT are both set: set exactly one");
  } else if (!connectionString && !endpointRaw) {
    if (options.localStoreDirectory)
      table = { kind: "local", directory: read("AUDIT_LOCAL_STORE_DIR") ?? options.localStoreDirectory };
    else
      problems.push(
        "AUDIT_TABLE_ENDPOINT (or AUDIT_TABLE_CONNECTION_STRING) is required: the function keeps findings, their lifecycle and owed chat notifications in Azure Table Storage (the local store under .cache/ is for `npm run audit` only)",
      );
  } else if (connectionString) {
    if (!/(^|;)\s*(TableEndpoint|AccountName|UseDevelopmentStorage)\s*=/i.test(connectionString)) {
      problems.push(
        "AUDIT_TABLE_CONNECTION_STRING: not a storage connection string (needs TableEndpoint=, AccountName= or UseDevelopmentStorage=true; value not shown)",
      );
    } else {
      table = { kind: "connectionString", connectionString };
    }
  } else if (endpointRaw) {
    table = { kind: "endpoint", endpoint: check("AUDIT_TABLE_ENDPOINT", httpsUrl, endpointRaw, "") };
  }
  const tableName = z
    .string()
    .regex(TABLE_NAME, "must be 3-63 letters or digits, starting with a letter")
    .refine((n) => n.toLowerCase() !== "tables", "'tables' is reserved");
  const findingsTable = check(
    "AUDIT_FINDINGS_TABLE",
    tableName,
    read("AUDIT_FINDINGS_TABLE") ?? "findings",
    "findings",
  );
  const gpuTable = check("AUDIT_GPU_TABLE", tableName, read("AUDIT_GPU_TABLE") ?? "gpuanomalies", "gpuanomalies");
  const runsTable = check("AUDIT_RUNS_TABLE", tableName, read("AUDIT_RUNS_TABLE") ?? "auditruns", "auditruns");
  const gpuHistoryTable = check(
    "AUDIT_GPU_HISTORY_TABLE",
    tableName,
    read("AUDIT_GPU_HISTORY_TABLE") ?? "gpuhistory",
    "gpuhistory",
  );
  const mutesTable = check("AUDIT_MUTES_TABLE", tableName, read("AUDIT_MUTES_TABLE") ?? "auditmutes", "auditmutes");
  const tableNames = [
    ["AUDIT_FINDINGS_TABLE", findingsTable],
    ["AUDIT_GPU_TABLE", gpuTable],
    ["AUDIT_RUNS_TABLE", runsTable],
    ["AUDIT_GPU_HISTORY_TABLE", gpuHistoryTable],
    ["AUDIT_MUTES_TABLE", mutesTable],
  ] as const;
  for (const [i, [nameA, a]] of tableNames.entries())
    for (const [nameB, b] of tableNames.slice(i + 1))
      if (a.toLowerCase() === b.toLowerCase()) problems.push(`${nameA} and ${nameB} must name different tables`);

  const mutelistRaw = read("AUDIT_MUTELIST") ?? null;
  if (mutelistRaw !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(mutelistRaw)) {
    let url: URL | null = null;
    try {
      url = new URL(mutelistRaw);
    } catch {
      problems.push("AUDIT_MUTELIST: not a valid URL (value not shown: it may carry a SAS)");
    }
    if (url && url.protocol !== "https:")
      problems.push(`AUDIT_MUTELIST: a URL must use https (got ${url.protocol.replace(":", "")}); or give a file path`);
    registerSecret(mutelistRaw);
  }
  const mutelist = mutelistRaw;

  // Scale-out
  const queueConnectionString = read("AUDIT_QUEUE_CONNECTION_STRING");
  const queueEndpointRaw = read("AUDIT_QUEUE_ENDPOINT");
  registerSecret(queueConnectionString);
  let queue: Settings["fanOut"]["queue"] = null;
  if (queueConnectionString && queueEndpointRaw)
    problems.push("AUDIT_QUEUE_CONNECTION_STRING and AUDIT_QUEUE_ENDPOINT are both set: set at most one");
  else if (queueEndpointRaw)
    queue = {
      kind: "endpoint",
      endpoint: check("AUDIT_QUEUE_ENDPOINT", httpsUrl, queueEndpointRaw, "").replace(/\/+$/, ""),
    };
  else if (queueConnectionString) {
    if (!/(^|;)\s*(QueueEndpoint|AccountName|UseDevelopmentStorage)\s*=/i.test(queueConnectionString))
      problems.push("AUDIT_QUEUE_CONNECTION_STRING: not a storage connection string (value not shown)");
    else queue = { kind: "connectionString", connectionString: queueConnectionString };
  }
  const queueName = read("AUDIT_QUEUE_NAME") ?? "audit-scopes";
  if (!/^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(queueName))
    problems.push(
      `AUDIT_QUEUE_NAME: ${JSON.stringify(queueName.slice(0, 70))} is not a queue name (3-63 lower-case letters, digits and single hyphens)`,
    );
  const minScopes = intSetting("AUDIT_FANOUT_MIN_SCOPES", 1, 1_000_000, null);
  if (minScopes !== null && queue === null)
    problems.push(
      "AUDIT_FANOUT_MIN_SCOPES: needs AUDIT_QUEUE_ENDPOINT (or AUDIT_QUEUE_CONNECTION_STRING) for the scope queue",
    );
  const deadlineMinutes = intSetting("AUDIT_FANOUT_DEADLINE_MINUTES", 1, 240, 10) ?? 10;
  const subscriptionsPerScope = intSetting("AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE", 1, 1000, 100) ?? 100;

  // DefaultAzureCredential throws on an unknown value; report it with everything else.
  const tokenCredentials = env.AZURE_TOKEN_CREDENTIALS?.trim();
  if (tokenCredentials && !TOKEN_CREDENTIAL_CHOICES.includes(tokenCredentials.toLowerCase())) {
    problems.push(
      `AZURE_TOKEN_CREDENTIALS: ${JSON.stringify(tokenCredentials.slice(0, 40))} is not dev, prod or a credential name (e.g. ManagedIdentityCredential)`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    clouds,
    schedule,
    azure: Object.freeze({
      cloud: cloudName,
      subscriptions,
      armEndpoint: armEndpoint.replace(/\/+$/, ""),
      armAudience: cloud.armAudience,
      logsEndpoint: logsEndpoint.replace(/\/+$/, ""),
      logsAudience: cloud.logsAudience,
      workspaces,
    }),
    aws: Object.freeze({
      roleArns,
      regions: regionsRaw.length > 0 ? regionsRaw : [...DEFAULT_EKS_REGIONS],
      webIdentityAudience,
    }),
    notify: Object.freeze({
      teamsWebhookUrl,
      slackWebhookUrl,
      minSeverity,
      allowedHosts,
      maxCriticalMessages,
      remindAfterHours,
    }),
    table,
    findingsTable,
    gpuTable,
    runsTable,
    gpuHistoryTable,
    mutesTable,
    mutelist,
    fanOut: Object.freeze({ minScopes, queue, queueName, deadlineMinutes, subscriptionsPerScope }),
    ruleConfigs,
  });
}
