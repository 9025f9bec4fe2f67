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
    text: "Make the cluster private, or restrict the public endpoint to known CIDRs.",
    azureCli: "az aks update -g <resource-group> -n <cluster> --api-server-authorized-ip-ranges <cidr>[,<cidr>]",
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
