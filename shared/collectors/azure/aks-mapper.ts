import type { ManagedCluster, ManagedClusterAgentPoolProfile } from "@azure/arm-containerservice";
import type { ClusterRecord, NodePool } from "../../model/inventory.js";
import { azureGpusPerNode, isAzureGpuVmSize } from "./gpu-vm-sizes.js";

/** The add-on key casing varies with the tool that created the cluster. */
function addonEntry(mc: ManagedCluster, key: string) {
  const addons = mc.addonProfiles ?? {};
  const match = Object.keys(addons).find((k) => k.toLowerCase() === key.toLowerCase());
  return match === undefined ? undefined : addons[match];
}

function mapPool(pool: ManagedClusterAgentPoolProfile): NodePool {
  const vmSize = pool.vmSize ?? "";
  const labels = pool.nodeLabels ?? {};
  const gpuLabel = Object.entries(labels).some(
    ([k, v]) => (k === "kubernetes.azure.com/accelerator" || k === "accelerator") && v.toLowerCase() === "nvidia",
  );
  const gpu = (vmSize !== "" && isAzureGpuVmSize(vmSize)) || gpuLabel;
  return {
    name: pool.name,
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

/** Pure: one AKS ManagedCluster (SDK shape) to the provider-neutral record. */
export function mapManagedCluster(mc: ManagedCluster, subscriptionId: string): ClusterRecord {
  const access = mc.apiServerAccessProfile ?? {};
  const privateCluster = access.enablePrivateCluster === true;
  const publicNetworkDisabled = (mc.publicNetworkAccess ?? "").toLowerCase() === "disabled";
  const ranges = (access.authorizedIPRanges ?? []).map((r) => r.trim()).filter(Boolean);
  const workspace = addonEntry(mc, "omsagent");
  const workspaceId =
    workspace?.enabled && workspace.config
      ? (Object.entries(workspace.config)
          .find(([k]) => k.toLowerCase() === "loganalyticsworkspaceresourceid")?.[1]
          ?.toLowerCase() ?? null)
      : null;
  const network = mc.networkProfile;
  return {
    cloud: "azure",
    scope: subscriptionId,
    region: mc.location ?? "",
    id:
      mc.id ?? `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters/${mc.name ?? ""}`,
    name: mc.name ?? "",
    kubernetesVersion: mc.currentKubernetesVersion ?? mc.kubernetesVersion ?? null,
    powerState: mc.powerState?.code ?? null,
    apiServer: {
      publicEndpoint: !privateCluster && !publicNetworkDisabled,
      allowedSourceCidrs: ranges.length > 0 ? ranges : null,
      privateCluster,
      fqdn: mc.fqdn ?? mc.privateFqdn ?? null,
      publicNetworkAccess: mc.publicNetworkAccess ?? null,
    },
    nodePools: (mc.agentPoolProfiles ?? []).map(mapPool),
    addons: Object.entries(mc.addonProfiles ?? {}).map(([name, profile]) => ({
      name,
      enabled: profile.enabled === true,
      config: { ...(profile.config ?? {}) },
    })),
    rbacEnabled: mc.enableRbac ?? null,
    localAccountsEnabled: mc.disableLocalAccounts === undefined ? null : !mc.disableLocalAccounts,
    logAnalyticsWorkspaceId: workspaceId,
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
