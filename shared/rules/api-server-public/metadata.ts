import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "api-server-public",
  title: "Kubernetes API server reachable from the whole internet",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["internet-exposed"],
  description:
    "The control plane has a public endpoint that accepts connections from any internet address: an AKS cluster that is not private, has no authorized IP ranges and keeps public network access, or an EKS cluster whose public endpoint allows 0.0.0.0/0.",
  risk: "Anyone can probe the API server, try stolen or static credentials, and exploit API-server vulnerabilities. In the 2020 Kubeflow campaign, exposed cluster entry points led to crypto-miners on GPU nodes.",
  remediation: {
    text: "Restrict the public endpoint to known CIDRs, or make the cluster private (a new cluster, or API Server VNet Integration), or disable public network access.",
    azureCli: "az aks update -g <resource-group> -n <cluster> --api-server-authorized-ip-ranges <cidr>[,<cidr>]",
    bicep:
      "In Microsoft.ContainerService/managedClusters, set properties.apiServerAccessProfile.authorizedIPRanges: ['<cidr>'] (or enablePrivateCluster: true when the cluster is created).",
    terraform:
      'azurerm_kubernetes_cluster { api_server_access_profile { authorized_ip_ranges = ["<cidr>"] } }  # or private_cluster_enabled = true (replaces the cluster)',
    awsCli:
      "aws eks update-cluster-config --name <cluster> --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs=<cidr>,endpointPrivateAccess=true",
  },
  sources: [DATA_SOURCES.clusters],
  references: [
    "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
    "https://learn.microsoft.com/azure/aks/private-clusters",
    "https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
  ],
} as const satisfies RuleMetadata;
