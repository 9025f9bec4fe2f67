/**
 * The provider-neutral inventory. Collectors fill it; rules read only this.
 * Every field is a fact read from a cloud API; `null` means "the API did not say".
 */
export type Cloud = "azure" | "aws";

export interface ApiServerExposure {
  /** True when the control plane has an endpoint reachable from public addresses. */
  readonly publicEndpoint: boolean;
  /** Source CIDRs allowed to reach the public endpoint; `null` means unrestricted. */
  readonly allowedSourceCidrs: readonly string[] | null;
  readonly privateCluster: boolean;
  readonly fqdn: string | null;
}

export interface NodePool {
  readonly name: string;
  readonly nodeCount: number;
  readonly minCount: number | null;
  readonly maxCount: number | null;
  /** VM sizes (AKS) or EC2 instance types (EKS). */
  readonly machineTypes: readonly string[];
  readonly gpu: boolean;
  /** GPUs per node when known from the machine type, else null. */
  readonly gpusPerNode: number | null;
  readonly publicNodeIps: boolean;
  readonly spot: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterAddon {
  readonly name: string;
  readonly enabled: boolean;
}

export interface ClusterRecord {
  readonly cloud: Cloud;
  /** Subscription ID or AWS account ID. */
  readonly scope: string;
  readonly region: string;
  /** ARM resource ID or EKS cluster ARN. */
  readonly id: string;
  readonly name: string;
  readonly kubernetesVersion: string | null;
  readonly powerState: string | null;
  readonly apiServer: ApiServerExposure;
  readonly nodePools: readonly NodePool[];
  readonly addons: readonly ClusterAddon[];
  readonly rbacEnabled: boolean | null;
  readonly localAccountsEnabled: boolean | null;
  /** Log Analytics workspace the cluster's monitoring add-on writes to, if any. */
  readonly logAnalyticsWorkspaceId: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** A Kubernetes Service seen from the cloud side (a public IP, a load balancer). */
export interface ServiceExposure {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly clusterId: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly internetFacing: boolean;
  readonly address: string | null;
  /** Allowed source CIDRs; `null` means unrestricted. */
  readonly sourceCidrs: readonly string[] | null;
  readonly resourceId: string;
}

export interface Workload {
  readonly clusterId: string;
  readonly namespace: string;
  readonly name: string;
  readonly images: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** Something the audit should have seen and could not. Never a silent pass. */
export interface CollectionGap {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
  readonly clusterName: string | null;
  /** What was attempted, e.g. "list-managed-clusters". */
  readonly operation: string;
  /** Redacted, human-readable reason. */
  readonly reason: string;
  readonly code: string | null;
}

export interface InventoryPart {
  readonly clusters: readonly ClusterRecord[];
  readonly exposures: readonly ServiceExposure[];
  readonly workloads: readonly Workload[];
  readonly gaps: readonly CollectionGap[];
}

export interface Inventory extends InventoryPart {
  readonly collectedAt: Date;
}

export const emptyInventoryPart = (): InventoryPart => ({ clusters: [], exposures: [], workloads: [], gaps: [] });

export function mergeInventory(parts: readonly InventoryPart[], collectedAt: Date): Inventory {
  return {
    collectedAt,
    clusters: parts.flatMap((p) => p.clusters),
    exposures: parts.flatMap((p) => p.exposures),
    workloads: parts.flatMap((p) => p.workloads),
    gaps: parts.flatMap((p) => p.gaps),
  };
}
