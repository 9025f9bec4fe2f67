import { clusterKey } from "../model/cluster.js";
import { DATA_SOURCES, isCovered, isWithheld, type Placement } from "../model/coverage.js";
import type { Inventory } from "../model/inventory.js";
import type { DraftFinding } from "./evaluate.js";
import { advance, type LifecycleFinding, type LifecycleOptions, type Observation } from "./lifecycle.js";
import type { History, HistoryRecord } from "./ports.js";

/**
 * Why a finding from an earlier run is missing from this one: its part of the
 * estate was audited (the resource is gone or fine now), or it was not seen.
 */
export function observeAbsence(
  previous: HistoryRecord,
  inventory: Inventory,
  failedRules: ReadonlySet<string>,
  presentClusters: ReadonlySet<string>,
): Observation {
  if (failedRules.has(previous.ruleId)) return { kind: "absent-unseen" };
  const place: Placement = {
    cloud: previous.cloud,
    scope: previous.scope,
    region: previous.region,
    clusterId: previous.clusterId,
  };
  if (!isCovered(inventory.coverage, { ...place, clusterId: null }, DATA_SOURCES.clusters))
    return { kind: "absent-unseen" };
  if (isWithheld(inventory.gaps, place, previous.sources)) return { kind: "absent-unseen" };
  // The cluster itself is gone from a listing that succeeded: everything on it resolves.
  if (previous.clusterId !== null && !presentClusters.has(clusterKey(previous.cloud, previous.clusterId)))
    return { kind: "absent-resolvable" };
  const covered = previous.sources.every(
    (source) => source === DATA_SOURCES.clusters || isCovered(inventory.coverage, place, source),
  );
  return covered ? { kind: "absent-resolvable" } : { kind: "absent-unseen" };
}

/**
 * Pure: this run's drafts plus the history give every finding its lifecycle state;
 * findings that disappeared from audited parts come back as resolutions.
 */
export function reconcile(
  drafts: readonly DraftFinding[],
  history: History,
  inventory: Inventory,
  failedRules: ReadonlySet<string>,
  now: Date,
  options: LifecycleOptions,
): LifecycleFinding[] {
  const findings: LifecycleFinding[] = [];
  const seen = new Set<string>();
  for (const draft of drafts) {
    // The same fingerprint twice in one run (two rules should never collide) keeps the first.
    if (seen.has(draft.fingerprint)) continue;
    seen.add(draft.fingerprint);
    const next = advance(history.get(draft.fingerprint), { kind: "present", draft }, now, options);
    if (next) findings.push(next);
  }
  const presentClusters = new Set(inventory.clusters.map((c) => clusterKey(c.cloud, c.id)));
  for (const previous of history.values()) {
    if (seen.has(previous.fingerprint)) continue;
    const next = advance(previous, observeAbsence(previous, inventory, failedRules, presentClusters), now, options);
    if (next) findings.push(next);
  }
  return findings;
}
