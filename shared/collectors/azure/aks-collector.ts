import type { ManagedCluster } from "@azure/arm-containerservice";
import pLimit from "p-limit";
import { type CollectContext, type Collector, STAGES } from "../../engine/ports.js";
import { codeOf, describeError, statusOf } from "../../errors.js";
import { DATA_SOURCES } from "../../model/coverage.js";
import type { ClusterRecord, CollectionGap, CoverageEntry, InventoryPart } from "../../model/inventory.js";
import { mapManagedCluster } from "./aks-mapper.js";

/** The narrow ARM surface the collector needs; the SDK adapter implements it. */
export interface AksReader {
  listSubscriptionIds(): AsyncIterable<string>;
  listManagedClusters(subscriptionId: string): AsyncIterable<ManagedCluster>;
}

export interface AksCollectorOptions {
  /** Subscriptions in scope; empty means discover every subscription the identity can read. */
  readonly subscriptions: readonly string[];
  readonly concurrency?: number;
}

const gap = (scope: string, operation: string, error: unknown): CollectionGap => {
  const status = statusOf(error);
  const code = codeOf(error) ?? (status === undefined ? null : String(status));
  const reason = status === 403 || status === 401 ? `access denied (${describeError(error)})` : describeError(error);
  return { cloud: "azure", scope, region: null, clusterId: null, clusterName: null, operation, reason, code };
};

export function createAksCollector(reader: AksReader, options: AksCollectorOptions): Collector {
  return {
    id: "aks",
    cloud: "azure",
    stage: STAGES.primary,
    async collect({ progress }: CollectContext): Promise<InventoryPart> {
      const gaps: CollectionGap[] = [];
      const coverage: CoverageEntry[] = [];
      const covered = (scope: string): void => {
        coverage.push({ cloud: "azure", scope, region: null, clusterId: null, source: DATA_SOURCES.clusters });
      };
      const limit = pLimit(options.concurrency ?? 16);
      const listings: Promise<ClusterRecord[]>[] = [];
      const seen = new Set<string>();
      const listSubscription = (id: string): void => {
        const subscriptionId = id.toLowerCase();
        if (seen.has(subscriptionId)) return;
        seen.add(subscriptionId);
        listings.push(
          limit(async (): Promise<ClusterRecord[]> => {
            const clusters: ClusterRecord[] = [];
            try {
              for await (const mc of reader.listManagedClusters(subscriptionId))
                clusters.push(mapManagedCluster(mc, subscriptionId));
              progress(`azure: ${subscriptionId}: ${clusters.length} AKS cluster(s)`);
              covered(subscriptionId);
              return clusters;
            } catch (error) {
              // Half a listing would look like deleted clusters; keep none and report the gap.
              gaps.push(gap(subscriptionId, "list-managed-clusters", error));
              return [];
            }
          }),
        );
      };
      if (options.subscriptions.length > 0) {
        for (const id of options.subscriptions) listSubscription(id);
      } else {
        // Listing starts as each page of subscriptions arrives, not after the last one.
        try {
          for await (const id of reader.listSubscriptionIds()) listSubscription(id);
          progress(`azure: discovered ${seen.size} subscription(s)`);
          covered("tenant");
        } catch (error) {
          gaps.push(gap("tenant", "list-subscriptions", error));
        }
      }
      const perSubscription = await Promise.all(listings);
      return { clusters: perSubscription.flat(), coverage, gaps };
    },
  };
}
