import type { ManagedCluster } from "@azure/arm-containerservice";
import type { ApiServerExposure, ClusterAddon, ClusterRecord, NodePool } from "../../model/inventory.js";
import { azureGpusPerNode, isAzureGpuVmSize } from "./gpu-vm-sizes.js";

/** A cluster as the AKS collector knows it: the neutral record, plus what only the exposure mapper needs. */
export interface AksCluster {
  readonly record: ClusterRecord;
  /** ARM IDs of the managed outbound public IPs (`loadBalancerProfile.effectiveOutboundIPs`): never an exposure. */
  readonly outboundIpIds: readonly string[];
}

/** The agent pool fields the audit reads; REST, Resource Graph and the SDK share these names. */
export interface AgentPoolFields {
  readonly name?: string;
  readonly count?: number;
  readonly vmSize?: string;
  readonly enableAutoScaling?: boolean;
  readonly minCount?: number;
  readonly maxCount?: number;
  readonly enableNodePublicIP?: boolean;
  readonly scaleSetPriority?: string;
  readonly nodeLabels?: Readonly<Record<string, string>>;
}

export interface AddonFields {
  readonly enabled?: boolean;
  readonly config?: Readonly<Record<string, string>>;
}

export function mapPool(pool: AgentPoolFields): NodePool {
  const vmSize = pool.vmSize ?? "";
  const labels = pool.nodeLabels ?? {};
  const gpuLabel = Object.entries(labels).some(
    ([k, v]) => (k === "kubernetes.azure.com/accelerator" || k === "accelerator") && v.toLowerCase() === "nvidia",
  );
  const gpu = (vmSize !== "" && isAzureGpuVmSize(vmSize)) || gpuLabel;
  return {
    name: pool.name ?? "",
    nodeCount: pool.count ?? 0,
    minCount: pool.enableAutoScaling ? (pool.minCount ?? null) : null,
    maxCount: pool.enableAutoScaling ? (pool.maxCount ?? null) : null,
    machineTypes: vmSize ? [vmSize] : [],
    gpu,
    gpusPerNode: gpu && vmSize ? azureGpusPerNode(vmSize) : null,
    publicNodeIps: pool.enableNodePublicIP === true,
    spot: pool.scaleSetPriority === "Spot",
    labels: { ...labels },
  };
}

/** Every add-on as listed; the key casing varies with the tool that created the cluster. */
export const mapAddons = (profiles: Readonly<Record<string, AddonFields>>): ClusterAddon[] =>
  Object.entries(profiles).map(([name, profile]) => ({
    name,
    enabled: profile.enabled === true,
    config: { ...(profile.config ?? {}) },
  }));

/** The monitoring add-on's workspace ARM ID, lower-cased (ARM IDs compare without case); null when off. */
export function workspaceIdOf(profiles: Readonly<Record<string, AddonFields>>): string | null {
  const key = Object.keys(profiles).find((k) => k.toLowerCase() === "omsagent");
  const monitoring = key === undefined ? undefined : profiles[key];
  if (!monitoring?.enabled || !monitoring.config) return null;
  const id = Object.entries(monitoring.config).find(
    ([k]) => k.toLowerCase() === "loganalyticsworkspaceresourceid",
  )?.[1];
  return id ? id.toLowerCase() : null;
}

/**
 * The API server is public unless the cluster is private or public network access is disabled;
 * authorized IP ranges restrict a public one (none listed: any address).
 */
export function apiServerOf(fields: {
  readonly enablePrivateCluster?: boolean;
  readonly authorizedIPRanges?: readonly string[];
  readonly publicNetworkAccess?: string;
  readonly fqdn?: string;
  readonly privateFqdn?: string;
}): ApiServerExposure {
  const privateCluster = fields.enablePrivateCluster === true;
  const publicNetworkDisabled = (fields.publicNetworkAccess ?? "").toLowerCase() === "disabled";
  const ranges = (fields.authorizedIPRanges ?? []).map((r) => r.trim()).filter(Boolean);
  return {
    publicEndpoint: !privateCluster && !publicNetworkDisabled,
    allowedSourceCidrs: ranges.length > 0 ? ranges : null,
    privateCluster,
    fqdn: fields.fqdn ?? fields.privateFqdn ?? null,
    publicNetworkAccess: fields.publicNetworkAccess ?? null,
  };
}

export const fallbackClusterId = (subscriptionId: string, name: string): string =>
  `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters/${name}`;

/** Pure: one AKS ManagedCluster (SDK shape, as ARM's get returns it) to the provider-neutral record. */
export function mapManagedCluster(mc: ManagedCluster, subscriptionId: string): ClusterRecord {
  const access = mc.apiServerAccessProfile ?? {};
  const addons = mc.addonProfiles ?? {};
  const network = mc.networkProfile;
  return {
    cloud: "azure",
    scope: subscriptionId,
    region: mc.location ?? "",
    id: mc.id ?? fallbackClusterId(subscriptionId, mc.name ?? ""),
    name: mc.name ?? "",
    kubernetesVersion: mc.currentKubernetesVersion ?? mc.kubernetesVersion ?? null,
    powerState: mc.powerState?.code ?? null,
    apiServer: apiServerOf({
      ...(access.enablePrivateCluster === undefined ? {} : { enablePrivateCluster: access.enablePrivateCluster }),
      ...(access.authorizedIPRanges ? { authorizedIPRanges: access.authorizedIPRanges } : {}),
      ...(mc.publicNetworkAccess ? { publicNetworkAccess: mc.publicNetworkAccess } : {}),
      ...(mc.fqdn ? { fqdn: mc.fqdn } : {}),
      ...(mc.privateFqdn ? { privateFqdn: mc.privateFqdn } : {}),
    }),
    nodePools: (mc.agentPoolProfiles ?? []).map(mapPool),
    addons: mapAddons(addons),
    rbacEnabled: mc.enableRbac ?? null,
    localAccountsEnabled: mc.disableLocalAccounts === undefined ? null : !mc.disableLocalAccounts,
    logAnalyticsWorkspaceId: workspaceIdOf(addons),
    nodeResourceGroup: mc.nodeResourceGroup ?? null,
    network: network
      ? {
          loadBalancerSku: network.loadBalancerSku ?? null,
          outboundType: network.outboundType ?? null,
          networkPlugin: network.networkPlugin ?? null,
          networkPolicy: network.networkPolicy ?? null,
        }
      : null,
    identityProfile: mc.aadProfile
      ? { aadManaged: mc.aadProfile.managed ?? null, azureRbac: mc.aadProfile.enableAzureRbac ?? null }
      : null,
    tags: { ...(mc.tags ?? {}) },
  };
}

/** The same, with the outbound IPs the exposure mapper leaves out. */
export const mapManagedClusterFacts = (mc: ManagedCluster, subscriptionId: string): AksCluster => ({
  record: mapManagedCluster(mc, subscriptionId),
  outboundIpIds: (mc.networkProfile?.loadBalancerProfile?.effectiveOutboundIPs ?? []).flatMap((r) =>
    r.id ? [r.id] : [],
  ),
});
