# ---------------------------------------------------------------------------
# Standard inputs
# ---------------------------------------------------------------------------

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that receives the Azure resources."
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1 to 90 letters, digits, '-', '_', '.', '(' or ')', and must not end with '.'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of every Azure resource, for example \"westeurope\". The region must offer the Flex Consumption plan."
  nullable    = false

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "name_prefix" {
  type        = string
  description = "Short prefix of every resource name: 2 to 10 lowercase letters or digits, starting with a letter (for example \"caudit\"). A suffix derived from the subscription, resource group, prefix and location keeps the names unique."
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 10 lowercase letters or digits and start with a letter."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every Azure and AWS resource. The function app also gets \"azd-service-name = api\"."
  default     = {}
  nullable    = false
}

# ---------------------------------------------------------------------------
# Hosting
# ---------------------------------------------------------------------------

variable "maximum_instance_count" {
  type        = number
  description = "Maximum number of instances the Flex Consumption app may scale out to. The timer runs on one instance; the queue-triggered auditScopeWorker scales out over the scope queue up to this ceiling, which also bounds the concurrent calls to the audited clouds."
  default     = 40
  nullable    = false

  validation {
    condition     = var.maximum_instance_count >= 1 && var.maximum_instance_count <= 1000 && floor(var.maximum_instance_count) == var.maximum_instance_count
    error_message = "maximum_instance_count must be a whole number from 1 to 1000."
  }
}

variable "instance_memory_mb" {
  type        = number
  description = "Memory of each Flex Consumption instance, in MB."
  default     = 2048
  nullable    = false

  validation {
    condition     = contains([512, 2048, 4096], var.instance_memory_mb)
    error_message = "instance_memory_mb must be 512, 2048 or 4096."
  }
}

# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------

variable "storage_replication_type" {
  type        = string
  description = "Replication of the storage account: LRS, ZRS, GRS, GZRS, RAGRS or RAGZRS."
  default     = "LRS"
  nullable    = false

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "deployment_container_name" {
  type        = string
  description = "Name of the private blob container that holds the Flex Consumption deployment package."
  default     = "app-package"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.deployment_container_name)) && !strcontains(var.deployment_container_name, "--")
    error_message = "deployment_container_name must be 3 to 63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit."
  }
}

variable "findings_table_name" {
  type        = string
  description = "Name of the findings table. Also the value of AUDIT_FINDINGS_TABLE."
  default     = "findings"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,62}$", var.findings_table_name))
    error_message = "findings_table_name must be 3 to 63 letters or digits and start with a letter."
  }
}

variable "gpu_table_name" {
  type        = string
  description = "Name of the GPU anomaly table. Also the value of AUDIT_GPU_TABLE."
  default     = "gpuanomalies"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,62}$", var.gpu_table_name))
    error_message = "gpu_table_name must be 3 to 63 letters or digits and start with a letter."
  }
}

variable "runs_table_name" {
  type        = string
  description = "Name of the run history table (one row per run). Also the value of AUDIT_RUNS_TABLE."
  default     = "auditruns"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,62}$", var.runs_table_name))
    error_message = "runs_table_name must be 3 to 63 letters or digits and start with a letter."
  }
}

variable "gpu_history_table_name" {
  type        = string
  description = "Name of the table that keeps the history of EKS GPU node-group sizes. Also the value of AUDIT_GPU_HISTORY_TABLE."
  default     = "gpuhistory"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,62}$", var.gpu_history_table_name))
    error_message = "gpu_history_table_name must be 3 to 63 letters or digits and start with a letter."
  }
}

variable "mutes_table_name" {
  type        = string
  description = "Name of the table for mutelist entries. Also the value of AUDIT_MUTES_TABLE."
  default     = "auditmutes"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{2,62}$", var.mutes_table_name))
    error_message = "mutes_table_name must be 3 to 63 letters or digits and start with a letter."
  }
}

variable "mutelist_url" {
  type        = string
  description = "AUDIT_MUTELIST: an https URL (for example a blob in the audit storage account, read with the managed identity) of a YAML or JSON mutelist. null = only the mutes table."
  default     = null

  validation {
    condition     = var.mutelist_url == null || can(regex("^https://", var.mutelist_url))
    error_message = "mutelist_url must be an https URL."
  }
}

