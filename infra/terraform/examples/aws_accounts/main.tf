# Several AWS accounts: the root module creates the audit role in the account of the default aws
# provider, and modules/aws-audit-role is applied once more per extra account, each with its own
# provider alias. Every role trusts the same managed identity; the function assumes each of them
# (AUDIT_AWS_ROLE_ARNS).

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
  storage_use_azuread = true
}

provider "azapi" {}

# The first account (for example the security tooling account): credentials from the environment.
provider "aws" {
  region = "us-east-1"
}

# Extra accounts, reached by assuming an administration role in each.
provider "aws" {
  alias  = "production"
  region = "us-east-1"

  assume_role {
    role_arn = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
  }
}

provider "aws" {
  alias  = "staging"
  region = "us-east-1"

  assume_role {
    role_arn = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
  }
}

variable "aws_web_identity_audience" {
  type        = string
  description = "App ID URI of the Entra app registration used as the token audience."
  default     = "api://aws-audit-federation"
}

module "cluster_audit" {
  source = "../.."

  resource_group_name = "rg-cluster-audit"
  location            = "westeurope"
  name_prefix         = "caudit"

  aws_web_identity_audience = var.aws_web_identity_audience
  aws_regions               = ["us-east-1", "eu-west-1"]
  aws_role_arns = [
    module.aws_audit_role_production.role_arn,
    module.aws_audit_role_staging.role_arn,
  ]
}

module "aws_audit_role_production" {
  source = "../../modules/aws-audit-role"
  providers = {
    aws = aws.production
  }

  entra_tenant_id = module.cluster_audit.entra_tenant_id
  audience        = var.aws_web_identity_audience
  principal_id    = module.cluster_audit.identity_principal_id
}

module "aws_audit_role_staging" {
  source = "../../modules/aws-audit-role"
  providers = {
    aws = aws.staging
  }

  entra_tenant_id = module.cluster_audit.entra_tenant_id
  audience        = var.aws_web_identity_audience
  principal_id    = module.cluster_audit.identity_principal_id
}

output "aws_role_arns" {
  description = "The roles the function assumes, one per account."
  value       = module.cluster_audit.aws_role_arns
}
