/**
 * @module
 * Pure: ELBv2 and classic ELB load balancers, their tags and their security groups, to the
 * provider-neutral `ServiceExposure` and `KubeflowPresence` (handbook api-facts §6). Every tag
 * value is attacker-influenced (users set Service names and extra tags) and stays data.
 */
import type { SecurityGroup } from "@aws-sdk/client-ec2";
import type { LoadBalancerDescription } from "@aws-sdk/client-elastic-load-balancing";
import type { LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ClusterRecord } from "../../model/cluster.js";
import type {
  ExposureKind,
  ExposurePort,
  LoadBalancerOwner,
  ServiceExposure,
  SourceRestriction,
} from "../../model/exposure.js";
import type { JsonValue } from "../../model/finding.js";
import type { KubeflowPresence } from "../../model/signals.js";
import { partitionOfRegion } from "./partitions.js";

/** The two load-balancer APIs, flattened to what the exposure needs. */
export interface AwsLoadBalancer {
  readonly api: "elbv2" | "classic";
  readonly name: string;
  /** The ARN (classic ELBs get the ARN AWS documents for them). */
  readonly resourceId: string;
  /** `application`, `network`, `gateway` or `classic`. */
  readonly type: string;
  readonly scheme: string | null;
  readonly dnsName: string | null;
  readonly securityGroups: readonly string[];
  /** Listener ports where DescribeLoadBalancers gives them (classic ELB); empty for ELBv2. */
  readonly ports: readonly ExposurePort[];
  readonly tags: Readonly<Record<string, string>>;
}

type TagList = readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[] | undefined;

function tagMap(tags: TagList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? "";
  return out;
}

const clean = (values: readonly (string | undefined)[] | undefined): string[] =>
  (values ?? []).map((v) => v?.trim() ?? "").filter(Boolean);

export function fromElbv2(lb: LoadBalancer, tags: TagList): AwsLoadBalancer {
  return {
    api: "elbv2",
    name: lb.LoadBalancerName ?? "",
    resourceId: lb.LoadBalancerArn ?? "",
    type: lb.Type ?? "unknown",
    scheme: lb.Scheme ?? null,
    dnsName: lb.DNSName ?? null,
    securityGroups: clean(lb.SecurityGroups),
    // Listener ports need DescribeListeners, a call no rule's verdict needs.
    ports: [],
    tags: tagMap(tags),
  };
}

export function classicLoadBalancerArn(region: string, accountId: string, name: string): string {
  return `arn:${partitionOfRegion(region)}:elasticloadbalancing:${region}:${accountId}:loadbalancer/${name}`;
}

export function fromClassic(
  lb: LoadBalancerDescription,
  tags: TagList,
  accountId: string,
  region: string,
): AwsLoadBalancer {
  const name = lb.LoadBalancerName ?? "";
  const ports: ExposurePort[] = [];
  for (const { Listener: listener } of lb.ListenerDescriptions ?? []) {
    if (listener?.LoadBalancerPort === undefined) continue;
    ports.push({ protocol: (listener.Protocol ?? "TCP").toUpperCase(), port: listener.LoadBalancerPort });
  }
  return {
    api: "classic",
    name,
    resourceId: classicLoadBalancerArn(region, accountId, name),
    type: "classic",
    scheme: lb.Scheme ?? null,
    dnsName: lb.DNSName ?? null,
    securityGroups: clean(lb.SecurityGroups),
    ports,
    tags: tagMap(tags),
  };
}

const CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/";
const IN_TREE_SERVICE = "kubernetes.io/service-name";
const LEGACY_CLUSTER = "KubernetesCluster";
const LBC_CLUSTER = "elbv2.k8s.aws/cluster";
const LBC_SERVICE_STACK = "service.k8s.aws/stack";
const LBC_SERVICE_RESOURCE = "service.k8s.aws/resource";
const LBC_INGRESS_STACK = "ingress.k8s.aws/stack";
/** The shared backend group of the LB Controller only admits LB → node traffic (api-facts §6.4). */
const LBC_SG_RESOURCE = "elbv2.k8s.aws/resource";
const LBC_BACKEND_SG = "backend-sg";

