import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "crypto-miner-workload",
  title: "Crypto-miner running in the cluster",
  severity: "critical",
  clouds: ["azure", "aws"],
  categories: ["malware", "cost"],
  description:
    "Container Insights shows miner evidence: a known miner image or repository, a command with a stratum URL or a known pool host, a known miner binary or pool port, or miner log lines (new job, accepted shares, hashrate).",
  risk: "Someone else is running code in the cluster, and paying for it with your GPUs: the cluster is compromised, not only misconfigured.",
  remediation: {
    text: "Treat it as an incident: isolate the namespace, capture the pod spec and logs, delete the workload, rotate credentials it could reach, and close the entry point (public gateway, dashboard, API server).",
    azureCli:
      "az aks get-credentials -g <resource-group> -n <cluster> && kubectl -n <namespace> get pod <pod> -o yaml > evidence.yaml && kubectl -n <namespace> delete deployment <controller>",
    awsCli:
      "kubectl -n <namespace> get pod <pod> -o yaml > evidence.yaml && kubectl -n <namespace> delete deployment <controller>",
    bicep:
      "Enable Defender for Containers (Microsoft.Security/pricings 'Containers' with pricingTier: 'Standard') for runtime protection alongside this audit.",
    terraform: 'azurerm_security_center_subscription_pricing { resource_type = "Containers", tier = "Standard" }',
    url: "https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.containerInsights],
  references: [
    "https://www.microsoft.com/en-us/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/",
    "https://github.com/xmrig/xmrig",
  ],
} as const satisfies RuleMetadata;
