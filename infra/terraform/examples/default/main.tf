# Default example: the Azure stack in a new resource group, Reader on the current subscription, and the
# AWS audit role in the account of the default aws provider.
#
#   export ARM_SUBSCRIPTION_ID=...            # the Azure subscription
#   export AWS_PROFILE=audit-admin            # any AWS credentials allowed to create IAM roles
#   export TF_VAR_teams_webhook_url='https://...'   # optional, sensitive
#   terraform init && terraform plan -out tfplan && terraform apply tfplan

terraform {
  required_version = ">= 1.11, < 2.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 5.0, < 6.0"
    }
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.5, < 3.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.81, < 7.0"
    }
  }
}

provider "azurerm" {
  features {}
  # The storage account has shared keys disabled: let the provider use Entra ID for storage.
  storage_use_azuread = true
}

provider "azapi" {}

provider "aws" {
  region = var.aws_region
}

variable "location" {
  type        = string
  description = "Azure region."
  default     = "westeurope"
}

variable "aws_region" {
  type        = string
  description = "Region of the AWS provider (IAM is global; this only sets the API endpoint)."
  default     = "us-east-1"
}

variable "aws_web_identity_audience" {
  type        = string
  description = "App ID URI of the Entra app registration used as the token audience (see infra/README.md). null = Azure only."
  default     = null
}

variable "teams_webhook_url" {
  type        = string
  description = "Teams Workflows webhook URL."
  default     = null
  sensitive   = true
}

variable "slack_webhook_url" {
  type        = string
  description = "Slack incoming webhook URL."
  default     = null
  sensitive   = true
}

variable "oncall_email_addresses" {
  type        = list(string)
  description = "Who hears the heartbeat alert (no successful audit run for two schedule intervals)."
  default     = []
}

variable "oncall_webhook_url" {
  type        = string
  description = "Integration URL of the on-call paging tool for the heartbeat alert."
  default     = null
  sensitive   = true
}

resource "azurerm_resource_group" "this" {
  name     = "rg-cluster-audit"
  location = var.location
}

module "cluster_audit" {
  source = "../.."

  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  name_prefix         = "caudit"
  tags = {
    workload = "cluster-audit-functions"
  }

  audit_schedule      = "0 */15 * * * *"
  notify_min_severity = "high"
  teams_webhook_url   = var.teams_webhook_url
  slack_webhook_url   = var.slack_webhook_url

  heartbeat_alert_email_addresses = var.oncall_email_addresses
  heartbeat_alert_webhook_url     = var.oncall_webhook_url

  aws_web_identity_audience = var.aws_web_identity_audience
  aws_role_name             = "cluster-audit-reader"
}

output "function_app_name" {
  description = "Publish the code to this app."
  value       = module.cluster_audit.function_app_name
}

output "identity_principal_id" {
  description = "The managed identity that the AWS roles trust."
  value       = module.cluster_audit.identity_principal_id
}

output "aws_role_arns" {
  description = "The roles the function assumes."
  value       = module.cluster_audit.aws_role_arns
}