variable "fanout_min_scopes" {
  type        = number
  description = "AUDIT_FANOUT_MIN_SCOPES: fan the sweep out over the scope queue when it has at least this many scopes. 0 = always in-process."
  default     = 50
  nullable    = false

  validation {
    condition     = var.fanout_min_scopes >= 0 && floor(var.fanout_min_scopes) == var.fanout_min_scopes
    error_message = "fanout_min_scopes must be a whole number, 0 or more."
  }
}

variable "scope_queue_name" {
  type        = string
  description = "AUDIT_QUEUE_NAME: name of the scope queue of the fan-out, 3 to 56 lowercase letters, digits and single hyphens. The queue and its poison queue <name>-poison (where the queue trigger moves a message after maxDequeueCount failed attempts) are created in the storage account."
  default     = "audit-scopes"
  nullable    = false

  validation {
    # 56 so that <name>-poison fits in the 63 characters of a queue name.
    condition     = length(var.scope_queue_name) >= 3 && length(var.scope_queue_name) <= 56 && can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.scope_queue_name))
    error_message = "scope_queue_name must be 3 to 56 lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "fanout_deadline_minutes" {
  type        = number
  description = "AUDIT_FANOUT_DEADLINE_MINUTES: how long the finishing step waits for every scope to report."
  default     = 10
  nullable    = false

  validation {
    condition     = var.fanout_deadline_minutes >= 1 && var.fanout_deadline_minutes <= 240
    error_message = "fanout_deadline_minutes must be from 1 to 240."
  }
}

variable "fanout_subscriptions_per_scope" {
  type        = number
  description = "AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: Azure subscriptions per worker message."
  default     = 100
  nullable    = false

  validation {
    condition     = var.fanout_subscriptions_per_scope >= 1 && var.fanout_subscriptions_per_scope <= 1000
    error_message = "fanout_subscriptions_per_scope must be from 1 to 1000."
  }
}

# ---------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------

variable "log_retention_in_days" {
  type        = number
  description = "Retention of the Log Analytics workspace behind Application Insights, in days."
  default     = 30
  nullable    = false

  validation {
    condition     = var.log_retention_in_days >= 30 && var.log_retention_in_days <= 730
    error_message = "log_retention_in_days must be from 30 to 730."
  }
}

# ---------------------------------------------------------------------------
# Heartbeat alert (main.heartbeat.tf)
# ---------------------------------------------------------------------------

variable "heartbeat_alert_email_addresses" {
  type        = list(string)
  description = "Email addresses that hear the heartbeat alert: no successful audit run for two schedule intervals. [] = no email (add a webhook, or the alert is only visible in Azure Monitor)."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for address in var.heartbeat_alert_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))])
    error_message = "Every entry of heartbeat_alert_email_addresses must be an email address."
  }
}

variable "heartbeat_alert_webhook_url" {
  type        = string
  description = "Webhook URL of the on-call paging tool (for example a PagerDuty, Opsgenie or incident.io integration URL) that receives the heartbeat alert in the common alert schema. It is kept in the Terraform state. null = no webhook."
  default     = null
  sensitive   = true

  validation {
    condition     = var.heartbeat_alert_webhook_url == null ? true : can(regex("^https://[^\\s/]+/\\S*$", var.heartbeat_alert_webhook_url))
    error_message = "heartbeat_alert_webhook_url must be an https URL."
  }
}

variable "heartbeat_alert_severity" {
  type        = number
  description = "Severity of the heartbeat alert, from 0 (critical) to 4 (verbose)."
  default     = 1
  nullable    = false

  validation {
    condition     = contains([0, 1, 2, 3, 4], var.heartbeat_alert_severity)
    error_message = "heartbeat_alert_severity must be 0, 1, 2, 3 or 4."
  }
}

variable "heartbeat_window_minutes" {
  type        = number
  description = "Window of the heartbeat alert, in minutes. null = twice the interval of audit_schedule (30 for the default \"0 */15 * * * *\"), rounded up to a window that log search alerts accept; set it when the schedule is not a regular one (every N minutes, hourly, every N hours or daily)."
  default     = null

  validation {
    condition     = var.heartbeat_window_minutes == null || contains([5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880], var.heartbeat_window_minutes)
    error_message = "heartbeat_window_minutes must be null or one of 5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880."
  }
}

# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

