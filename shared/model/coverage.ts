/**
 * Coverage as data: what the audit saw, and what it could not. A finding from an
 * earlier run resolves by absence only where this run's coverage says the part
 * was audited; a gap never becomes a silent pass.
 */
import { type Cloud, sameResourceId } from "./cluster.js";
import type { Severity } from "./finding.js";

/** The kinds of data collectors bring. Rules name the ones their verdicts read (`metadata.sources`). */
export const DATA_SOURCES = {
  /** The cluster listing of a subscription or account-region. */
  clusters: "clusters",
  /** Public IPs, load balancers, NSG and security-group rules in front of Services. */
  serviceExposure: "service-exposure",
  /** Container Insights tables in Log Analytics. */
  containerInsights: "container-insights",
  /** The stored history of EKS node-group sizes. */
  gpuHistory: "gpu-history",
} as const;
export type DataSource = (typeof DATA_SOURCES)[keyof typeof DATA_SOURCES];

/** One part of the estate that was audited successfully, including empty ones. */
export interface CoverageEntry {
  readonly cloud: Cloud;
  /** Subscription ID, AWS account ID, or `tenant` for subscription discovery. */
  readonly scope: string;
  /** Null covers every region of the scope. */
  readonly region: string | null;
  /** Null covers every cluster of the scope (and region). */
  readonly clusterId: string | null;
  readonly source: DataSource;
}

/** Something the audit should have seen and could not. Never a silent pass. */
export interface CollectionGap {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
  readonly clusterName: string | null;
  /** What was attempted, e.g. "list-managed-clusters". */
  readonly operation: string;
  /** Redacted, human-readable reason. */
  readonly reason: string;
  readonly code: string | null;
  /** The data this gap withholds; defaults to `clusters` (everything in its scope). */
  readonly source?: DataSource;
  /** `info` for expected conditions (an opt-in region not enabled); default: the blind-spot rule's severity. */
  readonly severity?: Severity;
}

/** Where a finding sits: the coordinates coverage and gaps are matched against. */
export interface Placement {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
}

const sameScope = (cloud: Cloud, a: string, b: string): boolean =>
  cloud === "azure" ? a.toLowerCase() === b.toLowerCase() : a === b;

function contains(
  area: { cloud: Cloud; scope: string; region: string | null; clusterId: string | null },
  place: Placement,
): boolean {
  if (area.cloud !== place.cloud || !sameScope(place.cloud, area.scope, place.scope)) return false;
  if (area.region !== null && place.region !== null && area.region !== place.region) return false;
  if (area.clusterId !== null && !sameResourceId(place.cloud, area.clusterId, place.clusterId)) return false;
  return true;
}

type Area = { readonly cloud: Cloud; readonly scope: string };
const byScope = new WeakMap<readonly Area[], { readonly length: number; readonly index: Map<string, Area[]> }>();

/**
 * The entries of `list` in the place's scope (a superset: scopes compared lower-cased), so a lookup
 * per finding does not scan every entry of a large estate. Indexed once per list, keyed by the list.
 */
function inScope<T extends Area>(list: readonly T[], place: Placement): readonly T[] {
  let entry = byScope.get(list);
  if (!entry || entry.length !== list.length) {
    const index = new Map<string, Area[]>();
    for (const area of list) {
      const key = `${area.cloud}|${area.scope.toLowerCase()}`;
      const bucket = index.get(key);
      if (bucket) bucket.push(area);
      else index.set(key, [area]);
    }
    entry = { length: list.length, index };
    byScope.set(list, entry);
  }
  return (entry.index.get(`${place.cloud}|${place.scope.toLowerCase()}`) ?? []) as T[];
}

export function isCovered(coverage: readonly CoverageEntry[], place: Placement, source: DataSource): boolean {
  return inScope(coverage, place).some((entry) => entry.source === source && contains(entry, place));
}

/** A gap withholds its own source, and a `clusters` gap withholds everything in its area. */
export function isWithheld(gaps: readonly CollectionGap[], place: Placement, sources: readonly DataSource[]): boolean {
  return inScope(gaps, place).some((gap) => {
    const source = gap.source ?? DATA_SOURCES.clusters;
    return (source === DATA_SOURCES.clusters || sources.includes(source)) && contains(gap, place);
  });
}