const KUBERNETES_TAGS = [
  IN_TREE_SERVICE,
  LEGACY_CLUSTER,
  LBC_CLUSTER,
  LBC_SERVICE_STACK,
  LBC_SERVICE_RESOURCE,
  LBC_INGRESS_STACK,
];

/** Which Kubernetes object a load balancer fronts, as its tags say. */
export interface KubernetesOwner {
  /** Names of the clusters the tags claim (only those the inventory knows). */
  readonly clusters: readonly string[];
  readonly namespace: string;
  readonly name: string;
  readonly kind: ExposureKind;
  readonly owner: LoadBalancerOwner;
}

/** `namespace/name` as the controllers write it; a value without `/` (an Ingress group) has no namespace. */
function splitStack(value: string): { namespace: string; name: string } {
  const slash = value.indexOf("/");
  return slash < 0
    ? { namespace: "", name: value }
    : { namespace: value.slice(0, slash), name: value.slice(slash + 1) };
}

/** Cluster names from the in-tree, legacy and LB Controller tags, in tag order. */
export function claimedClusters(tags: Readonly<Record<string, string>>): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(CLUSTER_TAG_PREFIX) && value === "owned") names.push(key.slice(CLUSTER_TAG_PREFIX.length));
    else if ((key === LEGACY_CLUSTER || key === LBC_CLUSTER) && value) names.push(value);
  }
  return [...new Set(names)];
}

/** The Service or Ingress behind a load balancer of a known cluster, or null (not Kubernetes', or another cluster's). */
export function kubernetesOwnerOf(lb: AwsLoadBalancer, knownClusters: ReadonlySet<string>): KubernetesOwner | null {
  const clusters = claimedClusters(lb.tags).filter((name) => knownClusters.has(name));
  if (clusters.length === 0) return null;
  const { tags } = lb;
  const lbc = tags[LBC_CLUSTER] !== undefined;
  const serviceStack = tags[LBC_SERVICE_STACK];
  if (serviceStack)
    return { clusters, ...splitStack(serviceStack), kind: "load-balancer", owner: "aws-load-balancer-controller" };
  const ingressStack = tags[LBC_INGRESS_STACK];
  if (ingressStack)
    return { clusters, ...splitStack(ingressStack), kind: "ingress", owner: "aws-load-balancer-controller" };
  const inTree = tags[IN_TREE_SERVICE];
  if (inTree)
    return {
      clusters,
      ...splitStack(inTree),
      kind: "load-balancer",
      owner: lbc ? "aws-load-balancer-controller" : "aws-cloud-provider",
    };
  // A cluster tag without a Service or Ingress: nothing a rule can name.
  return null;
}

export const isInternetFacing = (lb: AwsLoadBalancer): boolean => lb.scheme === "internet-facing";

