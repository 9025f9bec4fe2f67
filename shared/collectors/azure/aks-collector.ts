import type { ManagedCluster } from "@azure/arm-containerservice";
import pLimit from "p-limit";
import { type CollectContext, type Collector, STAGES } from "../../engine/ports.js";
import { codeOf, describeError, statusOf } from "../../errors.js";
import { isEnabledAddon, sameResourceId } from "../../model/cluster.js";
import { DATA_SOURCES, type DataSource } from "../../model/coverage.js";
import { isOpenToInternet, type ServiceExposure } from "../../model/exposure.js";
import type { ClusterRecord, CollectionGap, CoverageEntry, InventoryPart } from "../../model/inventory.js";
import { type AksNetworkRows, mapServiceExposures } from "./aks-exposure-mapper.js";
import { type AksCluster, mapManagedClusterFacts } from "./aks-mapper.js";
import {
  CLUSTER_LOAD_BALANCERS_QUERY,
  MANAGED_CLUSTERS_QUERY,
  NETWORK_SECURITY_GROUPS_QUERY,
  SERVICE_PUBLIC_IPS_QUERY,
} from "./aks-queries.js";
import { mapClusterResource } from "./aks-resource-mapper.js";
import { type ArmPermission, CLUSTER_READ_ACTIONS, firstDenied, NETWORK_READ_ACTIONS } from "./arm-permissions.js";
import type { JsonRecord } from "./json-fields.js";
import { ResourceGraphIncompleteError, type ResourceGraphQuery } from "./resource-graph.js";

/** The narrow ARM surface the collector needs; the SDK adapter implements it. */
export interface AksArm {
  listSubscriptionIds(): AsyncIterable<string>;
  /** The identity's effective permissions at subscription scope; throws (403, 404) when it has none. */
  readPermissions(subscriptionId: string): Promise<readonly ArmPermission[]>;
  /** One cluster as ARM holds it now; null when ARM no longer has it. */
  getManagedCluster(subscriptionId: string, resourceGroup: string, name: string): Promise<ManagedCluster | null>;
}

export interface AksCollectorPorts {
  readonly arm: AksArm;
  readonly resourceGraph: ResourceGraphQuery;
}

export interface AksCollectorOptions {
  /** Subscriptions in scope; empty means discover every subscription the identity can read. */
  readonly subscriptions: readonly string[];
  /** ARM calls in flight (access checks and re-reads). */
  readonly concurrency?: number;
  /** The list came from this run's own subscription discovery (a fan-out planner): the tenant counts as covered. */
  readonly discovered?: boolean;
}

function gapOf(
  scope: string,
  operation: string,
  error: unknown,
  extra: Partial<Pick<CollectionGap, "clusterId" | "clusterName" | "source" | "severity">> = {},
): CollectionGap {
  const cause = error instanceof ResourceGraphIncompleteError ? error.cause : error;
  const status = statusOf(cause);
  const code = codeOf(cause) ?? (status === undefined ? null : String(status));
  const reason = status === 403 || status === 401 ? `access denied (${describeError(cause)})` : describeError(cause);
  return {
    cloud: "azure",
    scope,
    region: null,
    clusterId: null,
    clusterName: null,
    operation,
    reason,
    code,
    ...extra,
  };
}

/** The permission check says Resource Graph would hide this part: access denied, stated as such. */
const deniedGap = (
  scope: string,
  operation: string,
  action: string,
  hides: string,
  source: DataSource,
): CollectionGap => ({
  cloud: "azure",
  scope,
  region: null,
  clusterId: null,
  clusterName: null,
  operation,
  reason: `access denied (the identity may not perform ${action} here, so Resource Graph hides ${hides})`,
  code: "AuthorizationFailed",
  source,
});

/** A query's rows, and the subscriptions it could not read (all of them when it failed outright). */
interface QueryOutcome {
  readonly rows: JsonRecord[];
  readonly failed: ReadonlyMap<string, unknown>;
}

async function runQuery(
  resourceGraph: ResourceGraphQuery,
  query: string,
  subscriptions: readonly string[],
): Promise<QueryOutcome> {
  const rows: JsonRecord[] = [];
  try {
    for await (const row of resourceGraph(query, subscriptions)) rows.push(row);
    return { rows, failed: new Map() };
  } catch (error) {
    const failed = error instanceof ResourceGraphIncompleteError ? error.failedSubscriptions : subscriptions;
    const lost = new Set(failed.map((s) => s.toLowerCase()));
    // Keep only the rows of batches that completed; a half-read batch never counts.
    return {
      rows: rows.filter((r) => !lost.has(String(r.subscriptionId ?? "").toLowerCase())),
      failed: new Map([...lost].map((s) => [s, error])),
    };
  }
}

