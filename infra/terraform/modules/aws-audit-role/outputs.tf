output "role_arn" {
  description = "The ARN of the audit role: one entry of AUDIT_AWS_ROLE_ARNS."
  value       = aws_iam_role.audit.arn
}

output "role_name" {
  description = "The name of the audit role."
  value       = aws_iam_role.audit.name
}

output "oidc_provider_arn" {
  description = "The ARN of the IAM OIDC provider the role trusts."
  value       = local.oidc_provider_arn
}

output "issuer_url" {
  description = "The Entra issuer the provider trusts."
  value       = local.issuer_url
}
