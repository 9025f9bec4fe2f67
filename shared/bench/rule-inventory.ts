/**
 * @module
 * A generated inventory for timing the rules: N clusters (two AKS for one EKS), with the facts the
 * scaled estate has in the same proportions: Service exposures (Istio gateways on public IPs, open
 * and restricted; EKS load balancers), Container Insights on one cluster in ten (Services, Kubeflow,
 * miner evidence, three weeks of hourly GPU series on its GPU pools), EKS GPU history, per-scope
 * coverage and a blind spot for every cluster without Container Insights. Deterministic.
 */
import type { ClusterRecord, NodePool } from "../model/cluster.js";
import type { CollectionGap, CoverageEntry } from "../model/coverage.js";
import type { ServiceExposure } from "../model/exposure.js";
import { type Inventory, mergeInventory } from "../model/inventory.js";
import type { GpuNodeSeries, KubeflowPresence, KubeService, MinerEvidence } from "../model/signals.js";

const HOUR = 3_600_000;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

const pool = (name: string, machine: string, nodes: number, gpu: boolean): NodePool => ({
  name,
  nodeCount: nodes,
  minCount: 0,
  maxCount: 16,
  machineTypes: [machine],
  gpu,
  gpusPerNode: gpu ? 1 : null,
  publicNodeIps: false,
  spot: false,
  labels: {},
});

/** Three weeks of hourly points: two nodes, and for one pool in four a jump to 10 in the last hours. */
function series(now: Date, spike: boolean): { time: Date; value: number }[] {
  const end = Math.floor(now.getTime() / HOUR) * HOUR;
  const hours = 21 * 24;
  return Array.from({ length: hours }, (_, i) => ({
    time: new Date(end - (hours - 1 - i) * HOUR),
    value: spike && i >= hours - 4 ? 10 : 2,
  }));
}

