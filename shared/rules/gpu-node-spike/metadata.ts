import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "gpu-node-spike",
  title: "GPU nodes rose above the cluster's own baseline",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["cost", "attack-path"],
  description:
    "The GPU node count of a pool (AKS, from Container Insights) or node group (EKS, from the stored history of node-group sizes), or its GPU capacity, rose above what the cluster's own recent history explains at that hour of the week, by at least max(2 nodes, 50 %), for at least an hour. Critical when the same cluster has a public Istio gateway, an exposed Kubeflow or Kubernetes dashboard, or miner evidence: that is the 2020 attack path, and the detail names each step with the cost per hour.",
  risk: "In the 2020 Kubeflow campaign the miners requested GPUs and the cluster autoscaler added GPU nodes for them: the bill was the first visible sign. Cloud cost anomaly detection reports it a day or more later, per subscription, and never ties it to the open door.",
  remediation: {
    text: "Find who requested the GPUs (the attribution lists namespaces, controllers and images), stop them if they are not yours, cap the pool's autoscaler, and close the exposure the finding names. If the growth is legitimate (a new training run), mute the finding with an expiry.",
    azureCli:
      "az aks nodepool update -g <rg> --cluster-name <cluster> -n <pool> --update-cluster-autoscaler --min-count 0 --max-count <cap>  # then: kubectl get pods -A -o wide --field-selector spec.nodeName=<node>",
    awsCli:
      "kubectl get pods -A -o wide --field-selector spec.nodeName=<node> && aws eks update-nodegroup-config --cluster-name <cluster> --nodegroup-name <nodegroup> --scaling-config minSize=0,maxSize=<cap>,desiredSize=<baseline>",
    bicep:
      "Cap GPU pools in Microsoft.ContainerService/managedClusters agentPoolProfiles (enableAutoScaling: true, maxCount: <cap>) and add a Microsoft.Consumption/budgets alert on the node resource group.",
    terraform:
      'azurerm_kubernetes_cluster_node_pool { auto_scaling_enabled = true, max_count = <cap> } / aws_eks_node_group { scaling_config { max_size = <cap> } } and a budget (azurerm_consumption_budget_resource_group, aws_budgets_budget with cost_filter { name = "TagKeyValue" })',
    url: "https://learn.microsoft.com/azure/aks/cluster-autoscaler",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.containerInsights, DATA_SOURCES.gpuHistory],
  dependsOn: [
    "api-server-public",
    "istio-ingress-public",
    "kubeflow-dashboard-exposed",
    "k8s-dashboard-exposed",
    "crypto-miner-workload",
  ],
  references: [
    "https://www.microsoft.com/en-us/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/",
    "https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-gpu-monitoring",
    "https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html",
    "https://learn.microsoft.com/azure/cost-management-billing/understand/analyze-unexpected-charges",
  ],
} as const satisfies RuleMetadata;