variable "key_vault_soft_delete_retention_days" {
  type        = number
  description = "Soft-delete retention of the Key Vault, in days. Purge protection is always on."
  default     = 90
  nullable    = false

  validation {
    condition     = var.key_vault_soft_delete_retention_days >= 7 && var.key_vault_soft_delete_retention_days <= 90
    error_message = "key_vault_soft_delete_retention_days must be from 7 to 90."
  }
}

variable "key_vault_name_suffix" {
  type        = string
  description = "Up to 4 lowercase letters or digits appended to the Key Vault name (for example \"2\"). Purge protection keeps the name of a deleted vault reserved until its soft-delete retention ends: to redeploy before then without recovering the old vault, pick a new suffix. \"\" = the plain name."
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]{0,4}$", var.key_vault_name_suffix))
    error_message = "key_vault_name_suffix must be up to 4 lowercase letters or digits."
  }
}

variable "teams_webhook_url" {
  type        = string
  description = "Teams Workflows webhook URL (https). When set, it is written to Key Vault as a write-only value (never stored in the Terraform state) and AUDIT_TEAMS_WEBHOOK_URL references the secret. null = nothing is written."
  default     = null
  sensitive   = true

  validation {
    condition     = var.teams_webhook_url == null ? true : can(regex("^https://[^\\s/]+/\\S*$", var.teams_webhook_url))
    error_message = "teams_webhook_url must be an https URL."
  }
}

variable "teams_webhook_enabled" {
  type        = bool
  description = "Whether AUDIT_TEAMS_WEBHOOK_URL is set, as a Key Vault reference. null = true when teams_webhook_url is set. Set true without a URL to keep referencing a secret that is already in the vault."
  default     = null
}

variable "slack_webhook_url" {
  type        = string
  description = "Slack incoming webhook URL (https). When set, it is written to Key Vault as a write-only value (never stored in the Terraform state) and AUDIT_SLACK_WEBHOOK_URL references the secret. null = nothing is written."
  default     = null
  sensitive   = true

  validation {
    condition     = var.slack_webhook_url == null ? true : can(regex("^https://[^\\s/]+/\\S*$", var.slack_webhook_url))
    error_message = "slack_webhook_url must be an https URL."
  }
}

variable "slack_webhook_enabled" {
  type        = bool
  description = "Whether AUDIT_SLACK_WEBHOOK_URL is set, as a Key Vault reference. null = true when slack_webhook_url is set. Set true without a URL to keep referencing a secret that is already in the vault."
  default     = null
}

# ---------------------------------------------------------------------------
# Audited scope (role assignments)
# ---------------------------------------------------------------------------

variable "audit_reader_subscription_ids" {
  type        = list(string)
  description = "Subscriptions on which the identity gets Reader and Log Analytics Reader: the audited scope. null = the subscription of the azurerm provider. [] = none (use audit_reader_management_group_ids)."
  default     = null

  validation {
    condition     = var.audit_reader_subscription_ids == null ? true : alltrue([for id in var.audit_reader_subscription_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Every entry of audit_reader_subscription_ids must be a subscription ID (a GUID)."
  }
}

variable "audit_reader_management_group_ids" {
  type        = list(string)
  description = "Management group IDs (names, not display names) on which the identity gets Reader and Log Analytics Reader, covering every subscription below them."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.audit_reader_management_group_ids : can(regex("^[-\\w.()]{1,90}$", id))])
    error_message = "Every entry of audit_reader_management_group_ids must be a management group ID (1 to 90 letters, digits, '-', '_', '.', '(' or ')'), not a resource ID."
  }
}

# ---------------------------------------------------------------------------
# Engine settings (app settings read by the code; empty ones are left out)
# ---------------------------------------------------------------------------

variable "audit_clouds" {
  type        = list(string)
  description = "AUDIT_CLOUDS: clouds to audit (\"azure\", \"aws\"). [] = azure, plus aws when an AWS role or web identity audience is configured."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cloud in var.audit_clouds : contains(["azure", "aws"], cloud)])
    error_message = "audit_clouds may only contain \"azure\" and \"aws\"."
  }
}

