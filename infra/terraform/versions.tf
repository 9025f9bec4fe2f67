terraform {
  # 1.11 brings write-only arguments, used to keep the webhook URLs out of the state.
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
