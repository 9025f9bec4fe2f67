/**
 * What runs inside the clusters, as telemetry shows it (Container Insights on AKS,
 * the stored history of node-group sizes on EKS). Every value that came from a
 * cluster (names, images, labels, commands, log lines) is attacker-controlled.
 */
import type { Cloud } from "./cluster.js";

/** A Kubernetes Service as KubeServices records it: no addresses, only type and selector. */
export interface KubeService {
  readonly cloud: Cloud;
  readonly clusterId: string;
  readonly namespace: string;
  readonly name: string;
  /** ClusterIP, NodePort, LoadBalancer or ExternalName. */
  readonly serviceType: string;
  readonly selector: Readonly<Record<string, string>>;
}

/** The Kubeflow control plane seen running on a cluster. */
export interface KubeflowPresence {
  readonly cloud: Cloud;
  readonly clusterId: string;
  readonly namespaces: readonly string[];
  /** Matched components, e.g. centraldashboard, notebook-controller, ml-pipeline, profiles. */
  readonly components: readonly string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
}

export type MinerIndicatorKind = "image" | "command" | "pool-host" | "pool-port" | "binary" | "log-line";

/** One piece of miner evidence; `indicator` names the data-file entry that matched. */
export interface MinerEvidence {
  readonly cloud: Cloud;
  readonly clusterId: string;
  readonly kind: MinerIndicatorKind;
  readonly indicator: string;
  readonly namespace: string | null;
  readonly pod: string | null;
  readonly container: string | null;
  readonly image: string | null;
  /** The matching command, log line or image, clipped. */
  readonly excerpt: string;
  readonly firstSeen: string | null;
}

export interface SeriesPoint {
  readonly time: Date;
  readonly value: number;
}

/** GPUs requested by one workload in a window: who asked for the GPU nodes. */
export interface GpuAttribution {
  readonly namespace: string;
  readonly controller: string | null;
  readonly image: string | null;
  readonly gpus: number;
}

/** GPU nodes of one pool (AKS) or node group (EKS) over time, at a regular step. */
export interface GpuNodeSeries {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly clusterId: string;
  readonly pool: string;
  /** VM size or instance type. */
  readonly sku: string | null;
  readonly gpusPerNode: number | null;
  readonly source: "container-insights" | "eks-history";
  readonly points: readonly SeriesPoint[];
  /** GPU capacity (GPUs, not nodes) over the same bins, when InsightsMetrics has it. */
  readonly capacity?: readonly SeriesPoint[];
  readonly attribution?: readonly GpuAttribution[];
}
