/**
 * The catalog of app settings the engine reads. It is the single source that the
 * config parser, the README table and the infra parity test agree on.
 */
export interface SettingSpec {
  readonly name: string;
  readonly description: string;
  /** Secret values (webhook URLs) are stored in Key Vault and never logged. */
  readonly secret: boolean;
  /**
   * Whether the Bicep and Terraform deployments set it. `false` marks settings for
   * local runs only, such as a storage connection string (deployments use the
   * managed identity and never shared keys).
   */
  readonly deployed: boolean;
}

export const SETTING_SPECS = [
  {
    name: "AUDIT_CLOUDS",
    description:
      "Comma list of clouds to audit: azure, aws. Default: azure, plus aws when any AWS setting or AWS credential variable is present.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_SCHEDULE",
    description: "NCRONTAB schedule of the timer function (six fields, UTC). Default 0 */15 * * * *.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AZURE_SUBSCRIPTIONS",
    description: "Comma list of subscription IDs; empty = every subscription the identity can read.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AZURE_CLOUD",
    description: "AzurePublicCloud (default), AzureChinaCloud or AzureUSGovernment.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AZURE_ARM_ENDPOINT",
    description: "Override of the Resource Manager base URL (ARM and Resource Graph).",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AZURE_LOGS_ENDPOINT",
    description: "Override of the Log Analytics query base URL (the .../v1 root).",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_LOG_ANALYTICS_WORKSPACES",
    description: "Optional comma list of workspace GUIDs; default: discovered from each cluster's monitoring add-on.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AWS_ROLE_ARNS",
    description: "Comma list of IAM role ARNs to assume, one per account; empty = ambient credentials, one account.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AWS_REGIONS",
    description: "Comma list of AWS regions; default: every commercial region that offers EKS.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_AWS_WEB_IDENTITY_AUDIENCE",
    description:
      "When set, an Entra token for this audience from the managed identity is exchanged with AssumeRoleWithWebIdentity (no stored AWS keys).",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_TEAMS_WEBHOOK_URL",
    description: "Teams Workflows webhook URL; unset = Teams is off. Secret.",
    secret: true,
    deployed: true,
  },
  {
    name: "AUDIT_SLACK_WEBHOOK_URL",
    description: "Slack incoming webhook URL; unset = Slack is off. Secret.",
    secret: true,
    deployed: true,
  },
  {
    name: "AUDIT_NOTIFY_MIN_SEVERITY",
    description: "Lowest severity sent to chat: critical, high (default), medium, low or info.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_WEBHOOK_ALLOWED_HOSTS",
    description:
      "Comma list of host patterns (e.g. *.logic.azure.com) replacing the default Slack and Teams Workflows allowlist; https only.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES",
    description:
      "Critical findings sent as their own chat message per channel and run (0-50, default 10); the rest go into the one digest.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_NOTIFY_REMIND_AFTER_HOURS",
    description: "Re-send a critical finding still open after this many hours, once per period; unset = no reminders.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_RULE_CONFIG",
    description: "JSON object of rule thresholds keyed by rule ID, merged over each rule's defaults.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_TABLE_CONNECTION_STRING",
    description: "Findings store as a connection string (local runs, Azurite). Deployments use AUDIT_TABLE_ENDPOINT.",
    secret: true,
    deployed: false,
  },
  {
    name: "AUDIT_LOCAL_STORE_DIR",
    description:
      "Directory of the CLI's local store, used when neither table setting is set; default .cache/store in the checkout. The function never uses it.",
    secret: false,
    deployed: false,
  },
  {
    name: "AUDIT_TABLE_ENDPOINT",
    description: "Findings store as an https table endpoint, used with the managed identity.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_FINDINGS_TABLE",
    description: "Findings table name; default findings.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_GPU_TABLE",
    description: "GPU anomaly table name; default gpuanomalies.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_GPU_HISTORY_TABLE",
    description: "Stored history of EKS GPU node-group sizes (the spike detector's series on EKS); default gpuhistory.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_MUTES_TABLE",
    description: "Mutelist entries kept in a table (same fields as the mutelist file); default auditmutes.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_MUTELIST",
    description:
      "Mutelist file (YAML or JSON): a local path or an https URL (a blob is read with the managed identity unless the URL carries a SAS). Every entry needs an expiry, an owner and a reason.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_FANOUT_MIN_SCOPES",
    description:
      "Fan the sweep out over the Storage queue when it has at least this many scopes (subscription batches, AWS account-regions); unset = always in-process.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_QUEUE_ENDPOINT",
    description:
      "The scope queue's https queue service endpoint, used with the managed identity (the function's storage account).",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_QUEUE_CONNECTION_STRING",
    description: "The scope queue as a connection string (local runs, Azurite). Deployments use AUDIT_QUEUE_ENDPOINT.",
    secret: true,
    deployed: false,
  },
  {
    name: "AUDIT_QUEUE_NAME",
    description:
      "Name of the scope queue (the queue-triggered worker reads it; failed messages go to <name>-poison); default audit-scopes.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_FANOUT_DEADLINE_MINUTES",
    description:
      "How long the finishing step waits for every scope to report before it notifies and reports the missing ones as blind spots; default 10.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE",
    description: "Azure subscriptions per worker message (one Resource Graph query each); default 100.",
    secret: false,
    deployed: true,
  },
  {
    name: "AUDIT_RUNS_TABLE",
    description:
      "Run history table (one row per run: coverage, counts, gaps, duration, sink results); default auditruns.",
    secret: false,
    deployed: true,
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTING_SPECS)[number]["name"];

/**
 * Standard SDK variables the deployment sets for the engine: the user-assigned
 * identity's client ID, and the restriction of DefaultAzureCredential to the
 * managed identity.
 */
export const DEPLOYED_SDK_SETTINGS = ["AZURE_CLIENT_ID", "AZURE_TOKEN_CREDENTIALS"] as const;