/** The security groups whose inbound rules decide open vs restricted: those of internet-facing cluster load balancers. */
export function securityGroupsToRead(
  loadBalancers: readonly AwsLoadBalancer[],
  knownClusters: ReadonlySet<string>,
): string[] {
  const ids = new Set<string>();
  for (const lb of loadBalancers)
    if (isInternetFacing(lb) && kubernetesOwnerOf(lb, knownClusters)) for (const id of lb.securityGroups) ids.add(id);
  return [...ids].sort();
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

function portsText(permission: {
  IpProtocol?: string | undefined;
  FromPort?: number | undefined;
  ToPort?: number | undefined;
}): string {
  const protocol = permission.IpProtocol === "-1" ? "all" : (permission.IpProtocol ?? "?");
  if (protocol === "all" || permission.FromPort === undefined) return protocol;
  return permission.FromPort === permission.ToPort || permission.ToPort === undefined
    ? `${protocol}/${permission.FromPort}`
    : `${protocol}/${permission.FromPort}-${permission.ToPort}`;
}

interface Restriction {
  readonly restriction: SourceRestriction;
  readonly cidrs: readonly string[];
  readonly reason: string;
  readonly evidence: Readonly<Record<string, JsonValue>>;
}

/** Open, restricted or unknown, from the inbound rules of the load balancer's own security groups. */
export function sourceRestrictionOf(
  lb: AwsLoadBalancer,
  groups: ReadonlyMap<string, SecurityGroup>,
  unreadable?: string,
): Restriction {
  if (!isInternetFacing(lb))
    return {
      restriction: "unknown",
      cidrs: [],
      reason: `scheme ${lb.scheme ?? "not reported"}: not reachable from the internet, so its security groups were not read`,
      evidence: {},
    };
  if (lb.securityGroups.length === 0)
    return {
      restriction: "unknown",
      cidrs: [],
      reason:
        "no security group on the load balancer: its sources are not restricted at the load balancer (an in-tree NLB writes loadBalancerSourceRanges into the node security group, which the audit does not read); treated as open",
      evidence: {},
    };
  const missing = lb.securityGroups.filter((id) => !groups.has(id));
  const frontend = lb.securityGroups
    .map((id) => groups.get(id))
    .filter((g): g is SecurityGroup => g !== undefined)
    .filter((g) => !(g.Tags ?? []).some((t) => t.Key === LBC_SG_RESOURCE && t.Value === LBC_BACKEND_SG));
  const openRules: string[] = [];
  const cidrs = new Set<string>();
  const otherSources = new Set<string>();
  for (const group of frontend) {
    for (const permission of group.IpPermissions ?? []) {
      const ranges = [
        ...(permission.IpRanges ?? []).map((r) => r.CidrIp),
        ...(permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
      ].filter((c): c is string => typeof c === "string" && c.trim() !== "");
      for (const cidr of ranges) {
        if (WORLD.has(cidr.trim()))
          openRules.push(`${group.GroupId ?? "?"} ${portsText(permission)} from ${cidr.trim()}`);
        else cidrs.add(cidr.trim());
      }
      for (const pair of permission.UserIdGroupPairs ?? []) if (pair.GroupId) otherSources.add(pair.GroupId);
      for (const list of permission.PrefixListIds ?? []) if (list.PrefixListId) otherSources.add(list.PrefixListId);
    }
  }
  const evidence = {
    securityGroupsRead: frontend.map((g) => g.GroupId ?? ""),
    ...(missing.length > 0 ? { securityGroupsMissing: missing } : {}),
    ...(openRules.length > 0 ? { openRules } : {}),
    ...(otherSources.size > 0 ? { allowedSecurityGroupsOrPrefixLists: [...otherSources].sort() } : {}),
  };
  if (openRules.length > 0)
    return {
      restriction: "open",
      cidrs: [],
      reason: `inbound rules allow any address (${openRules.join("; ")})`,
      evidence,
    };
  if (missing.length > 0)
    return {
      restriction: "unknown",
      cidrs: [],
      reason: unreadable
        ? `security group(s) ${missing.join(", ")} could not be read (${unreadable}); treated as open`
        : `security group(s) ${missing.join(", ")} were not returned by DescribeSecurityGroups; treated as open`,
      evidence,
    };
  const allowed = [...cidrs].sort();
  return {
    restriction: "restricted",
    cidrs: allowed,
    reason:
      allowed.length > 0 || otherSources.size > 0
        ? `inbound rules allow only ${[...allowed, ...[...otherSources].sort()].join(", ")}`
        : "the security groups allow no inbound traffic",
    evidence,
  };
}

/**
 * Kubeflow on AWS fronts its Istio gateway with an ALB Ingress `istio-system/istio-ingress`
 * (awslabs/kubeflow-manifests); any Service or Ingress load balancer in the `kubeflow`
 * namespace is Kubeflow's own.
 */
const KUBEFLOW_NAMESPACE = "kubeflow";
const KUBEFLOW_ON_AWS_INGRESS = "istio-system/istio-ingress";

function kubeflowComponent(owner: KubernetesOwner): string | null {
  const ref = `${owner.namespace}/${owner.name}`;
  if (owner.namespace === KUBEFLOW_NAMESPACE) return `${owner.kind === "ingress" ? "ingress" : "service"} ${ref}`;
  if (owner.kind === "ingress" && ref === KUBEFLOW_ON_AWS_INGRESS) return `Kubeflow on AWS ALB ingress ${ref}`;
  return null;
}

export interface RegionLoadBalancers {
  readonly accountId: string;
  readonly region: string;
  /** The clusters the inventory has in this account-region. */
  readonly clusters: readonly ClusterRecord[];
  readonly loadBalancers: readonly AwsLoadBalancer[];
  readonly securityGroups: readonly SecurityGroup[];
  /** Why some security groups could not be read (the listing still holds); absent when every read answered. */
  readonly securityGroupsUnreadable?: string;
}

export interface RegionExposures {
  readonly exposures: ServiceExposure[];
  readonly kubeflow: KubeflowPresence[];
  /** Load balancers in front of a known cluster's Service or Ingress. */
  readonly matched: number;
}

/** Pure: one account-region's load balancers to the Service exposures of its clusters. */
export function mapRegionExposures(input: RegionLoadBalancers): RegionExposures {
  const byName = new Map(input.clusters.map((c) => [c.name, c]));
  const known = new Set(byName.keys());
  const groups = new Map(input.securityGroups.flatMap((g) => (g.GroupId ? [[g.GroupId, g] as const] : [])));
  const exposures: ServiceExposure[] = [];
  const kubeflow = new Map<string, { namespaces: Set<string>; components: Set<string> }>();
  let matched = 0;
  for (const lb of input.loadBalancers) {
    const owner = kubernetesOwnerOf(lb, known);
    if (!owner) continue;
    matched += 1;
    const restriction = sourceRestrictionOf(lb, groups, input.securityGroupsUnreadable);
    const kubernetesTags = Object.fromEntries(
      Object.entries(lb.tags).filter(([k]) => KUBERNETES_TAGS.includes(k) || k.startsWith(CLUSTER_TAG_PREFIX)),
    );
    for (const clusterName of owner.clusters) {
      const cluster = byName.get(clusterName);
      if (!cluster) continue;
      exposures.push({
        cloud: "aws",
        scope: input.accountId,
        region: input.region,
        clusterId: cluster.id,
        namespace: owner.namespace,
        serviceName: owner.name,
        kind: owner.kind,
        owner: owner.owner,
        internetFacing: isInternetFacing(lb),
        addresses: lb.dnsName ? [lb.dnsName] : [],
        ports: lb.ports,
        sourceRestriction: restriction.restriction,
        sourceCidrs: restriction.restriction === "restricted" ? restriction.cidrs : [],
        resourceId: lb.resourceId,
        evidence: {
          loadBalancer: lb.name,
          loadBalancerType: lb.type,
          scheme: lb.scheme,
          securityGroups: [...lb.securityGroups],
          restriction: restriction.reason,
          kubernetesTags,
          ...restriction.evidence,
        },
      });
      const component = kubeflowComponent(owner);
      if (component) {
        const entry = kubeflow.get(cluster.id) ?? { namespaces: new Set<string>(), components: new Set<string>() };
        if (owner.namespace) entry.namespaces.add(owner.namespace);
        entry.components.add(component);
        kubeflow.set(cluster.id, entry);
      }
    }
  }
  return {
    exposures,
    kubeflow: [...kubeflow].map(([clusterId, entry]) => ({
      cloud: "aws",
      clusterId,
      namespaces: [...entry.namespaces].sort(),
      components: [...entry.components].sort(),
      // Tags carry no times; the load balancer's existence is the only signal.
      firstSeen: null,
      lastSeen: null,
    })),
    matched,
  };
}
