import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "rbac-disabled",
  title: "Kubernetes RBAC is off",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["identity"],
  description:
    "The cluster was created without Kubernetes role-based access control, so every authenticated identity is effectively cluster-admin.",
  risk: "Any workload token or user credential can read secrets and start privileged pods anywhere in the cluster.",
  remediation: {
    text: "RBAC cannot be turned on for an existing AKS cluster: create a new cluster with RBAC (the default) and move workloads.",
    azureCli:
      "az aks create -g <resource-group> -n <new-cluster> --enable-aad --enable-azure-rbac ...  # RBAC is on unless --disable-rbac is given",
    bicep: "In Microsoft.ContainerService/managedClusters, set properties.enableRBAC: true (only at creation).",
    terraform:
      "azurerm_kubernetes_cluster { role_based_access_control_enabled = true }  # changing it replaces the cluster",
    url: "https://learn.microsoft.com/azure/aks/concepts-identity#kubernetes-rbac",
  },
  sources: [DATA_SOURCES.clusters],
  references: ["https://learn.microsoft.com/azure/aks/concepts-identity"],
} as const satisfies RuleMetadata;