export function ruleInventory(clusterCount: number, now: Date): Inventory {
  const clusters: ClusterRecord[] = [];
  const exposures: ServiceExposure[] = [];
  const services: KubeService[] = [];
  const kubeflow: KubeflowPresence[] = [];
  const minerEvidence: MinerEvidence[] = [];
  const gpuSeries: GpuNodeSeries[] = [];
  const coverage: CoverageEntry[] = [];
  const gaps: CollectionGap[] = [];
  const scopes = new Set<string>();

  for (let c = 0; c < clusterCount; c++) {
    const aws = c % 3 === 2;
    const scope = aws ? String(400_000_000_000 + (c % 50)) : `${hex(c % 500, 8)}-0000-4000-8000-${hex(c % 500, 12)}`;
    const region = aws ? ["us-east-1", "eu-west-1", "ap-south-1"][c % 3] : "eastus";
    const name = `c-${c}`;
    const id = aws
      ? `arn:aws:eks:${region}:${scope}:cluster/${name}`
      : `/subscriptions/${scope}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`;
    const gpu = c % 20 === 7;
    const monitored = !aws && c % 10 === 3;
    const record: ClusterRecord = {
      cloud: aws ? "aws" : "azure",
      scope,
      region: region ?? "eastus",
      id,
      name,
      kubernetesVersion: "1.31.2",
      powerState: "Running",
      apiServer: {
        publicEndpoint: c % 10 <= 1,
        allowedSourceCidrs: c % 10 === 1 ? ["203.0.113.0/24"] : null,
        privateCluster: c % 10 > 1,
        fqdn: `${name}.example`,
      },
      nodePools: [
        pool("system", aws ? "m6i.large" : "Standard_D4s_v5", 3, false),
        ...(gpu ? [pool("gpu", aws ? "g5.12xlarge" : "Standard_NC24ads_A100_v4", 2, true)] : []),
      ],
      addons: monitored ? [{ name: "omsagent", enabled: true }] : [],
      rbacEnabled: true,
      localAccountsEnabled: !aws && c % 2 === 0,
      logAnalyticsWorkspaceId: monitored
        ? `/subscriptions/${scope}/resourcegroups/m/providers/x/workspaces/w${c % 40}`
        : null,
      tags: {},
    };
    clusters.push(record);
    const placeKey = `${record.cloud}|${scope}|${aws ? region : ""}`;
    if (!scopes.has(placeKey)) {
      scopes.add(placeKey);
      for (const source of ["clusters", "service-exposure"] as const)
        coverage.push({ cloud: record.cloud, scope, region: aws ? (region ?? null) : null, clusterId: null, source });
    }
    const base = {
      cloud: record.cloud,
      scope,
      region: region ?? null,
      clusterId: id,
      addresses: [`20.0.${(c >> 8) & 255}.${c & 255}`],
      ports: [{ protocol: "TCP", port: 443 }],
      sourceCidrs: [],
      evidence: {},
    } as const;
    if (c % 40 === 5 || c % 40 === 25)
      exposures.push({
        ...base,
        namespace: "istio-system",
        serviceName: "istio-ingressgateway",
        kind: aws ? "load-balancer" : "public-ip",
        owner: aws ? "aws-cloud-provider" : "cloud-provider-azure",
        internetFacing: true,
        sourceRestriction: c % 40 === 5 ? "open" : "restricted",
        ...(c % 40 === 25 ? { sourceCidrs: ["198.51.100.0/24"] } : {}),
        resourceId: `${id}/lb/${c}`,
      });
    if (aws)
      exposures.push({
        ...base,
        namespace: "default",
        serviceName: "api",
        kind: "load-balancer",
        owner: "aws-cloud-provider",
        internetFacing: false,
        sourceRestriction: "restricted",
        resourceId: `${id}/internal/${c}`,
      });
    if (monitored) {
      coverage.push({ cloud: "azure", scope, region: null, clusterId: id, source: "container-insights" });
      for (const [namespace, svc, type] of [
        ["istio-system", "istio-ingressgateway", "LoadBalancer"],
        ["kubernetes-dashboard", "kubernetes-dashboard", "ClusterIP"],
        ["default", "web", "ClusterIP"],
      ] as const)
        services.push({
          cloud: "azure",
          clusterId: id,
          namespace,
          name: svc,
          serviceType: type,
          selector: { app: svc },
        });
      if (c % 100 === 3)
        kubeflow.push({
          cloud: "azure",
          clusterId: id,
          namespaces: ["kubeflow"],
          components: ["centraldashboard", "notebook-controller"],
          firstSeen: null,
          lastSeen: null,
        });
      if (c % 500 === 3)
        minerEvidence.push({
          cloud: "azure",
          clusterId: id,
          kind: "image",
          indicator: "xmrig",
          namespace: "kubeflow-user",
          pod: "notebook-miner-0",
          container: "main",
          image: "docker.io/xmrig/xmrig:latest",
          excerpt: "docker.io/xmrig/xmrig:latest",
          firstSeen: null,
        });
    } else if (!aws) {
      gaps.push({
        cloud: "azure",
        scope,
        region: null,
        clusterId: id,
        clusterName: name,
        operation: "read-container-insights",
        reason: "Container Insights is off",
        code: "ContainerInsightsDisabled",
        source: "container-insights",
      });
    }
    if (gpu && (monitored || aws)) {
      gpuSeries.push({
        cloud: record.cloud,
        scope,
        clusterId: id,
        pool: "gpu",
        sku: aws ? "g5.12xlarge" : "Standard_NC24ads_A100_v4",
        gpusPerNode: 1,
        source: aws ? "eks-history" : "container-insights",
        points: series(now, c % 80 === 7),
      });
      if (aws) coverage.push({ cloud: "aws", scope, region: region ?? null, clusterId: id, source: "gpu-history" });
    }
  }
  return mergeInventory([{ clusters, exposures, services, kubeflow, minerEvidence, gpuSeries, coverage, gaps }], now);
}
