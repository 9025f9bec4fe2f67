/**
 * The FinOps view of GPU spikes, pure: one anomaly per cluster, pool and window,
 * read from the gpu-node-spike findings of a run. The table sink, the CSV and the
 * HTML report all start from here, so they always agree.
 */
import { createHash } from "node:crypto";
import { clusterKey } from "../model/cluster.js";
import type { Finding, Severity } from "../model/finding.js";
import {
  type GpuSpikeEvidence,
  type RelatedFinding,
  readGpuSpikeEvidence,
  type SpikeAttribution,
  type SpikeWindowEvidence,
} from "../rules/gpu-node-spike/evidence.js";
import type { EntityValue, TableRow } from "../store/entity-table.js";
import { boundJson } from "../store/finding-rows.js";
import { encodeTableKey } from "../store/table-keys.js";

export const GPU_SPIKE_RULE_ID = "gpu-node-spike";
const MAX_NAME = 1_000;
const MAX_JSON = 8_000;

export interface GpuAnomaly {
  /** Stable per cluster, pool and window start; hex, so no name ever reaches a key. */
  readonly id: string;
  readonly cloud: Finding["cloud"];
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string;
  readonly clusterName: string;
  readonly pool: string;
  readonly poolKind: GpuSpikeEvidence["poolKind"];
  readonly source: GpuSpikeEvidence["source"];
  readonly sku: string | null;
  readonly gpusPerNode: number | null;
  readonly window: SpikeWindowEvidence;
  readonly attribution: SpikeAttribution | null;
  readonly related: readonly RelatedFinding[];
  /** The window is open on a cluster with an exposure or miner evidence. */
  readonly attackPath: boolean;
  readonly severity: Severity;
  readonly findingFingerprint: string;
  readonly findingStatus: Finding["status"];
}

export function anomalyId(cloud: Finding["cloud"], clusterId: string, pool: string, start: string): string {
  return createHash("sha256")
    .update([clusterKey(cloud, clusterId), pool, start].join("\u0000"))
    .digest("hex")
    .slice(0, 40);
}

/** Every window of every gpu-node-spike finding, attack-path and open ones first, then by cost. */
export function anomaliesOf(findings: readonly Finding[]): GpuAnomaly[] {
  const anomalies: GpuAnomaly[] = [];
  for (const finding of findings) {
    if (finding.ruleId !== GPU_SPIKE_RULE_ID || !finding.clusterId) continue;
    const evidence = readGpuSpikeEvidence(finding.evidence);
    if (!evidence) continue;
    for (const window of evidence.windows) {
      const isCurrent = evidence.current?.start === window.start;
      anomalies.push({
        id: anomalyId(finding.cloud, finding.clusterId, evidence.pool, window.start),
        cloud: finding.cloud,
        scope: finding.scope,
        region: finding.region,
        clusterId: finding.clusterId,
        clusterName: finding.clusterName ?? finding.clusterId,
        pool: evidence.pool,
        poolKind: evidence.poolKind,
        source: evidence.source,
        sku: evidence.sku,
        gpusPerNode: evidence.gpusPerNode,
        window,
        attribution: evidence.attribution,
        related: evidence.related,
        attackPath: isCurrent && evidence.attackPath && window.state === "open",
        severity: isCurrent ? finding.severity : "high",
        findingFingerprint: finding.fingerprint,
        findingStatus: finding.status,
      });
    }
  }
  return anomalies.sort(
    (a, b) =>
      Number(b.attackPath) - Number(a.attackPath) ||
      Number(b.window.state === "open") - Number(a.window.state === "open") ||
      (b.window.cost?.amount ?? -1) - (a.window.cost?.amount ?? -1) ||
      a.clusterName.localeCompare(b.clusterName) ||
      a.window.start.localeCompare(b.window.start),
  );
}

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const withoutNulls = (row: Record<string, EntityValue | null | undefined>): Record<string, EntityValue> =>
  Object.fromEntries(
    Object.entries(row).filter((e): e is [string, EntityValue] => e[1] !== null && e[1] !== undefined),
  );

export const anomalyPartitionKey = (cloud: Finding["cloud"], scope: string): string =>
  encodeTableKey(`${cloud}|${cloud === "azure" ? scope.toLowerCase() : scope}`);

/** The flat fields of one anomaly, as the table row and the CSV hold them. */
export function anomalyFields(a: GpuAnomaly): Record<string, string | number | boolean | null> {
  const w = a.window;
  const top = a.attribution?.top[0];
  return {
    cloud: a.cloud,
    scope: a.scope,
    region: a.region,
    clusterId: clip(a.clusterId, MAX_NAME),
    clusterName: clip(a.clusterName, MAX_NAME),
    pool: clip(a.pool, MAX_NAME),
    poolKind: a.poolKind,
    sku: a.sku,
    gpusPerNode: a.gpusPerNode,
    baselineNodes: w.baselineNodes,
    peakNodes: w.peakNodes,
    windowStart: w.start,
    windowEnd: w.end,
    state: w.state,
    measure: w.measure,
    gpusAdded: w.gpusAdded,
    excessNodeHours: w.excessNodeHours,
    excessGpuHours: w.excessGpuHours,
    estimatedExcessCost: w.cost?.amount ?? null,
    costPerHourAtPeak: w.cost?.perHour ?? null,
    currency: w.cost?.currency ?? null,
    pricePerNodeHour: w.cost?.pricePerNodeHour ?? null,
    priceSource: w.cost?.priceSource ?? null,
    listPrice: w.cost ? w.cost.listPrice : null,
    costMissing: w.costMissing,
    topNamespace: top ? clip(top.namespace, MAX_NAME) : null,
    topController: top?.controller ? clip(top.controller, MAX_NAME) : null,
    topImage: top?.image ? clip(top.image, MAX_NAME) : null,
    relatedRules: [...new Set(a.related.map((r) => r.ruleId))].join(","),
    attackPath: a.attackPath,
    severity: a.severity,
    source: a.source,
    findingFingerprint: a.findingFingerprint,
  };
}

/** Pure: one anomaly to one row of AUDIT_GPU_TABLE. Names and images are values only. */
export function toAnomalyRow(a: GpuAnomaly, runId: string, now: Date): TableRow {
  const fields = anomalyFields(a);
  return {
    ...withoutNulls({
      ...fields,
      windowStart: new Date(a.window.start),
      windowEnd: new Date(a.window.end),
      attribution: a.attribution ? boundJson(a.attribution, MAX_JSON).json : null,
      relatedFindings: boundJson(a.related, MAX_JSON).json,
      lastRunId: runId,
      updatedAt: now,
    }),
    partitionKey: anomalyPartitionKey(a.cloud, a.scope),
    rowKey: a.id,
  };
}
