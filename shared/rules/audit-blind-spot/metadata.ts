import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "audit-blind-spot",
  title: "Part of the estate could not be audited",
  severity: "medium",
  clouds: ["azure", "aws"],
  categories: ["coverage"],
  description:
    "The audit could not read something it should: access was denied, a region or subscription failed, or telemetry was missing. Findings for that part are unknown, not passing.",
  risk: "An attacker's foothold in an unaudited subscription, account or cluster goes unnoticed while the report looks clean.",
  remediation: {
    text: "Grant the audit identity Reader (Azure) or the read-only audit role (AWS) on the scope named in the finding, or fix the reported error.",
    azureCli:
      "az role assignment create --assignee <principal-id> --role Reader --scope /subscriptions/<subscription-id>",
    bicep:
      "A Microsoft.Authorization/roleAssignments with roleDefinitionId Reader (acdd72a7-3385-48ef-bd42-f606fba81ae7) at the subscription or management group (infra/bicep/modules/audit-reader.*.bicep).",
    terraform:
      'azurerm_role_assignment { scope = "/subscriptions/<subscription-id>", role_definition_name = "Reader", principal_id = "<principal-id>" }',
  },
  // Each blind spot depends on the source that failed (set per verdict).
  sources: [],
  references: ["https://learn.microsoft.com/azure/role-based-access-control/built-in-roles#reader"],
} as const satisfies RuleMetadata;
