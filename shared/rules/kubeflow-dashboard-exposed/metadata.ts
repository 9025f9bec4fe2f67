import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "kubeflow-dashboard-exposed",
  title: "Kubeflow reachable from the internet through a public Istio gateway",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["internet-exposed", "attack-path"],
  description:
    "An Istio ingress gateway is publicly exposed (istio-ingress-public failed) on a cluster where the Kubeflow control plane runs: the entry point of the 2020 campaign. Critical when miner evidence is also present, or when the cluster has GPU pools.",
  risk: "Kubeflow's central dashboard and notebook servers let visitors start containers; in 2020 attackers used them to deploy XMRig on GPU nodes across many clusters.",
  remediation: {
    text: "Take the gateway off the internet (internal load balancer or source ranges), put authentication (Dex/OIDC) in front of Kubeflow, and check for unknown notebooks and deployments.",
    azureCli:
      'az aks mesh disable-ingress-gateway -g <resource-group> -n <cluster> --ingress-gateway-type external  # Istio add-on; Kubeflow\'s own Istio: kubectl -n istio-system patch svc istio-ingressgateway -p \'{"spec":{"type":"ClusterIP"}}\' and use kubectl port-forward or an authenticated ingress',
    awsCli:
      "kubectl -n istio-system annotate svc istio-ingressgateway service.beta.kubernetes.io/aws-load-balancer-scheme=internal --overwrite",
    bicep:
      "In Microsoft.ContainerService/managedClusters, keep properties.serviceMeshProfile.istio.components.ingressGateways internal only ({ mode: 'Internal', enabled: true }, no enabled 'External').",
    terraform:
      'azurerm_kubernetes_cluster { service_mesh_profile { mode = "Istio", revisions = ["<revision>"], external_ingress_gateway_enabled = false } }',
    url: "https://www.kubeflow.org/docs/started/installing-kubeflow/",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.serviceExposure, DATA_SOURCES.containerInsights],
  dependsOn: ["istio-ingress-public"],
  references: [
    "https://www.microsoft.com/en-us/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/",
    "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-kubernetes.html",
  ],
} as const satisfies RuleMetadata;
