output "function_app_name" {
  description = "The name of the function app (use it with func azure functionapp publish)."
  value       = azurerm_function_app_flex_consumption.this.name
}

output "resource_id" {
  description = "The resource ID of the function app."
  value       = azurerm_function_app_flex_consumption.this.id
}

output "function_app_default_hostname" {
  description = "The default host name of the function app."
  value       = azurerm_function_app_flex_consumption.this.default_hostname
}

output "identity_resource_id" {
  description = "The resource ID of the user-assigned managed identity."
  value       = azurerm_user_assigned_identity.this.id
}

output "identity_principal_id" {
  description = "The principal (object) ID of the identity: the \"sub\" that every AWS audit role must trust."
  value       = azurerm_user_assigned_identity.this.principal_id
}

output "identity_client_id" {
  description = "The client ID of the identity (app setting AZURE_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "entra_tenant_id" {
  description = "The Entra tenant whose issuer (https://sts.windows.net/<tenant>/) the AWS roles trust."
  value       = local.entra_tenant_id
}

output "storage_account_name" {
  description = "The name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "table_endpoint" {
  description = "The table endpoint (app setting AUDIT_TABLE_ENDPOINT)."
  value       = local.table_endpoint
}

output "queue_endpoint" {
  description = "The queue endpoint of the storage account (app setting AUDIT_QUEUE_ENDPOINT)."
  value       = local.queue_endpoint
}

output "queue_names" {
  description = "The scope queue of the fan-out (app setting AUDIT_QUEUE_NAME) and its poison queue."
  value       = [for key in ["scope", "poison"] : azurerm_storage_queue.this[key].name]
}

output "key_vault_name" {
  description = "The name of the Key Vault holding the webhook URLs."
  value       = azurerm_key_vault.this.name
}

output "key_vault_uri" {
  description = "The URI of the Key Vault."
  value       = azurerm_key_vault.this.vault_uri
}

output "app_insights_name" {
  description = "The name of the Application Insights component."
  value       = azurerm_application_insights.this.name
}

output "log_analytics_workspace_resource_id" {
  description = "The resource ID of the Log Analytics workspace behind Application Insights."
  value       = azurerm_log_analytics_workspace.this.id
}

output "heartbeat_alert_id" {
  description = "The resource ID of the heartbeat alert rule."
  value       = azurerm_monitor_scheduled_query_rules_alert_v2.heartbeat.id
}

output "heartbeat_alert_window" {
  description = "The window of the heartbeat alert (ISO 8601): twice the interval of audit_schedule."
  value       = local.heartbeat_window.iso
}

output "heartbeat_alert_evaluation_frequency" {
  description = "How often the heartbeat alert is evaluated (ISO 8601)."
  value       = local.heartbeat_evaluation_frequency
}

output "action_group_id" {
  description = "The resource ID of the action group that tells on-call."
  value       = azurerm_monitor_action_group.heartbeat.id
}

output "audit_reader_subscription_ids" {
  description = "The subscriptions on which the identity holds Reader and Log Analytics Reader."
  value       = local.audit_reader_subscription_ids
}

output "aws_audit_role_arn" {
  description = "The ARN of the audit role created in the account of the default aws provider, or null."
  value       = one(module.aws_audit_role[*].role_arn)
}

output "aws_oidc_provider_arn" {
  description = "The ARN of the IAM OIDC provider used by that role, or null."
  value       = one(module.aws_audit_role[*].oidc_provider_arn)
}

output "aws_role_arns" {
  description = "Every role ARN the function assumes (app setting AUDIT_AWS_ROLE_ARNS)."
  value       = local.aws_role_arns
}

output "app_setting_names" {
  description = "The names of the app settings set on the function app (values are not shown)."
  value       = sort(keys(local.app_settings))
}
