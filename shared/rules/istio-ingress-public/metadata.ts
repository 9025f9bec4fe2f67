import { DATA_SOURCES } from "../../model/coverage.js";
import type { RuleMetadata } from "../../model/rule.js";

export const metadata = {
  id: "istio-ingress-public",
  title: "Istio ingress gateway behind an internet-facing load balancer with no source restriction",
  severity: "high",
  clouds: ["azure", "aws"],
  categories: ["internet-exposed", "attack-path"],
  description:
    "An Istio ingress gateway Service (found by namespace and name, by name pattern, or by its selector in Container Insights, even when renamed) has a public IP (AKS) or an internet-facing load balancer (EKS), and no loadBalancerSourceRanges or security group narrows who may connect.",
  risk: "The gateway routes to everything behind it. In the 2020 Kubeflow campaign attackers reached the Kubeflow dashboard through exactly this path and started crypto-miners on the GPU nodes.",
  remediation: {
    text: "Make the gateway Service internal, or restrict it to known source ranges and put authentication in front of what it routes to.",
    azureCli:
      'kubectl -n istio-system patch svc istio-ingressgateway -p \'{"spec":{"loadBalancerSourceRanges":["<cidr>"]}}\'  # or annotate service.beta.kubernetes.io/azure-load-balancer-internal=true',
    awsCli:
      "kubectl -n istio-system annotate svc istio-ingressgateway service.beta.kubernetes.io/aws-load-balancer-scheme=internal --overwrite",
    bicep:
      "Manage the gateway through the Istio add-on (serviceMeshProfile.istio.components.ingressGateways with mode 'Internal').",
    terraform:
      "azurerm_kubernetes_cluster.service_mesh_profile { internal_ingress_gateway_enabled = true, external_ingress_gateway_enabled = false }",
    url: "https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.serviceExposure],
  references: [
    "https://www.microsoft.com/en-us/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/",
    "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip",
    "https://cloud-provider-azure.sigs.k8s.io/topics/loadbalancer/",
  ],
} as const satisfies RuleMetadata;
