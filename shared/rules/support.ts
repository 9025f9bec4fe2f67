/** Small helpers the rules share: where a cluster sits, and the GPU escalation. */
import { type ClusterRecord, sameResourceId } from "../model/cluster.js";
import { type DataSource, isCovered } from "../model/coverage.js";
import type { Evidence, Severity } from "../model/finding.js";
import { raiseSeverity } from "../model/finding.js";
import type { Inventory } from "../model/inventory.js";
import type { Verdict } from "../model/rule.js";

const lowerIds = new WeakMap<ClusterRecord, string>();
const byCluster = new WeakMap<
  readonly unknown[],
  { readonly length: number; readonly index: Map<string, unknown[]> }
>();

/**
 * The items of `list` that sit on this cluster, in list order: what
 * `list.filter((x) => sameResourceId(cluster.cloud, x.clusterId, cluster.id))` returns, without
 * scanning the whole list for every cluster. The index is built once per list (keyed by the list
 * itself, so rules stay pure), on lower-cased IDs; the exact comparison then runs on the few candidates.
 */
export function onClusterOf<T extends { readonly clusterId: string | null }>(
  list: readonly T[],
  cluster: ClusterRecord,
): T[] {
  let entry = byCluster.get(list);
  if (!entry || entry.length !== list.length) {
    const index = new Map<string, unknown[]>();
    for (const item of list) {
      if (item.clusterId === null) continue;
      const key = item.clusterId.toLowerCase();
      const bucket = index.get(key);
      if (bucket) bucket.push(item);
      else index.set(key, [item]);
    }
    entry = { length: list.length, index };
    byCluster.set(list, entry);
  }
  let key = lowerIds.get(cluster);
  if (key === undefined) {
    key = cluster.id.toLowerCase();
    lowerIds.set(cluster, key);
  }
  const candidates = (entry.index.get(key) ?? []) as T[];
  return candidates.filter((item) => sameResourceId(cluster.cloud, item.clusterId, cluster.id));
}

/** The verdict fields that place it on a cluster. */
export function onCluster(
  cluster: ClusterRecord,
): Pick<Verdict, "cloud" | "scope" | "region" | "clusterId" | "clusterName"> {
  return {
    cloud: cluster.cloud,
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
  };
}

/** "subscription <id>" or "account <id> (<region>)", for one-sentence details. */
export const whereOf = (cluster: ClusterRecord): string =>
  cluster.cloud === "azure" ? `subscription ${cluster.scope}` : `account ${cluster.scope} (${cluster.region})`;

export const gpuPools = (cluster: ClusterRecord): string[] => cluster.nodePools.filter((p) => p.gpu).map((p) => p.name);

/**
 * An exposure on a cluster with GPU pools is one level more severe (capped at
 * critical): that is where the 2020 miners ran. The evidence says why.
 */
export function gpuEscalation(base: Severity, cluster: ClusterRecord): { severity: Severity; evidence: Evidence } {
  const pools = gpuPools(cluster);
  if (pools.length === 0) return { severity: base, evidence: {} };
  return {
    severity: raiseSeverity(base),
    evidence: {
      escalated: `raised from ${base}: the cluster has GPU node pools (${pools.join(", ")})`,
      gpuPools: pools,
    },
  };
}

export const coveredFor = (inventory: Inventory, cluster: ClusterRecord, source: DataSource): boolean =>
  isCovered(
    inventory.coverage,
    { cloud: cluster.cloud, scope: cluster.scope, region: cluster.region, clusterId: cluster.id },
    source,
  );

/**
 * A rule's verdict that it could not look, naming what was missing. The gap itself
 * alerts as an audit-blind-spot, so this one is informational unless the rule knows
 * more is at stake (a public gateway whose backend it cannot see).
 */
export function unseen(cluster: ClusterRecord, what: string, severity: Severity = "info"): Verdict {
  return {
    ...onCluster(cluster),
    status: "unknown",
    subject: "",
    severity,
    detail: `Cluster ${cluster.name} in ${whereOf(cluster)} could not be checked: ${what}.`,
    evidence: { missing: what },
  };
}
