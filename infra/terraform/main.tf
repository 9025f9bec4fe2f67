# The Azure stack: the same resources, settings and roles as infra/bicep/main.bicep.
# test/infra/parity.test.ts compares both trees with the settings the code reads.

data "azurerm_client_config" "current" {}

locals {
  subscription_id = data.azurerm_client_config.current.subscription_id
  entra_tenant_id = coalesce(var.entra_tenant_id, data.azurerm_client_config.current.tenant_id)

  resource_token = substr(sha1(lower(join("/", [local.subscription_id, var.resource_group_name, var.name_prefix, var.location]))), 0, 13)

  names = {
    identity        = "id-${var.name_prefix}-${local.resource_token}"
    plan            = "asp-${var.name_prefix}-${local.resource_token}"
    function_app    = "func-${var.name_prefix}-${local.resource_token}"
    storage_account = substr("st${var.name_prefix}${local.resource_token}", 0, 24)
    # A vault name has at most 24 characters; the suffix replaces the end of the token.
    key_vault       = "${substr("kv${var.name_prefix}${local.resource_token}", 0, 24 - length(var.key_vault_name_suffix))}${var.key_vault_name_suffix}"
    log_analytics   = "log-${var.name_prefix}-${local.resource_token}"
    app_insights    = "appi-${var.name_prefix}-${local.resource_token}"
    heartbeat_alert = "alert-${var.name_prefix}-heartbeat-${local.resource_token}"
    action_group    = "ag-${var.name_prefix}-${local.resource_token}"
  }

  # The fan-out: the timer enqueues one message per scope, auditScopeWorker (a queue trigger on
  # %AUDIT_QUEUE_NAME%, connection AzureWebJobsStorage) takes them; the host moves a message that
  # keeps failing to the poison queue.
  queues = {
    scope  = var.scope_queue_name
    poison = "${var.scope_queue_name}-poison"
  }

  tables = {
    findings = var.findings_table_name
    gpu      = var.gpu_table_name
    runs     = var.runs_table_name
    history  = var.gpu_history_table_name
    mutes    = var.mutes_table_name
  }

  # Built-in role definition IDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
  role_definition_ids = {
    storage_blob_data_owner        = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
    storage_queue_data_contributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
    storage_table_data_contributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
    key_vault_secrets_user         = "4633458b-17de-408a-b874-0445c86b69e6"
    monitoring_metrics_publisher   = "3913510d-42f4-4e42-8a64-420c390055eb"
    reader                         = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    log_analytics_reader           = "73c42c96-874c-492b-b04d-ab87d138a893"
  }

  # Data-plane roles on the app's own resources.
  resource_role_assignments = {
    storage_blob_data_owner        = azurerm_storage_account.this.id
    storage_queue_data_contributor = azurerm_storage_account.this.id
    storage_table_data_contributor = azurerm_storage_account.this.id
    key_vault_secrets_user         = azurerm_key_vault.this.id
    monitoring_metrics_publisher   = azurerm_application_insights.this.id
  }

  # Read-only roles on the audited scope.
  audit_reader_roles            = ["reader", "log_analytics_reader"]
  audit_reader_subscription_ids = var.audit_reader_subscription_ids == null ? [local.subscription_id] : var.audit_reader_subscription_ids

  subscription_reader_assignments = {
    for pair in setproduct(local.audit_reader_subscription_ids, local.audit_reader_roles) :
    "${pair[0]}/${pair[1]}" => { subscription_id = pair[0], role = pair[1] }
  }

  management_group_reader_assignments = {
    for pair in setproduct(var.audit_reader_management_group_ids, local.audit_reader_roles) :
    "${pair[0]}/${pair[1]}" => { management_group_id = pair[0], role = pair[1] }
  }

  arm_endpoints = {
    AzurePublicCloud  = "https://management.azure.com/"
    AzureChinaCloud   = "https://management.chinacloudapi.cn/"
    AzureUSGovernment = "https://management.usgovcloudapi.net/"
  }

  teams_webhook_secret_name = "audit-teams-webhook-url"
  slack_webhook_secret_name = "audit-slack-webhook-url"

  # Only whether a URL was given is used for planning; the URLs themselves stay sensitive.
  teams_webhook_given   = nonsensitive(var.teams_webhook_url != null)
  slack_webhook_given   = nonsensitive(var.slack_webhook_url != null)
  teams_webhook_enabled = var.teams_webhook_enabled != null ? var.teams_webhook_enabled : local.teams_webhook_given
  slack_webhook_enabled = var.slack_webhook_enabled != null ? var.slack_webhook_enabled : local.slack_webhook_given

  aws_role_arns  = concat(module.aws_audit_role[*].role_arn, var.aws_role_arns)
  aws_configured = local.aws_enabled || length(var.aws_role_arns) > 0 || var.aws_web_identity_audience != null
  audit_clouds   = length(var.audit_clouds) > 0 ? var.audit_clouds : (local.aws_configured ? ["azure", "aws"] : ["azure"])

  table_endpoint = trimsuffix(azurerm_storage_account.this.primary_table_endpoint, "/")
  queue_endpoint = trimsuffix(azurerm_storage_account.this.primary_queue_endpoint, "/")

  # Host storage through the identity (no AzureWebJobsStorage connection string), and telemetry with Entra ID auth.
  # APPLICATIONINSIGHTS_CONNECTION_STRING is set through site_config.
  platform_app_settings = {
    AzureWebJobsStorage__credential           = "managedidentity"
    AzureWebJobsStorage__clientId             = azurerm_user_assigned_identity.this.client_id
    AzureWebJobsStorage__blobServiceUri       = trimsuffix(azurerm_storage_account.this.primary_blob_endpoint, "/")
    AzureWebJobsStorage__queueServiceUri      = trimsuffix(azurerm_storage_account.this.primary_queue_endpoint, "/")
    AzureWebJobsStorage__tableServiceUri      = local.table_endpoint
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "ClientId=${azurerm_user_assigned_identity.this.client_id};Authorization=AAD"
  }

  # Standard SDK variables: the identity that DefaultAzureCredential must use, and nothing else.
  sdk_app_settings = {
    AZURE_CLIENT_ID         = azurerm_user_assigned_identity.this.client_id
    AZURE_TOKEN_CREDENTIALS = "ManagedIdentityCredential"
  }

  # Every setting of SETTING_SPECS (shared/config/setting-specs.ts) that deployments set.
  audit_app_settings = {
    AUDIT_CLOUDS                         = join(",", local.audit_clouds)
    AUDIT_SCHEDULE                       = var.audit_schedule
    AUDIT_AZURE_SUBSCRIPTIONS            = join(",", var.audit_azure_subscriptions)
    AUDIT_AZURE_CLOUD                    = var.azure_cloud
    AUDIT_AZURE_ARM_ENDPOINT             = coalesce(var.azure_arm_endpoint, local.arm_endpoints[var.azure_cloud])
    AUDIT_AZURE_LOGS_ENDPOINT            = var.azure_logs_endpoint
    AUDIT_LOG_ANALYTICS_WORKSPACES       = join(",", var.log_analytics_workspace_ids)
    AUDIT_AWS_ROLE_ARNS                  = join(",", local.aws_role_arns)
    AUDIT_AWS_REGIONS                    = join(",", var.aws_regions)
    AUDIT_AWS_WEB_IDENTITY_AUDIENCE      = var.aws_web_identity_audience
    AUDIT_TEAMS_WEBHOOK_URL              = "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.this.vault_uri}secrets/${local.teams_webhook_secret_name}/)"
    AUDIT_SLACK_WEBHOOK_URL              = "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.this.vault_uri}secrets/${local.slack_webhook_secret_name}/)"
    AUDIT_NOTIFY_MIN_SEVERITY            = var.notify_min_severity
    AUDIT_WEBHOOK_ALLOWED_HOSTS          = join(",", var.webhook_allowed_hosts)
    AUDIT_TABLE_ENDPOINT                 = local.table_endpoint
    AUDIT_FINDINGS_TABLE                 = var.findings_table_name
    AUDIT_GPU_TABLE                      = var.gpu_table_name
    AUDIT_RUNS_TABLE                     = var.runs_table_name
    AUDIT_GPU_HISTORY_TABLE              = var.gpu_history_table_name
    AUDIT_MUTES_TABLE                    = var.mutes_table_name
    AUDIT_MUTELIST                       = var.mutelist_url == null ? "" : var.mutelist_url
    AUDIT_FANOUT_MIN_SCOPES              = var.fanout_min_scopes == 0 ? "" : tostring(var.fanout_min_scopes)
    AUDIT_QUEUE_ENDPOINT                 = local.queue_endpoint
    AUDIT_QUEUE_NAME                     = var.scope_queue_name
    AUDIT_FANOUT_DEADLINE_MINUTES        = tostring(var.fanout_deadline_minutes)
    AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE = tostring(var.fanout_subscriptions_per_scope)
    AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES   = tostring(var.notify_max_critical_messages)
    AUDIT_NOTIFY_REMIND_AFTER_HOURS      = var.notify_remind_after_hours == null ? "" : tostring(var.notify_remind_after_hours)
    AUDIT_RULE_CONFIG                    = length(var.rule_config) == 0 ? "" : jsonencode(var.rule_config)
  }

  # Optional settings are left out when empty, so that the engine applies its own default. The
  # conditions are known at plan time, so the plan lists every setting name.
  optional_setting_present = {
    AUDIT_AZURE_SUBSCRIPTIONS       = length(var.audit_azure_subscriptions) > 0
    AUDIT_AZURE_LOGS_ENDPOINT       = var.azure_logs_endpoint != null
    AUDIT_LOG_ANALYTICS_WORKSPACES  = length(var.log_analytics_workspace_ids) > 0
    AUDIT_AWS_ROLE_ARNS             = local.aws_enabled || length(var.aws_role_arns) > 0
    AUDIT_AWS_REGIONS               = length(var.aws_regions) > 0
    AUDIT_AWS_WEB_IDENTITY_AUDIENCE = var.aws_web_identity_audience != null
    AUDIT_TEAMS_WEBHOOK_URL         = local.teams_webhook_enabled
    AUDIT_SLACK_WEBHOOK_URL         = local.slack_webhook_enabled
    AUDIT_WEBHOOK_ALLOWED_HOSTS     = length(var.webhook_allowed_hosts) > 0
    AUDIT_NOTIFY_REMIND_AFTER_HOURS = var.notify_remind_after_hours != null
    AUDIT_RULE_CONFIG               = length(var.rule_config) > 0
    AUDIT_MUTELIST                  = var.mutelist_url != null
    AUDIT_FANOUT_MIN_SCOPES         = var.fanout_min_scopes > 0
  }

  app_settings = {
    for name, value in merge(local.platform_app_settings, local.sdk_app_settings, local.audit_app_settings) :
    name => value if lookup(local.optional_setting_present, name, true)
  }
}

