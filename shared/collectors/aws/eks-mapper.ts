import type { Cluster, Nodegroup } from "@aws-sdk/client-eks";
import type { ClusterRecord, NodePool, NodeRemoteAccess } from "../../model/inventory.js";
import { awsGpusPerInstance, isAwsGpuInstanceType } from "./gpu-instance-types.js";
import { partitionOfRegion } from "./partitions.js";

const GPU_AMI = /NVIDIA|GPU/i;
/** Set by the NVIDIA device plugin / GPU operator setups that EKS documents. */
const GPU_LABELS = new Set(["k8s.amazonaws.com/accelerator", "nvidia.com/gpu", "nvidia.com/gpu.present"]);
const GPU_TAINT = "nvidia.com/gpu";

function hostnameOf(endpoint: string | undefined): string | null {
  if (!endpoint) return null;
  try {
    return new URL(endpoint).hostname || null;
  } catch {
    // Not a URL (the API always sends https://...); keep the host part anyway.
    return endpoint.replace(/^[a-z]+:\/\//i, "").split(/[/:]/, 1)[0] || null;
  }
}

/** One number only when every known instance type agrees; mixed sizes leave it unknown. */
function gpusPerNode(instanceTypes: readonly string[]): number | null {
  const counts = new Set(instanceTypes.map(awsGpusPerInstance));
  if (counts.size !== 1) return null;
  const [only] = counts;
  return only ?? null;
}

/**
 * EKS `remoteAccess`: with an SSH key and no source security groups, EKS opens port 22 on
 * the nodes to 0.0.0.0/0 (API_RemoteAccessConfig). Node groups built from a launch template
 * carry no remoteAccess; their own security groups are not read (see the README).
 */
function mapRemoteAccess(ng: Nodegroup): NodeRemoteAccess {
  const key = ng.remoteAccess?.ec2SshKey?.trim() ?? "";
  const sources = (ng.remoteAccess?.sourceSecurityGroups ?? []).map((g) => g.trim()).filter(Boolean);
  if (!key) return { enabled: false, openToWorld: false, sources: [] };
  return { enabled: true, openToWorld: sources.length === 0, sources };
}

function mapNodegroup(ng: Nodegroup): NodePool {
  const instanceTypes = (ng.instanceTypes ?? []).map((t) => t.trim()).filter(Boolean);
  const labels = { ...(ng.labels ?? {}) };
  const gpu =
    GPU_AMI.test(ng.amiType ?? "") ||
    instanceTypes.some(isAwsGpuInstanceType) ||
    Object.keys(labels).some((k) => GPU_LABELS.has(k)) ||
    (ng.taints ?? []).some((t) => t.key === GPU_TAINT);
  const scaling = ng.scalingConfig ?? {};
  return {
    name: ng.nodegroupName ?? "",
    nodeCount: scaling.desiredSize ?? 0,
    minCount: scaling.minSize ?? null,
    maxCount: scaling.maxSize ?? null,
    machineTypes: instanceTypes,
    gpu,
    gpusPerNode: gpu ? gpusPerNode(instanceTypes) : null,
    // DescribeNodegroup does not say whether nodes get public IPs: that lives in the subnets
    // (MapPublicIpOnLaunch) or the launch template, which the audit does not read.
    publicNodeIps: false,
    remoteAccess: mapRemoteAccess(ng),
    spot: ng.capacityType === "SPOT",
    labels,
  };
}

/** The ARN EKS gives a cluster, built when the API did not send one (or before describing it). */
export function eksClusterArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOfRegion(region)}:eks:${region}:${accountId}:cluster/${name}`;
}

/** Pure: one EKS DescribeCluster result plus its DescribeNodegroup results to the provider-neutral record. */
export function mapEksCluster(
  cluster: Cluster,
  nodegroups: readonly Nodegroup[],
  accountId: string,
  region: string,
): ClusterRecord {
  const vpc = cluster.resourcesVpcConfig ?? {};
  const publicEndpoint = vpc.endpointPublicAccess === true;
  const cidrs = (vpc.publicAccessCidrs ?? []).map((c) => c.trim()).filter(Boolean);
  const name = cluster.name ?? "";
  return {
    cloud: "aws",
    scope: accountId,
    region,
    id: cluster.arn ?? eksClusterArn(region, accountId, name),
    name,
    kubernetesVersion: cluster.version ?? null,
    powerState: cluster.status ?? null,
    apiServer: {
      publicEndpoint,
      // An empty list on a public endpoint means EKS's default, 0.0.0.0/0: unrestricted.
      allowedSourceCidrs: cidrs.length > 0 ? cidrs : null,
      privateCluster: !publicEndpoint && vpc.endpointPrivateAccess === true,
      fqdn: hostnameOf(cluster.endpoint),
    },
    nodePools: nodegroups.map(mapNodegroup),
    addons: [],
    // EKS has no way to turn Kubernetes RBAC off.
    rbacEnabled: true,
    localAccountsEnabled: null,
    logAnalyticsWorkspaceId: null,
    tags: { ...(cluster.tags ?? {}) },
  };
}