variable "audit_schedule" {
  type        = string
  description = "AUDIT_SCHEDULE: NCRONTAB schedule of the timer function, six fields, in UTC."
  default     = "0 */15 * * * *"
  nullable    = false

  validation {
    condition     = length(regexall("\\S+", var.audit_schedule)) == 6
    error_message = "audit_schedule must be an NCRONTAB expression with six fields ({second} {minute} {hour} {day} {month} {day-of-week})."
  }
}

variable "audit_azure_subscriptions" {
  type        = list(string)
  description = "AUDIT_AZURE_SUBSCRIPTIONS: subscription IDs to audit. [] = every subscription the identity can read."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.audit_azure_subscriptions : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Every entry of audit_azure_subscriptions must be a subscription ID (a GUID)."
  }
}

variable "azure_cloud" {
  type        = string
  description = "AUDIT_AZURE_CLOUD: the Azure cloud of the audited estate: AzurePublicCloud, AzureChinaCloud or AzureUSGovernment."
  default     = "AzurePublicCloud"
  nullable    = false

  validation {
    condition     = contains(["AzurePublicCloud", "AzureChinaCloud", "AzureUSGovernment"], var.azure_cloud)
    error_message = "azure_cloud must be AzurePublicCloud, AzureChinaCloud or AzureUSGovernment."
  }
}

variable "azure_arm_endpoint" {
  type        = string
  description = "AUDIT_AZURE_ARM_ENDPOINT: Resource Manager base URL, used for ARM and Resource Graph. null = the Resource Manager endpoint of azure_cloud."
  default     = null

  validation {
    condition     = var.azure_arm_endpoint == null ? true : can(regex("^https://\\S+$", var.azure_arm_endpoint))
    error_message = "azure_arm_endpoint must be an https URL."
  }
}

variable "azure_logs_endpoint" {
  type        = string
  description = "AUDIT_AZURE_LOGS_ENDPOINT: override of the Log Analytics query base URL (the .../v1 root). null = the default of azure_cloud."
  default     = null

  validation {
    condition     = var.azure_logs_endpoint == null ? true : can(regex("^https://\\S+$", var.azure_logs_endpoint))
    error_message = "azure_logs_endpoint must be an https URL."
  }
}

variable "log_analytics_workspace_ids" {
  type        = list(string)
  description = "AUDIT_LOG_ANALYTICS_WORKSPACES: workspace GUIDs (customer IDs) to query. [] = discovered from the monitoring add-on of each cluster."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.log_analytics_workspace_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Every entry of log_analytics_workspace_ids must be a workspace GUID."
  }
}

variable "aws_role_arns" {
  type        = list(string)
  description = "AUDIT_AWS_ROLE_ARNS: audit roles of other AWS accounts (for example outputs of modules/aws-audit-role applied with another provider alias). The role this module creates, if any, is added first."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.aws_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", arn))])
    error_message = "Every entry of aws_role_arns must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)."
  }
}

variable "aws_regions" {
  type        = list(string)
  description = "AUDIT_AWS_REGIONS: AWS regions to audit. [] = every commercial region that offers EKS."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for region in var.aws_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", region))])
    error_message = "Every entry of aws_regions must be a region code such as eu-west-1."
  }
}

variable "aws_web_identity_audience" {
  type        = string
  description = "AUDIT_AWS_WEB_IDENTITY_AUDIENCE: App ID URI of the Entra app registration that is the token audience of the AWS federation (for example \"api://aws-audit-federation\"). It is also the client ID of the IAM OIDC provider. null = no federation, and no AWS resources."
  default     = null

  validation {
    condition     = var.aws_web_identity_audience == null ? true : can(regex("^\\S{1,255}$", var.aws_web_identity_audience))
    error_message = "aws_web_identity_audience must be 1 to 255 characters without spaces, for example api://aws-audit-federation."
  }
}

variable "notify_min_severity" {
  type        = string
  description = "AUDIT_NOTIFY_MIN_SEVERITY: lowest severity sent to chat: critical, high, medium, low or info."
  default     = "high"
  nullable    = false

  validation {
    condition     = contains(["critical", "high", "medium", "low", "info"], var.notify_min_severity)
    error_message = "notify_min_severity must be critical, high, medium, low or info."
  }
}

