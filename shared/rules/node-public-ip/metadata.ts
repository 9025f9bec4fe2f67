import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "node-public-ip",
  title: "Cluster nodes reachable from the internet",
  severity: "medium",
  clouds: ["azure", "aws"],
  categories: ["internet-exposed"],
  description:
    "A node pool gives its nodes public IP addresses (AKS enableNodePublicIP), or a node group allows remote access (SSH) from any address (EKS remoteAccess without source security groups).",
  risk: "Every node becomes a target for SSH brute force and kubelet or NodePort exploits, bypassing the load balancer and its rules.",
  remediation: {
    text: "Use node pools without public IPs and reach nodes through a bastion; on EKS, limit remote access to source security groups.",
    azureCli:
      "az aks nodepool add -g <resource-group> --cluster-name <cluster> -n <newpool> --node-vm-size <size>  # without --enable-node-public-ip; move the workloads, then: az aks nodepool delete -g <resource-group> --cluster-name <cluster> -n <oldpool>",
    awsCli:
      "aws eks create-nodegroup --cluster-name <cluster> --nodegroup-name <new> --remote-access ec2SshKey=<key>,sourceSecurityGroups=<sg-id> ...",
    bicep: "In agentPoolProfiles, set enableNodePublicIP: false (a new pool is needed to change it).",
    terraform:
      "azurerm_kubernetes_cluster_node_pool { node_public_ip_enabled = false } (azurerm 3.x: enable_node_public_ip; changing it replaces the pool); aws_eks_node_group { remote_access { source_security_group_ids = [...] } }",
    url: "https://learn.microsoft.com/azure/aks/use-node-public-ips",
  },
  sources: [DATA_SOURCES.clusters],
  references: [
    "https://learn.microsoft.com/azure/aks/use-node-public-ips",
    "https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteAccessConfig.html",
  ],
} as const satisfies RuleMetadata;
