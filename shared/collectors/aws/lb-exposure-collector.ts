/**
 * @module
 * Service exposure on EKS, from the load balancers in front of Services (enrichment stage).
 * For each account-region where the primary stage found clusters: one ELBv2 and one classic
 * `DescribeLoadBalancers` chain, `DescribeTags` in batches of at most 20, and
 * `DescribeSecurityGroups` (batched) only for the groups of internet-facing cluster load
 * balancers. A failed listing or tag read leaves the region a gap with no exposures or coverage
 * (half a listing would look like exposures that went away); a failed security-group read
 * keeps the listing, treats the load balancers whose groups it lacks as open, and says so in a gap.
 */
import type { SecurityGroup } from "@aws-sdk/client-ec2";
import type {
  TagDescription as ClassicTagDescription,
  LoadBalancerDescription,
} from "@aws-sdk/client-elastic-load-balancing";
import type { LoadBalancer, TagDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import pLimit, { type LimitFunction } from "p-limit";
import { type CollectContext, type Collector, STAGES } from "../../engine/ports.js";
import { DATA_SOURCES } from "../../model/coverage.js";
import type {
  ClusterRecord,
  CollectionGap,
  CoverageEntry,
  InventoryPart,
  KubeflowPresence,
  ServiceExposure,
} from "../../model/inventory.js";
import { DEFAULT_CONCURRENCY } from "../limits.js";
import { awsGap, sortGaps } from "./aws-gaps.js";
import type { AwsAccountTarget } from "./aws-sessions.js";
import {
  type AwsLoadBalancer,
  fromClassic,
  fromElbv2,
  mapRegionExposures,
  securityGroupsToRead,
} from "./lb-exposure-mapper.js";

/** The narrow ELBv2, classic ELB and EC2 surface the collector needs; the SDK adapter implements it. */
export interface LoadBalancerReader {
  /** ELBv2 load balancers, following NextMarker to the end. */
  listLoadBalancers(target: AwsAccountTarget, region: string): AsyncIterable<LoadBalancer>;
  /** At most 20 ARNs. */
  describeLoadBalancerTags(
    target: AwsAccountTarget,
    region: string,
    arns: readonly string[],
  ): Promise<TagDescription[]>;
  /** Classic load balancers, following NextMarker to the end. */
  listClassicLoadBalancers(target: AwsAccountTarget, region: string): AsyncIterable<LoadBalancerDescription>;
  /** At most 20 names. */
  describeClassicLoadBalancerTags(
    target: AwsAccountTarget,
    region: string,
    names: readonly string[],
  ): Promise<ClassicTagDescription[]>;
  describeSecurityGroups(
    target: AwsAccountTarget,
    region: string,
    groupIds: readonly string[],
  ): Promise<SecurityGroup[]>;
}

/** In-flight calls per service across the sweep; ELBv1 and ELBv2 have separate AWS token buckets. */
export interface LoadBalancerConcurrency {
  /** Account-regions worked on at once. */
  readonly regions?: number;
  readonly elbv2?: number;
  readonly elb?: number;
  readonly ec2?: number;
}

export interface LoadBalancerExposureOptions {
  /** The session that reaches an account (its role, or the ambient identity); null: none does. */
  readonly targetFor: (accountId: string) => AwsAccountTarget | null;
  readonly concurrency?: LoadBalancerConcurrency;
  /** Security-group IDs per DescribeSecurityGroups call. */
  readonly securityGroupBatchSize?: number;
}

/** DescribeTags accepts at most 20 ARNs (v2) or names (classic) per call. */
export const TAG_BATCH_SIZE = 20;
export const DEFAULT_LOAD_BALANCER_CONCURRENCY: Required<LoadBalancerConcurrency> = {
  // A region's work is a short chain of calls that the per-service limits already bound: every region may be under way.
  regions: Number.POSITIVE_INFINITY,
  // Across the sweep; each account-region's own bucket (ELB Describe: 40 tokens, 10/s) is the transport's limiter.
  elbv2: DEFAULT_CONCURRENCY.elb,
  elb: DEFAULT_CONCURRENCY.elb,
  ec2: DEFAULT_CONCURRENCY.ec2,
};
/** EC2 does not page DescribeSecurityGroups when GroupIds are given; 100 IDs keep the request small. */
export const DEFAULT_SECURITY_GROUP_BATCH_SIZE = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

interface RegionWork {
  readonly accountId: string;
  readonly region: string;
  readonly clusters: ClusterRecord[];
}

function regionsWithClusters(clusters: readonly ClusterRecord[]): RegionWork[] {
  const work = new Map<string, RegionWork>();
  for (const cluster of clusters) {
    if (cluster.cloud !== "aws") continue;
    const key = `${cluster.scope}|${cluster.region}`;
    const entry = work.get(key) ?? { accountId: cluster.scope, region: cluster.region, clusters: [] };
    entry.clusters.push(cluster);
    work.set(key, entry);
  }
  return [...work.values()];
}

export function createLoadBalancerExposureCollector(
  reader: LoadBalancerReader,
  options: LoadBalancerExposureOptions,
): Collector {
  const limits = { ...DEFAULT_LOAD_BALANCER_CONCURRENCY, ...options.concurrency };
  const batchSize = Math.max(1, options.securityGroupBatchSize ?? DEFAULT_SECURITY_GROUP_BATCH_SIZE);
  return {
    id: "eks-load-balancers",
    cloud: "aws",
    stage: STAGES.enrichment,
    async collect({ inventory, progress }: CollectContext): Promise<InventoryPart> {
      const regionLimit = pLimit(Math.max(1, limits.regions));
      const elbv2: LimitFunction = pLimit(Math.max(1, limits.elbv2));
      const elb: LimitFunction = pLimit(Math.max(1, limits.elb));
      const ec2: LimitFunction = pLimit(Math.max(1, limits.ec2));
      const exposures: ServiceExposure[] = [];
      const kubeflow: KubeflowPresence[] = [];
      const coverage: CoverageEntry[] = [];
      const gaps: CollectionGap[] = [];

      const collectRegion = async ({ accountId, region, clusters }: RegionWork): Promise<void> => {
        const place = { scope: accountId, region, source: DATA_SOURCES.serviceExposure };
        const target = options.targetFor(accountId);
        if (!target) {
          gaps.push(awsGap(place, "list-load-balancers", new Error(`no AWS session reaches account ${accountId}`)));
          return;
        }
        let operation = "list-load-balancers";
        try {
          // Each listing is one Marker chain, held in one slot of its service's limit.
          const [v2, classic] = await Promise.all([
            elbv2(() => drain(reader.listLoadBalancers(target, region))),
            elb(() => drain(reader.listClassicLoadBalancers(target, region))),
          ]);
          operation = "describe-load-balancer-tags";
          const [v2Tags, classicTags] = await Promise.all([
            Promise.all(
              chunk(
                v2.flatMap((lb) => (lb.LoadBalancerArn ? [lb.LoadBalancerArn] : [])),
                TAG_BATCH_SIZE,
              ).map((arns) => elbv2(() => reader.describeLoadBalancerTags(target, region, arns))),
            ),
            Promise.all(
              chunk(
                classic.flatMap((lb) => (lb.LoadBalancerName ? [lb.LoadBalancerName] : [])),
                TAG_BATCH_SIZE,
              ).map((names) => elb(() => reader.describeClassicLoadBalancerTags(target, region, names))),
            ),
          ]);
          const tagsByArn = new Map(v2Tags.flat().map((d) => [d.ResourceArn ?? "", d.Tags] as const));
          const tagsByName = new Map(classicTags.flat().map((d) => [d.LoadBalancerName ?? "", d.Tags] as const));
          const loadBalancers: AwsLoadBalancer[] = [
            ...v2.map((lb) => fromElbv2(lb, tagsByArn.get(lb.LoadBalancerArn ?? ""))),
            ...classic.map((lb) => fromClassic(lb, tagsByName.get(lb.LoadBalancerName ?? ""), accountId, region)),
          ];
          const groupIds = securityGroupsToRead(loadBalancers, new Set(clusters.map((c) => c.name)));
          const groupReads = await Promise.allSettled(
            chunk(groupIds, batchSize).map((ids) => ec2(() => reader.describeSecurityGroups(target, region, ids))),
          );
          const groupFailure = groupReads.find((r): r is PromiseRejectedResult => r.status === "rejected");
          let securityGroupsUnreadable: string | undefined;
          if (groupFailure) {
            const gap = awsGap(place, "describe-security-groups", groupFailure.reason);
            gaps.push({
              ...gap,
              reason: `${gap.reason}; load balancers whose security groups were not read are treated as open`,
            });
            securityGroupsUnreadable = gap.code ?? "the read failed";
          }
          const mapped = mapRegionExposures({
            accountId,
            region,
            clusters,
            loadBalancers,
            securityGroups: groupReads.flatMap((r) => (r.status === "fulfilled" ? r.value : [])),
            ...(securityGroupsUnreadable ? { securityGroupsUnreadable } : {}),
          });
          exposures.push(...mapped.exposures);
          kubeflow.push(...mapped.kubeflow);
          coverage.push({
            cloud: "aws",
            scope: accountId,
            region,
            clusterId: null,
            source: DATA_SOURCES.serviceExposure,
          });
          progress(
            `aws: ${accountId}/${region}: ${loadBalancers.length} load balancer(s), ${mapped.matched} in front of Kubernetes Services`,
          );
        } catch (error) {
          // Half a listing would look like exposures that went away; keep none and report the gap.
          gaps.push(awsGap(place, operation, error));
        }
      };

      await Promise.all(regionsWithClusters(inventory.clusters).map((work) => regionLimit(() => collectRegion(work))));
      // Completion order varies run to run; keep the part stable.
      exposures.sort((a, b) => `${a.clusterId}|${a.resourceId}`.localeCompare(`${b.clusterId}|${b.resourceId}`));
      return { exposures, kubeflow, coverage, gaps: sortGaps(gaps) };
    },
  };
}