# ---------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------

resource "azurerm_user_assigned_identity" "this" {
  name                = local.names.identity
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

# ---------------------------------------------------------------------------
# Storage: Entra ID only (no shared keys), the deployment container, the tables and the queues
# ---------------------------------------------------------------------------

resource "azurerm_storage_account" "this" {
  name                             = local.names.storage_account
  resource_group_name              = var.resource_group_name
  location                         = var.location
  account_kind                     = "StorageV2"
  account_tier                     = "Standard"
  account_replication_type         = var.storage_replication_type
  access_tier                      = "Hot"
  shared_access_key_enabled        = false
  default_to_oauth_authentication  = true
  min_tls_version                  = "TLS1_2"
  https_traffic_only_enabled       = true
  allow_nested_items_to_be_public  = false
  cross_tenant_replication_enabled = false
  public_network_access_enabled    = true
  tags                             = var.tags
}

resource "azurerm_storage_container" "deployment" {
  name                  = var.deployment_container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# With storage_account_id the tables are managed through Resource Manager, not with keys.
resource "azurerm_storage_table" "this" {
  for_each = local.tables

  name               = each.value
  storage_account_id = azurerm_storage_account.this.id
}

# The scope queue of the fan-out and its poison queue, managed through Resource Manager.
resource "azurerm_storage_queue" "this" {
  for_each = local.queues

  name               = each.value
  storage_account_id = azurerm_storage_account.this.id
}

# ---------------------------------------------------------------------------
# Monitoring: a workspace for the app itself and Application Insights with local auth off
# ---------------------------------------------------------------------------

resource "azurerm_log_analytics_workspace" "this" {
  name                = local.names.log_analytics
  resource_group_name = var.resource_group_name
  location            = var.location
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_in_days
  tags                = var.tags
}

resource "azurerm_application_insights" "this" {
  name                = local.names.app_insights
  resource_group_name = var.resource_group_name
  location            = var.location
  application_type    = "web"
  workspace_id        = azurerm_log_analytics_workspace.this.id
  # Local (instrumentation key) auth disabled: telemetry must carry an Entra ID token.
  local_authentication_enabled = false
  tags                         = var.tags
}

# ---------------------------------------------------------------------------
# Secrets: Key Vault in RBAC mode with purge protection, holding the webhook URLs
# ---------------------------------------------------------------------------

# Purge protection reserves the name of a deleted vault for the retention period. With the azurerm
# provider's default features (key_vault.recover_soft_deleted_key_vaults = true) an apply after the
# resource group was deleted recovers the vault of the same name; key_vault_name_suffix picks a new
# name instead.

resource "azurerm_key_vault" "this" {
  name                          = local.names.key_vault
  resource_group_name           = var.resource_group_name
  location                      = var.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = var.key_vault_soft_delete_retention_days
  public_network_access_enabled = true
  tags                          = var.tags
}

# The secrets are written through Resource Manager (as Bicep does), so the deploying principal needs
# no data-plane role on the vault. The URL is a write-only value: it never enters the state. Its
# version is a hash prefix, so a new URL rotates the secret.
resource "azapi_resource" "teams_webhook_secret" {
  count = local.teams_webhook_given ? 1 : 0

  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = local.teams_webhook_secret_name
  parent_id = azurerm_key_vault.this.id
  body = {
    properties = {
      contentType = "text/uri"
    }
  }
  sensitive_body = {
    properties = {
      value = var.teams_webhook_url
    }
  }
  sensitive_body_version = {
    "properties.value" = substr(sha256(var.teams_webhook_url), 0, 16)
  }
}

resource "azapi_resource" "slack_webhook_secret" {
  count = local.slack_webhook_given ? 1 : 0

  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = local.slack_webhook_secret_name
  parent_id = azurerm_key_vault.this.id
  body = {
    properties = {
      contentType = "text/uri"
    }
  }
  sensitive_body = {
    properties = {
      value = var.slack_webhook_url
    }
  }
  sensitive_body_version = {
    "properties.value" = substr(sha256(var.slack_webhook_url), 0, 16)
  }
}

# ---------------------------------------------------------------------------
# Role assignments of the identity (the same set as Bicep; no Owner or Contributor)
# ---------------------------------------------------------------------------

resource "azurerm_role_assignment" "resource" {
  for_each = local.resource_role_assignments

  scope              = each.value
  role_definition_id = "/subscriptions/${local.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/${local.role_definition_ids[each.key]}"
  principal_id       = azurerm_user_assigned_identity.this.principal_id
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_assignment" "audit_reader_subscription" {
  for_each = local.subscription_reader_assignments

  scope              = "/subscriptions/${each.value.subscription_id}"
  role_definition_id = "/subscriptions/${each.value.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/${local.role_definition_ids[each.value.role]}"
  principal_id       = azurerm_user_assigned_identity.this.principal_id
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_assignment" "audit_reader_management_group" {
  for_each = local.management_group_reader_assignments

  scope              = "/providers/Microsoft.Management/managementGroups/${each.value.management_group_id}"
  role_definition_id = "/providers/Microsoft.Authorization/roleDefinitions/${local.role_definition_ids[each.value.role]}"
  principal_id       = azurerm_user_assigned_identity.this.principal_id
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------
# Hosting: Flex Consumption plan and the Node.js 22 function app
# ---------------------------------------------------------------------------

resource "azurerm_service_plan" "this" {
  name                = local.names.plan
  resource_group_name = var.resource_group_name
  location            = var.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = var.tags
}

resource "azurerm_function_app_flex_consumption" "this" {
  name                = local.names.function_app
  resource_group_name = var.resource_group_name
  location            = var.location
  service_plan_id     = azurerm_service_plan.this.id
  https_only          = true

  # No username/password publishing to Kudu (SCM); FTP is turned off below with azapi.
  webdeploy_publish_basic_authentication_enabled = false

  # Deployment package in the app's storage, read with the user-assigned identity.
  storage_container_type            = "blobContainer"
  storage_container_endpoint        = "${azurerm_storage_account.this.primary_blob_endpoint}${azurerm_storage_container.deployment.name}"
  storage_authentication_type       = "UserAssignedIdentity"
  storage_user_assigned_identity_id = azurerm_user_assigned_identity.this.id

  runtime_name           = "node"
  runtime_version        = "22"
  maximum_instance_count = var.maximum_instance_count
  instance_memory_in_mb  = var.instance_memory_mb

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.this.id]
  }

  site_config {
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    minimum_tls_version                    = "1.2"
  }

  app_settings = local.app_settings
  tags         = merge(var.tags, { "azd-service-name" = "api" })

  # The app starts only once its identity can reach storage, the vault and App Insights.
  depends_on = [
    azurerm_role_assignment.resource,
    azurerm_storage_table.this,
    azurerm_storage_queue.this,
    azapi_resource.teams_webhook_secret,
    azapi_resource.slack_webhook_secret,
  ]
}

# Three properties that azurerm_function_app_flex_consumption cannot express yet are set with azapi.
# Remove these resources once the provider supports them.
#
# 1. Key Vault references must be resolved with the user-assigned identity (the app has no
#    system-assigned one). hashicorp/terraform-provider-azurerm#31439 adds the argument.
resource "azapi_update_resource" "key_vault_reference_identity" {
  type        = "Microsoft.Web/sites@2024-04-01"
  resource_id = azurerm_function_app_flex_consumption.this.id
  body = {
    properties = {
      keyVaultReferenceIdentity = azurerm_user_assigned_identity.this.id
    }
  }

  lifecycle {
    replace_triggered_by = [azurerm_function_app_flex_consumption.this]
  }
}

# 2. The FTP basic-auth publishing credential policy (the provider has no argument for it on Flex
#    Consumption apps; webdeploy_publish_basic_authentication_enabled above covers SCM). This is a
#    singleton child of the site, so it is updated in place and never deleted.
resource "azapi_update_resource" "ftp_basic_auth" {
  type        = "Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01"
  resource_id = "${azurerm_function_app_flex_consumption.this.id}/basicPublishingCredentialsPolicies/ftp"
  body = {
    properties = {
      allow = false
    }
  }

  lifecycle {
    replace_triggered_by = [azurerm_function_app_flex_consumption.this]
  }
}

# 3. With identity-based deployment storage the provider still writes a host-storage connection
#    string with an empty account key, which stops the Functions host from starting
#    (hashicorp/terraform-provider-azurerm#29693, #30732). This writes the complete, intended set of
#    app settings after every change of the app, which drops that injected entry.
resource "azapi_resource_action" "app_settings" {
  type        = "Microsoft.Web/sites/config@2024-04-01"
  resource_id = "${azurerm_function_app_flex_consumption.this.id}/config/appsettings"
  method      = "PUT"
  body = {
    properties = merge(local.app_settings, {
      APPLICATIONINSIGHTS_CONNECTION_STRING = azurerm_application_insights.this.connection_string
    })
  }
  response_export_values = []

  depends_on = [azapi_update_resource.key_vault_reference_identity]

  lifecycle {
    replace_triggered_by = [
      azurerm_function_app_flex_consumption.this,
      azapi_update_resource.key_vault_reference_identity,
    ]
  }
}
