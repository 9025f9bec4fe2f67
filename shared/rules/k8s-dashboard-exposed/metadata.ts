import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "k8s-dashboard-exposed",
  title: "Kubernetes dashboard enabled or reachable from the internet",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["internet-exposed", "attack-path"],
  description:
    "The legacy AKS kube-dashboard add-on is enabled, or a Kubernetes dashboard Service has a public IP or an internet-facing load balancer with no source restriction.",
  risk: "An unprotected dashboard gives cluster access to anyone who finds it: in 2018 attackers used Tesla's to run crypto-miners in its cloud account.",
  remediation: {
    text: "Disable the dashboard add-on and remove or internalise dashboard Services; use kubectl port-forward or the cloud console instead.",
    azureCli:
      'az aks disable-addons --addons kube-dashboard -g <resource-group> -n <cluster>  # a dashboard Service: kubectl -n kubernetes-dashboard patch svc kubernetes-dashboard -p \'{"spec":{"type":"ClusterIP"}}\'',
    awsCli: 'kubectl -n kubernetes-dashboard patch svc kubernetes-dashboard -p \'{"spec":{"type":"ClusterIP"}}\'',
    bicep: "In Microsoft.ContainerService/managedClusters, set properties.addonProfiles.kubeDashboard.enabled: false.",
    terraform:
      'azurerm 3.0 and later have no kube_dashboard block (azurerm 2.x: addon_profile { kube_dashboard { enabled = false } }): disable the add-on with az; keep dashboard Services internal: kubernetes_service { spec { type = "ClusterIP" } }',
    url: "https://learn.microsoft.com/azure/aks/kubernetes-dashboard",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.serviceExposure],
  references: [
    "https://redlock.io/blog/cryptojacking-tesla",
    "https://github.com/kubernetes/dashboard/blob/master/docs/user/access-control/README.md",
  ],
} as const satisfies RuleMetadata;
