# One AWS account's side of the federation. The function's managed identity gets an Entra v1 token for
# the audience and exchanges it with sts:AssumeRoleWithWebIdentity: no AWS keys are stored anywhere.

locals {
  # The token's iss claim; the IAM provider URL must match it exactly, trailing slash included.
  issuer_url = "https://sts.windows.net/${var.entra_tenant_id}/"
  # Condition keys of an OIDC provider are "<provider host and path>:<claim>".
  issuer_host_path  = "sts.windows.net/${var.entra_tenant_id}/"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.entra[0].arn : var.oidc_provider_arn
}

resource "aws_iam_openid_connect_provider" "entra" {
  count = var.create_oidc_provider ? 1 : 0

  url             = local.issuer_url
  client_id_list  = [var.audience]
  thumbprint_list = length(var.oidc_thumbprints) > 0 ? var.oidc_thumbprints : null
  tags            = var.tags
}

# Who may assume the role: a token from the Entra issuer, for this audience, whose subject is the
# function's managed identity.
data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "EntraManagedIdentity"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer_host_path}:aud"
      values   = [var.audience]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer_host_path}:sub"
      values   = [var.principal_id]
    }
  }

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider || var.oidc_provider_arn != null
      error_message = "Pass oidc_provider_arn when create_oidc_provider is false."
    }
  }
}

# What the role may do: exactly the calls the collectors make (test/infra/least-privilege.test.ts reads them
# from the code): EKS clusters and node groups, the load balancers in front of Services with their tags, and
# the security groups of internet-facing ones. Nothing else; no wildcard actions.
data "aws_iam_policy_document" "read_only" {
  statement {
    sid    = "ClusterAuditReadOnly"
    effect = "Allow"
    actions = [
      "eks:ListClusters",
      "eks:DescribeCluster",
      "eks:ListNodegroups",
      "eks:DescribeNodegroup",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTags",
      "ec2:DescribeSecurityGroups",
      "sts:GetCallerIdentity",
    ]
    # These list and describe calls have no resource-level scoping.
    resources = ["*"]
  }
}

resource "aws_iam_role" "audit" {
  name                 = var.role_name
  path                 = var.role_path
  description          = "Read-only EKS and load balancer audit, assumed by an Azure Functions managed identity through Entra ID federation."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "read_only" {
  name   = "cluster-audit-read-only"
  role   = aws_iam_role.audit.id
  policy = data.aws_iam_policy_document.read_only.json
}
