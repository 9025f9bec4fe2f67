variable "entra_tenant_id" {
  type        = string
  description = "Entra tenant ID. AWS trusts its v1 token issuer, https://sts.windows.net/<tenant>/."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.entra_tenant_id))
    error_message = "entra_tenant_id must be a tenant ID (a GUID)."
  }
}

variable "audience" {
  type        = string
  description = "Token audience: the App ID URI of the Entra app registration (for example \"api://aws-audit-federation\"), the same value as AUDIT_AWS_WEB_IDENTITY_AUDIENCE. Becomes the client ID of the OIDC provider and the :aud condition of the trust policy."
  nullable    = false

  validation {
    condition     = can(regex("^\\S{1,255}$", var.audience))
    error_message = "audience must be 1 to 255 characters without spaces."
  }
}

variable "principal_id" {
  type        = string
  description = "Principal (object) ID of the function's user-assigned managed identity: the :sub condition of the trust policy, so that no other identity of the tenant can assume the role."
  nullable    = false

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.principal_id))
    error_message = "principal_id must be an object ID (a GUID)."
  }
}

variable "role_name" {
  type        = string
  description = "Name of the IAM audit role."
  default     = "cluster-audit-reader"
  nullable    = false

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 letters, digits or any of + = , . @ _ -."
  }
}

variable "role_path" {
  type        = string
  description = "IAM path of the role."
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7e]{0,510}/)?$", var.role_path))
    error_message = "role_path must start and end with \"/\"."
  }
}

variable "create_oidc_provider" {
  type        = bool
  description = "Whether to create the IAM OIDC provider for the Entra issuer. An account holds one provider per issuer URL: set false when it already exists and pass oidc_provider_arn."
  default     = true
  nullable    = false
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the existing OIDC provider for https://sts.windows.net/<tenant>/ (used when create_oidc_provider is false). Its client ID list must contain the audience."
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/sts\\.windows\\.net/[0-9a-fA-F-]{36}/$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of an OIDC provider for sts.windows.net/<tenant>/ (with the trailing slash)."
  }
}

variable "oidc_thumbprints" {
  type        = list(string)
  description = "Optional server certificate thumbprints of the issuer. [] = none: IAM then validates the issuer with its library of trusted root CAs."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for thumbprint in var.oidc_thumbprints : can(regex("^[0-9a-fA-F]{40}$", thumbprint))])
    error_message = "Every thumbprint must be 40 hexadecimal characters."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "ARN of a managed policy set as the permissions boundary of the role. null = none."
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "max_session_duration" {
  type        = number
  description = "Maximum session duration of the role, in seconds (3600 to 43200)."
  default     = 3600
  nullable    = false

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be from 3600 to 43200 seconds."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags of the role and the OIDC provider."
  default     = {}
  nullable    = false
}