type Access =
  | { readonly kind: "checked"; readonly deniedClusters: string | null; readonly deniedNetwork: string | null }
  | { readonly kind: "failed"; readonly error: unknown };

const CLUSTER_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)$/i;

/**
 * Facts from Resource Graph that make a rule alert on the cluster: a public API server open to any
 * address, the dashboard add-on, node public IPs, RBAC off, or a Service open to the internet. ARM
 * confirms these before they alert, because Resource Graph can lag a fix or a deletion.
 */
export function needsArmConfirmation(cluster: ClusterRecord, exposures: readonly ServiceExposure[]): boolean {
  const api = cluster.apiServer;
  const openApi =
    api.publicEndpoint &&
    (api.allowedSourceCidrs === null || api.allowedSourceCidrs.some((c) => c === "0.0.0.0/0" || c === "::/0"));
  return (
    openApi ||
    isEnabledAddon(cluster, "kubeDashboard") ||
    cluster.nodePools.some((p) => p.publicNodeIps) ||
    cluster.rbacEnabled === false ||
    exposures.some((e) => sameResourceId("azure", e.clusterId, cluster.id) && isOpenToInternet(e))
  );
}

/**
 * AKS through Resource Graph: one paged query for every cluster and one per network resource type,
 * each across all subscriptions in scope; one ARM permission check per subscription tells an empty
 * subscription from one Resource Graph hides; ARM re-reads each flagged cluster and wins.
 */