variable "notify_max_critical_messages" {
  type        = number
  description = "AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES: critical findings sent as their own chat message per channel and run; the rest go into the one digest."
  default     = 10
  nullable    = false

  validation {
    condition     = var.notify_max_critical_messages >= 0 && var.notify_max_critical_messages <= 50 && floor(var.notify_max_critical_messages) == var.notify_max_critical_messages
    error_message = "notify_max_critical_messages must be a whole number from 0 to 50."
  }
}

variable "notify_remind_after_hours" {
  type        = number
  description = "AUDIT_NOTIFY_REMIND_AFTER_HOURS: re-send a critical finding still open after this many hours. null = no reminders."
  default     = null

  validation {
    condition     = var.notify_remind_after_hours == null || (var.notify_remind_after_hours >= 1 && var.notify_remind_after_hours <= 720)
    error_message = "notify_remind_after_hours must be null or a whole number of hours from 1 to 720."
  }
}

variable "rule_config" {
  type        = any
  description = "AUDIT_RULE_CONFIG: rule thresholds keyed by rule ID, merged over each rule's defaults, e.g. { \"gpu-node-spike\" = { lookbackDays = 14 } }. {} = the defaults."
  default     = {}
  nullable    = false

  validation {
    condition     = can(keys(var.rule_config))
    error_message = "rule_config must be an object keyed by rule ID."
  }
}

variable "webhook_allowed_hosts" {
  type        = list(string)
  description = "AUDIT_WEBHOOK_ALLOWED_HOSTS: host patterns (for example \"*.logic.azure.com\") that replace the default Slack and Teams Workflows allowlist. [] = the default allowlist."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for host in var.webhook_allowed_hosts : can(regex("^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$", host))])
    error_message = "Every entry of webhook_allowed_hosts must be a host name, optionally starting with \"*.\", without scheme or path."
  }
}

# ---------------------------------------------------------------------------
# AWS federation (main.aws.tf): an IAM OIDC provider and a read-only audit role
# in the account of the default aws provider.
# ---------------------------------------------------------------------------

variable "entra_tenant_id" {
  type        = string
  description = "Entra tenant ID whose v1 token issuer (https://sts.windows.net/<tenant>/) AWS trusts. null = the tenant of the azurerm provider."
  default     = null

  validation {
    condition     = var.entra_tenant_id == null ? true : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.entra_tenant_id))
    error_message = "entra_tenant_id must be a tenant ID (a GUID)."
  }
}

variable "create_aws_audit_role" {
  type        = bool
  description = "Whether to create the IAM OIDC provider and the read-only audit role in the account of the default aws provider. Only takes effect when aws_web_identity_audience is set."
  default     = true
  nullable    = false
}

variable "aws_role_name" {
  type        = string
  description = "Name of the IAM audit role."
  default     = "cluster-audit-reader"
  nullable    = false

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.aws_role_name))
    error_message = "aws_role_name must be 1 to 64 letters, digits or any of + = , . @ _ -."
  }
}

variable "aws_create_oidc_provider" {
  type        = bool
  description = "Whether to create the IAM OIDC provider for the Entra issuer. Set false when the account already has one (an account can hold only one provider per issuer URL) and pass aws_oidc_provider_arn."
  default     = true
  nullable    = false
}

variable "aws_oidc_provider_arn" {
  type        = string
  description = "ARN of an existing IAM OIDC provider for https://sts.windows.net/<tenant>/, used when aws_create_oidc_provider is false. Its client ID list must contain aws_web_identity_audience."
  default     = null

  validation {
    condition     = var.aws_oidc_provider_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/sts\\.windows\\.net/[0-9a-fA-F-]{36}/$", var.aws_oidc_provider_arn))
    error_message = "aws_oidc_provider_arn must be the ARN of an OIDC provider for sts.windows.net/<tenant>/ (with the trailing slash)."
  }
}

variable "aws_permissions_boundary_arn" {
  type        = string
  description = "ARN of a managed policy set as the permissions boundary of the audit role. null = none."
  default     = null

  validation {
    condition     = var.aws_permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.aws_permissions_boundary_arn))
    error_message = "aws_permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "aws_max_session_duration" {
  type        = number
  description = "Maximum session duration of the audit role, in seconds (3600 to 43200)."
  default     = 3600
  nullable    = false

  validation {
    condition     = var.aws_max_session_duration >= 3600 && var.aws_max_session_duration <= 43200
    error_message = "aws_max_session_duration must be from 3600 to 43200 seconds."
  }
}
