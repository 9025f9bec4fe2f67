import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "local-accounts-enabled",
  title: "Static admin credentials still work (AKS local accounts)",
  severity: "medium",
  clouds: ["azure"],
  categories: ["identity"],
  description:
    "The AKS cluster keeps local accounts: `az aks get-credentials --admin` returns a static client certificate that bypasses Entra ID and cannot be revoked short of rotating the cluster certificates.",
  risk: "A leaked admin kubeconfig grants cluster-admin to anyone, with no sign-in, MFA or audit identity.",
  remediation: {
    text: "Use Entra ID integration and disable local accounts.",
    azureCli:
      "az aks update -g <resource-group> -n <cluster> --enable-aad --aad-admin-group-object-ids <group-id> --disable-local-accounts",
    bicep:
      "In Microsoft.ContainerService/managedClusters, set properties.disableLocalAccounts: true (with aadProfile.managed).",
    terraform:
      "azurerm_kubernetes_cluster { local_account_disabled = true, azure_active_directory_role_based_access_control { azure_rbac_enabled = true } }",
    url: "https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad",
  },
  sources: [DATA_SOURCES.clusters],
  references: ["https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad"],
} as const satisfies RuleMetadata;
