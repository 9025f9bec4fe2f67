import type { ManagedCluster } from "@azure/arm-containerservice";
import pLimit from "p-limit";
import type { Collector, ProgressSink } from "../../engine/ports.js";
import { codeOf, describeError, statusOf } from "../../errors.js";
import type { ClusterRecord, CollectionGap, InventoryPart } from "../../model/inventory.js";
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
    cloud: "azure",
    async collect(progress: ProgressSink): Promise<InventoryPart> {
      const gaps: CollectionGap[] = [];
      let subscriptions = [...new Set(options.subscriptions.map((s) => s.toLowerCase()))];
      if (subscriptions.length === 0) {
        try {
          for await (const id of reader.listSubscriptionIds()) subscriptions.push(id.toLowerCase());
          subscriptions = [...new Set(subscriptions)];
          progress(`azure: discovered ${subscriptions.length} subscription(s)`);
        } catch (error) {
          gaps.push(gap("tenant", "list-subscriptions", error));
        }
      }
      const limit = pLimit(options.concurrency ?? 16);
      const perSubscription = await Promise.all(
        subscriptions.map((subscriptionId) =>
          limit(async (): Promise<ClusterRecord[]> => {
            const clusters: ClusterRecord[] = [];
            try {
              for await (const mc of reader.listManagedClusters(subscriptionId))
                clusters.push(mapManagedCluster(mc, subscriptionId));
              progress(`azure: ${subscriptionId}: ${clusters.length} AKS cluster(s)`);
              return clusters;
            } catch (error) {
              // Half a listing would look like deleted clusters; keep none and report the gap.
              gaps.push(gap(subscriptionId, "list-managed-clusters", error));
              return [];
            }
          }),
        ),
      );
      return { clusters: perSubscription.flat(), exposures: [], workloads: [], gaps };
    },
  };
}