export function createAksCollector(ports: AksCollectorPorts, options: AksCollectorOptions): Collector {
  const { arm, resourceGraph } = ports;
  return {
    id: "aks",
    cloud: "azure",
    stage: STAGES.primary,
    async collect({ progress }: CollectContext): Promise<InventoryPart> {
      const gaps: CollectionGap[] = [];
      const coverage: CoverageEntry[] = [];
      const covered = (scope: string, source: DataSource): void => {
        coverage.push({ cloud: "azure", scope, region: null, clusterId: null, source });
      };
      const limit = pLimit(options.concurrency ?? 16);

      let subscriptions: string[];
      if (options.subscriptions.length > 0) {
        subscriptions = [...new Set(options.subscriptions.map((s) => s.trim().toLowerCase()).filter(Boolean))];
        if (options.discovered) covered("tenant", DATA_SOURCES.clusters);
      } else {
        try {
          const found = new Set<string>();
          for await (const id of arm.listSubscriptionIds()) found.add(id.toLowerCase());
          subscriptions = [...found];
          progress(`azure: discovered ${subscriptions.length} subscription(s)`);
          covered("tenant", DATA_SOURCES.clusters);
        } catch (error) {
          gaps.push(gapOf("tenant", "list-subscriptions", error));
          return { clusters: [], coverage, gaps };
        }
      }
      if (subscriptions.length === 0) return { clusters: [], coverage, gaps };

      const checkAccess = async (subscriptionId: string): Promise<Access> => {
        try {
          const permissions = await arm.readPermissions(subscriptionId);
          return {
            kind: "checked",
            deniedClusters: firstDenied(permissions, CLUSTER_READ_ACTIONS),
            deniedNetwork: firstDenied(permissions, NETWORK_READ_ACTIONS),
          };
        } catch (error) {
          return { kind: "failed", error };
        }
      };
      const [accessList, clusterQuery, publicIps, loadBalancers, securityGroups] = await Promise.all([
        Promise.all(subscriptions.map((s) => limit(() => checkAccess(s)))),
        runQuery(resourceGraph, MANAGED_CLUSTERS_QUERY, subscriptions),
        runQuery(resourceGraph, SERVICE_PUBLIC_IPS_QUERY, subscriptions),
        runQuery(resourceGraph, CLUSTER_LOAD_BALANCERS_QUERY, subscriptions),
        runQuery(resourceGraph, NETWORK_SECURITY_GROUPS_QUERY, subscriptions),
      ]);
      const networkQueries = [
        { operation: "query-public-ips", outcome: publicIps },
        { operation: "query-load-balancers", outcome: loadBalancers },
        { operation: "query-network-security-groups", outcome: securityGroups },
      ] as const;

      // Per subscription: is each source complete? Anything less is a gap, never a silent pass.
      const networkRead = new Set<string>();
      subscriptions.forEach((subscriptionId, i) => {
        const access = accessList[i] ?? { kind: "failed", error: new Error("no access check") };
        const clusterFailure = clusterQuery.failed.get(subscriptionId);
        let clustersRead = false;
        if (access.kind === "failed") {
          gaps.push(gapOf(subscriptionId, "check-subscription-access", access.error));
        } else if (access.deniedClusters) {
          gaps.push(
            deniedGap(
              subscriptionId,
              "read-managed-clusters",
              access.deniedClusters,
              "its clusters",
              DATA_SOURCES.clusters,
            ),
          );
        } else if (clusterFailure !== undefined) {
          gaps.push(gapOf(subscriptionId, "query-managed-clusters", clusterFailure));
        } else {
          clustersRead = true;
          covered(subscriptionId, DATA_SOURCES.clusters);
        }
        if (!clustersRead || access.kind !== "checked") return;
        if (access.deniedNetwork) {
          gaps.push(
            deniedGap(
              subscriptionId,
              "read-service-exposure",
              access.deniedNetwork,
              "its Service addresses",
              DATA_SOURCES.serviceExposure,
            ),
          );
          return;
        }
        const networkFailures = networkQueries.filter((q) => q.outcome.failed.has(subscriptionId));
        for (const { operation, outcome } of networkFailures)
          gaps.push(
            gapOf(subscriptionId, operation, outcome.failed.get(subscriptionId), {
              source: DATA_SOURCES.serviceExposure,
            }),
          );
        if (networkFailures.length > 0) return;
        networkRead.add(subscriptionId);
        covered(subscriptionId, DATA_SOURCES.serviceExposure);
      });

      // Rows of a subscription whose access check failed are still real facts: kept, but not called complete.
      let clusters: AksCluster[] = clusterQuery.rows.map(mapClusterResource);
      const inNetworkScope = (row: JsonRecord): boolean =>
        networkRead.has(String(row.subscriptionId ?? "").toLowerCase());
      const networkRows: AksNetworkRows = {
        publicIps: publicIps.rows.filter(inNetworkScope),
        loadBalancers: loadBalancers.rows.filter(inNetworkScope),
        securityGroups: securityGroups.rows.filter(inNetworkScope),
      };
      const exposuresOf = (list: readonly AksCluster[]): ServiceExposure[] =>
        mapServiceExposures(
          list.filter((c) => networkRead.has(c.record.scope)),
          networkRows,
        );

      // ARM stays authoritative where Resource Graph lags: re-read what would alert, and let ARM win.
      const preliminary = exposuresOf(clusters);
      const flagged = clusters.filter((c) => needsArmConfirmation(c.record, preliminary));
      let changed = 0;
      let deleted = 0;
      const confirmed = await Promise.all(
        flagged.map((cluster) =>
          limit(async (): Promise<[string, AksCluster | null]> => {
            const { record } = cluster;
            const key = record.id.toLowerCase();
            const parts = CLUSTER_ID.exec(record.id);
            if (!parts) return [key, cluster];
            try {
              const mc = await arm.getManagedCluster(parts[1] ?? "", parts[2] ?? "", parts[3] ?? "");
              if (mc === null) {
                deleted += 1;
                return [key, null];
              }
              const fresh = mapManagedClusterFacts(mc, record.scope);
              if (JSON.stringify(fresh) !== JSON.stringify(cluster)) changed += 1;
              return [key, fresh];
            } catch (error) {
              gaps.push(
                gapOf(record.scope, "get-managed-cluster", error, {
                  clusterId: record.id,
                  clusterName: record.name,
                  source: DATA_SOURCES.clusters,
                  // The Resource Graph facts still stand and still alert; the miss itself is low.
                  severity: "low",
                }),
              );
              return [key, cluster];
            }
          }),
        ),
      );
      const replacements = new Map(confirmed);
      clusters = clusters.flatMap((c) => {
        const key = c.record.id.toLowerCase();
        if (!replacements.has(key)) return [c];
        const fresh = replacements.get(key);
        return fresh ? [fresh] : [];
      });
      if (flagged.length > 0)
        progress(
          `azure: re-read ${flagged.length} flagged cluster(s) from ARM: ${changed} differed from Resource Graph, ${deleted} deleted`,
        );

      const perSubscription = new Map<string, number>();
      for (const c of clusters) perSubscription.set(c.record.scope, (perSubscription.get(c.record.scope) ?? 0) + 1);
      for (const s of subscriptions) progress(`azure: ${s}: ${perSubscription.get(s) ?? 0} AKS cluster(s)`);

      const exposures = exposuresOf(clusters);
      return { clusters: clusters.map((c) => c.record), exposures, coverage, gaps };
    },
  };
}
