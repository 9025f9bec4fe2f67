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
      'az aks mesh disable-ingress-gateway -g <resource-group> -n <cluster> --ingress-gateway-type external  # Istio add-on; self-managed Istio: kubectl -n istio-system patch svc istio-ingressgateway -p \'{"spec":{"loadBalancerSourceRanges":["<cidr>"]}}\'',
    awsCli:
      "kubectl -n istio-system annotate svc istio-ingressgateway service.beta.kubernetes.io/aws-load-balancer-scheme=internal --overwrite",
    bicep:
      "In Microsoft.ContainerService/managedClusters, set properties.serviceMeshProfile.istio.components.ingressGateways to [{ mode: 'External', enabled: false }, { mode: 'Internal', enabled: true }]; a self-managed gateway Service gets the annotation service.beta.kubernetes.io/azure-load-balancer-internal: 'true'.",
    terraform:
      'azurerm_kubernetes_cluster { service_mesh_profile { mode = "Istio", revisions = ["<revision>"], internal_ingress_gateway_enabled = true, external_ingress_gateway_enabled = false } }; self-managed: kubernetes_service { spec { load_balancer_source_ranges = ["<cidr>"] } }',
    url: "https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/",
  },
  sources: [DATA_SOURCES.clusters, DATA_SOURCES.serviceExposure],
  references: [
    "https://www.microsoft.com/en-us/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/",
    "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip",
    "https://cloud-provider-azure.sigs.k8s.io/topics/loadbalancer/",
  ],
} as const satisfies RuleMetadata;
