# The AWS side of the federation, in the account of the default aws provider: an IAM OIDC provider
# that trusts the Entra v1 issuer, and a read-only role that only this function's managed identity can
# assume. For more accounts, apply modules/aws-audit-role once per account with a provider alias and
# pass the role ARNs in aws_role_arns (see examples/aws_accounts).

locals {
  aws_enabled = var.create_aws_audit_role && var.aws_web_identity_audience != null
}

module "aws_audit_role" {
  source = "./modules/aws-audit-role"
  count  = local.aws_enabled ? 1 : 0

  entra_tenant_id          = local.entra_tenant_id
  audience                 = var.aws_web_identity_audience
  principal_id             = azurerm_user_assigned_identity.this.principal_id
  role_name                = var.aws_role_name
  create_oidc_provider     = var.aws_create_oidc_provider
  oidc_provider_arn        = var.aws_oidc_provider_arn
  permissions_boundary_arn = var.aws_permissions_boundary_arn
  max_session_duration     = var.aws_max_session_duration
  tags                     = var.tags
}
