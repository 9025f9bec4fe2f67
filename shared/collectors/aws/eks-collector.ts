import type { Cluster, Nodegroup } from "@aws-sdk/client-eks";
import pLimit from "p-limit";
import { type CollectContext, type Collector, STAGES } from "../../engine/ports.js";
import { DATA_SOURCES } from "../../model/coverage.js";
import type { ClusterRecord, CollectionGap, CoverageEntry, InventoryPart } from "../../model/inventory.js";
import { AMBIENT_SCOPE, awsGap as gap, sortGaps, stsUnavailable } from "./aws-gaps.js";
import { type AwsAccountTarget, targetKey } from "./aws-sessions.js";
import { eksClusterArn, mapEksCluster } from "./eks-mapper.js";

export type { AwsAccountTarget };

/** The narrow EKS/STS surface the collector needs; the SDK adapter implements it. */
export interface EksReader {
  /** Obtains working credentials for the target and returns its account ID. */
  resolveAccount(target: AwsAccountTarget): Promise<string>;
  listClusters(target: AwsAccountTarget, region: string): AsyncIterable<string>;
  describeCluster(target: AwsAccountTarget, region: string, name: string): Promise<Cluster>;
  listNodegroups(target: AwsAccountTarget, region: string, clusterName: string): AsyncIterable<string>;
  describeNodegroup(
    target: AwsAccountTarget,
    region: string,
    clusterName: string,
    nodegroupName: string,
  ): Promise<Nodegroup>;
}

export interface EksCollectorOptions {
  readonly accounts: readonly AwsAccountTarget[];
  readonly regions: readonly string[];
  /** Concurrent (account, region) listings, and separately concurrent cluster describes. */
  readonly concurrency?: number;
}

export { AMBIENT_SCOPE };

interface ResolvedAccount {
  readonly target: AwsAccountTarget;
  readonly accountId: string;
  /** Ambient credentials whose account STS could not name: clusters take it from their ARNs. */
  readonly stsError?: unknown;
}

const ARN_ACCOUNT = /^arn:aws[\w-]*:eks:[^:]*:(\d{12}):/;

export function createEksCollector(reader: EksReader, options: EksCollectorOptions): Collector {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  return {
    id: "eks",
    cloud: "aws",
    stage: STAGES.primary,
    async collect({ progress }: CollectContext): Promise<InventoryPart> {
      const gaps: CollectionGap[] = [];
      const coverage: CoverageEntry[] = [];
      const regions = [...new Set(options.regions)];
      const targets = [...new Map(options.accounts.map((t) => [targetKey(t), t])).values()];
      const accountLimit = pLimit(concurrency);
      // Separate limiters: listings and describes never wait on each other's slots.
      const regionLimit = pLimit(concurrency);
      const clusterLimit = pLimit(concurrency);

      const resolved = await Promise.all(
        targets.map((target) =>
          accountLimit(async (): Promise<ResolvedAccount | null> => {
            try {
              return { target, accountId: await reader.resolveAccount(target) };
            } catch (error) {
              // Ambient keys may still read EKS when only STS is unreachable; the listing below decides.
              if (target.kind === "ambient" && stsUnavailable(error))
                return { target, accountId: AMBIENT_SCOPE, stsError: error };
              if (target.kind === "ambient") {
                gaps.push(gap({ scope: AMBIENT_SCOPE, region: null }, "resolve-account", error));
                return null;
              }
              gaps.push(gap({ scope: target.accountId, region: null }, "assume-role", error));
              return null;
            }
          }),
        ),
      );
      // Two role ARNs in one account would list the same clusters twice; keep the first.
      const accounts = [...new Map(resolved.flatMap((r) => (r ? [[r.accountId, r] as const] : []))).values()];

      const describeOne = async (
        { target, accountId }: ResolvedAccount,
        region: string,
        name: string,
      ): Promise<ClusterRecord | null> => {
        const place = {
          scope: accountId,
          region,
          clusterName: name,
          clusterId: eksClusterArn(region, accountId, name),
        };
        let cluster: Cluster;
        try {
          cluster = await reader.describeCluster(target, region, name);
        } catch (error) {
          gaps.push(gap(place, "describe-eks-cluster", error));
          return null;
        }
        const withId = { ...place, clusterId: cluster.arn ?? place.clusterId };
        const nodegroups: Nodegroup[] = [];
        try {
          const names: string[] = [];
          for await (const ng of reader.listNodegroups(target, region, name)) names.push(ng);
          // Node groups are independent reads: all at once (the transport's limiters pace them), kept in listed order.
          const described = await Promise.all(
            names.map((ng) =>
              reader.describeNodegroup(target, region, name, ng).then(
                (nodegroup) => nodegroup,
                (error: unknown) => {
                  gaps.push(gap(withId, "describe-eks-nodegroup", error));
                  return null;
                },
              ),
            ),
          );
          for (const nodegroup of described) if (nodegroup) nodegroups.push(nodegroup);
        } catch (error) {
          gaps.push(gap(withId, "list-eks-nodegroups", error));
        }
        // The API-server facts stand even when node groups are incomplete; the gap says so.
        const owner = accountId === AMBIENT_SCOPE ? (ARN_ACCOUNT.exec(cluster.arn ?? "")?.[1] ?? accountId) : accountId;
        return mapEksCluster(cluster, nodegroups, owner, region);
      };

      const listedSomewhere = new Set<ResolvedAccount>();
      const perRegion = await Promise.all(
        accounts.flatMap((account) =>
          regions.map(async (region): Promise<(ClusterRecord | null)[]> => {
            // The region's slot covers its listing only: waiting on its describes would hold it idle.
            const names = await regionLimit(async (): Promise<string[] | null> => {
              const listed: string[] = [];
              try {
                for await (const name of reader.listClusters(account.target, region)) listed.push(name);
              } catch (error) {
                // Half a listing would look like deleted clusters; keep none and report the gap.
                gaps.push(gap({ scope: account.accountId, region }, "list-eks-clusters", error));
                return null;
              }
              return listed;
            });
            if (names === null) return [];
            listedSomewhere.add(account);
            coverage.push({
              cloud: "aws",
              scope: account.accountId,
              region,
              clusterId: null,
              source: DATA_SOURCES.clusters,
            });
            progress(`aws: ${account.accountId}/${region}: ${names.length} EKS cluster(s)`);
            return Promise.all(names.map((name) => clusterLimit(() => describeOne(account, region, name))));
          }),
        ),
      );
      for (const account of accounts) {
        if (account.stsError === undefined || listedSomewhere.has(account)) continue;
        // Neither STS nor any region answered: one credentials gap says it better than a gap per region.
        for (let i = gaps.length - 1; i >= 0; i--) if (gaps[i]?.scope === AMBIENT_SCOPE) gaps.splice(i, 1);
        gaps.push(gap({ scope: AMBIENT_SCOPE, region: null }, "resolve-account", account.stsError));
      }
      const clusters = perRegion.flat().filter((c): c is ClusterRecord => c !== null);
      sortGaps(gaps);
      return { clusters, coverage, gaps };
    },
  };
}
