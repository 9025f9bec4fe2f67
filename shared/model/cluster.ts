/**
 * Clusters as the cloud control planes describe them. Collectors fill these from
 * ARM / Resource Graph (AKS) and the EKS API; `null` means "the API did not say".
 */
export type Cloud = "azure" | "aws";

export interface ApiServerExposure {
  /** True when the control plane has an endpoint reachable from public addresses. */
  readonly publicEndpoint: boolean;
  /** Source CIDRs allowed to reach the public endpoint; `null` means unrestricted. */
  readonly allowedSourceCidrs: readonly string[] | null;
  readonly privateCluster: boolean;
  readonly fqdn: string | null;
  /** AKS `publicNetworkAccess` (`Enabled`/`Disabled`); null on EKS or when unset. */
  readonly publicNetworkAccess?: string | null;
}

/** SSH or RDP access to the nodes of a pool (EKS `remoteAccess`). */
export interface NodeRemoteAccess {
  readonly enabled: boolean;
  /** True when any internet address may connect; null when it cannot be told. */
  readonly openToWorld: boolean | null;
  /** Source security groups or CIDRs that the access is limited to. */
  readonly sources: readonly string[];
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
  /** Nodes get public IP addresses (AKS `enableNodePublicIP`, EKS public subnets when known). */
  readonly publicNodeIps: boolean;
  readonly remoteAccess?: NodeRemoteAccess | null;
  readonly spot: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterAddon {
  /** The add-on key as the API spelled it (e.g. `omsagent`, `kubeDashboard`). */
  readonly name: string;
  readonly enabled: boolean;
  readonly config?: Readonly<Record<string, string>>;
}

export interface ClusterNetwork {
  readonly loadBalancerSku: string | null;
  readonly outboundType: string | null;
  readonly networkPlugin: string | null;
  readonly networkPolicy: string | null;
}

export interface ClusterIdentityProfile {
  /** Entra ID integration (AKS managed AAD). */
  readonly aadManaged: boolean | null;
  /** Azure RBAC for Kubernetes authorization. */
  readonly azureRbac: boolean | null;
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
  /** Every add-on the API listed, enabled or not. */
  readonly addons: readonly ClusterAddon[];
  readonly rbacEnabled: boolean | null;
  readonly localAccountsEnabled: boolean | null;
  /** ARM ID of the Log Analytics workspace the monitoring add-on writes to (lower case), if any. */
  readonly logAnalyticsWorkspaceId: string | null;
  /** AKS node resource group (holds the Service load balancers, public IPs and NSG). */
  readonly nodeResourceGroup?: string | null;
  readonly network?: ClusterNetwork | null;
  readonly identityProfile?: ClusterIdentityProfile | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** Case-insensitive for ARM IDs (Azure compares them so), exact for AWS ARNs (EKS names are case-sensitive). */
export function sameResourceId(cloud: Cloud, a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return cloud === "azure" ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** A key for maps of clusters: lower-cased on Azure, verbatim on AWS. */
export function clusterKey(cloud: Cloud, id: string): string {
  return `${cloud}|${cloud === "azure" ? id.toLowerCase() : id}`;
}

export const isEnabledAddon = (cluster: ClusterRecord, name: string): boolean =>
  cluster.addons.some((a) => a.name.toLowerCase() === name.toLowerCase() && a.enabled);
