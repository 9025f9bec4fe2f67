/**
 * GPU series literals shaped like the demo's telemetry: the Kubeflow cluster whose
 * A100 pool jumps from 2 to 12 nodes after two steady weeks (the miner as the top
 * attribution), and its diurnal twin peaking now as it does every day.
 */

import { evaluateRules } from "../../shared/engine/evaluate.js";
import type { Finding } from "../../shared/model/finding.js";
import type {
  CoverageEntry,
  Inventory,
  KubeflowPresence,
  MinerEvidence,
  NodePool,
} from "../../shared/model/inventory.js";
import type { GpuAttribution, GpuNodeSeries } from "../../shared/model/signals.js";
import { GPU_SPIKE_DEFAULTS } from "../../shared/rules/gpu-node-spike/config.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { cluster, exposure, inventoryOf } from "./helpers.js";

const HOUR = 3_600_000;
export const SUB = "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31";
/** The time of the latest point; runs happen a few minutes later. */
export const LAST_POINT = new Date("2026-11-28T09:00:00Z");
export const NOW = new Date(LAST_POINT.getTime() + 5 * 60_000);

/** Hourly points ending at `end`, the last value last. */
export function hourly(values: readonly number[], end: Date = LAST_POINT) {
  return values.map((value, i) => ({ time: new Date(end.getTime() - (values.length - 1 - i) * HOUR), value }));
}

export function gpuPool(overrides: Partial<NodePool> = {}): NodePool {
  return {
    name: "gpua100",
    nodeCount: 2,
    minCount: 0,
    maxCount: 16,
    machineTypes: ["Standard_NC24ads_A100_v4"],
    gpu: true,
    gpusPerNode: 1,
    publicNodeIps: false,
    spot: false,
    labels: {},
    ...overrides,
  };
}

const systemPool: NodePool = gpuPool({
  name: "system",
  nodeCount: 3,
  machineTypes: ["Standard_D4s_v5"],
  gpu: false,
  gpusPerNode: null,
});

export const kubeflowCluster = cluster({
  scope: SUB,
  id: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/kubeflow-gpu-prod`,
  name: "kubeflow-gpu-prod",
  nodePools: [systemPool, gpuPool()],
});

export const trainingCluster = cluster({
  scope: SUB,
  id: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/aks-training-private`,
  name: "aks-training-private",
  apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null },
  nodePools: [systemPool, gpuPool({ name: "gput4", machineTypes: ["Standard_NC4as_T4_v3"] })],
});

export const MINER_IMAGE = "docker.io/xmrig/xmrig:latest";

export const minerAttribution: GpuAttribution[] = [
  { namespace: "kubeflow-user", controller: "notebook-miner", image: MINER_IMAGE, gpus: 10 },
  { namespace: "kubeflow", controller: "ml-pipeline-train", image: "ghcr.io/example/pytorch:2.4", gpus: 2 },
];

/** Two steady weeks at 2 nodes, then 12 A100 nodes for the last `hoursAt12` hours (and `after` points after). */
export function kubeflowSeries(hoursAt12 = 3, after: readonly number[] = []): GpuNodeSeries {
  const steady = 14 * 24;
  return {
    cloud: "azure",
    scope: SUB,
    clusterId: kubeflowCluster.id,
    pool: "gpua100",
    sku: "Standard_NC24ads_A100_v4",
    gpusPerNode: 1,
    source: "container-insights",
    points: hourly([
      ...Array.from({ length: steady }, () => 2),
      ...Array.from({ length: hoursAt12 }, () => 12),
      ...after,
    ]),
    attribution: minerAttribution,
  };
}

/** 2 nodes at night, 10 from 08:00 to 18:00 UTC, every day for two weeks: peaking now, as every day. */
export function diurnalSeries(): GpuNodeSeries {
  const values: number[] = [];
  const hours = 15 * 24;
  for (let i = 0; i < hours; i++) {
    const hour = new Date(LAST_POINT.getTime() - (hours - 1 - i) * HOUR).getUTCHours();
    values.push(hour >= 8 && hour <= 18 ? 10 : 2);
  }
  return {
    cloud: "azure",
    scope: SUB,
    clusterId: trainingCluster.id,
    pool: "gput4",
    sku: "Standard_NC4as_T4_v3",
    gpusPerNode: 1,
    source: "container-insights",
    points: hourly(values),
  };
}

export const kubeflowPresence: KubeflowPresence = {
  cloud: "azure",
  clusterId: kubeflowCluster.id,
  namespaces: ["kubeflow"],
  components: ["centraldashboard", "notebook-controller"],
  firstSeen: null,
  lastSeen: null,
};

export const minerEvidence: MinerEvidence = {
  cloud: "azure",
  clusterId: kubeflowCluster.id,
  kind: "image",
  indicator: "xmrig",
  namespace: "kubeflow-user",
  pod: "notebook-miner-0",
  container: "main",
  image: MINER_IMAGE,
  excerpt: MINER_IMAGE,
  firstSeen: "2026-11-28T06:10:00.000Z",
};

export const istioExposure = exposure({
  scope: SUB,
  clusterId: kubeflowCluster.id,
  addresses: ["20.81.4.7"],
});

export const demoCoverage: CoverageEntry[] = ["clusters", "service-exposure", "container-insights"].map((source) => ({
  cloud: "azure",
  scope: SUB,
  region: null,
  clusterId: null,
  source: source as CoverageEntry["source"],
}));

/** Both clusters as the demo's telemetry will show them once Log Analytics is wired. */
export function demoGpuInventory(overrides: Partial<Inventory> = {}): Inventory {
  return inventoryOf([kubeflowCluster, trainingCluster], {
    coverage: demoCoverage,
    exposures: [istioExposure],
    kubeflow: [kubeflowPresence],
    minerEvidence: [minerEvidence],
    gpuSeries: [kubeflowSeries(), diurnalSeries()],
    ...overrides,
  });
}

/** The run's findings for an inventory, as the engine reports them (dependencies evaluated first). */
export function findingsOf(inventory: Inventory, now: Date = NOW, config: Record<string, unknown> = {}): Finding[] {
  const configs = new Map<string, unknown>([["gpu-node-spike", { ...GPU_SPIKE_DEFAULTS, ...config }]]);
  return evaluateRules(ALL_RULES, inventory, { now, configs }).drafts.map(({ sources: _s, ...draft }) => ({
    ...draft,
    state: "new",
    firstSeen: now.toISOString(),
    lastSeen: now.toISOString(),
  }));
}
