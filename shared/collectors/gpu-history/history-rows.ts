/**
 * The EKS GPU history table, pure. EKS keeps no node counts over time, so every run
 * records each GPU node group's scaling config; the detector reads them back.
 *
 * PartitionKey = `aws|account|cluster ARN` (percent-encoded): one partition per
 * cluster, read in one listing. RowKey = `yyyy-mm-ddThh|node group`: one row per
 * node group and hour, so runs within an hour update the same row (its desired size
 * is the hour's maximum) and a re-run never counts twice.
 */
import type { ClusterRecord, NodePool } from "../../model/cluster.js";
import type { GpuNodeSeries, SeriesPoint } from "../../model/signals.js";
import type { StoredRow, TableRow } from "../../store/entity-table.js";
import { decodeTableKey, encodeTableKey } from "../../store/table-keys.js";

const HOUR = 3_600_000;

export const historyPartitionKey = (cluster: Pick<ClusterRecord, "scope" | "id">): string =>
  encodeTableKey(`aws|${cluster.scope}|${cluster.id}`);

export const hourOf = (time: Date): Date => new Date(Math.floor(time.getTime() / HOUR) * HOUR);
const hourKey = (hour: Date): string => hour.toISOString().slice(0, 13);

export const historyRowKey = (hour: Date, nodegroup: string): string => `${hourKey(hour)}|${encodeTableKey(nodegroup)}`;

/** One node group in one hour, as stored. */
export interface HistoryEntry {
  readonly nodegroup: string;
  readonly hour: Date;
  /** The highest desired size seen in the hour. */
  readonly desiredSize: number;
  readonly lastDesiredSize: number;
  readonly minSize: number | null;
  readonly maxSize: number | null;
  readonly instanceTypes: readonly string[];
  readonly gpusPerNode: number | null;
  /** Runs that recorded this hour. */
  readonly samples: number;
  readonly lastAt: Date;
}

/** This run's observation merged into the hour's row (if there is one): the hour keeps its maximum. */
export function observe(previous: HistoryEntry | null, pool: NodePool, now: Date): HistoryEntry {
  return {
    nodegroup: pool.name,
    hour: hourOf(now),
    desiredSize: Math.max(previous?.desiredSize ?? 0, pool.nodeCount),
    lastDesiredSize: pool.nodeCount,
    minSize: pool.minCount,
    maxSize: pool.maxCount,
    instanceTypes: [...pool.machineTypes],
    gpusPerNode: pool.gpusPerNode,
    samples: (previous?.samples ?? 0) + 1,
    lastAt: now,
  };
}

export function toHistoryRow(cluster: ClusterRecord, entry: HistoryEntry): TableRow {
  return {
    partitionKey: historyPartitionKey(cluster),
    rowKey: historyRowKey(entry.hour, entry.nodegroup),
    cloud: "aws",
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
    nodegroup: entry.nodegroup,
    hour: entry.hour,
    desiredSize: entry.desiredSize,
    lastDesiredSize: entry.lastDesiredSize,
    ...(entry.minSize === null ? {} : { minSize: entry.minSize }),
    ...(entry.maxSize === null ? {} : { maxSize: entry.maxSize }),
    instanceTypes: entry.instanceTypes.join(","),
    ...(entry.gpusPerNode === null ? {} : { gpusPerNode: entry.gpusPerNode }),
    samples: entry.samples,
    lastAt: entry.lastAt,
  };
}

const dateOf = (value: unknown): Date | null => {
  const d = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};
const numberOf = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** A stored row back to an entry; rows this version cannot read are skipped (null). */
export function fromHistoryRow(row: StoredRow): HistoryEntry | null {
  const [hourText, encodedGroup] = row.rowKey.split("|", 2);
  const hour = dateOf(row.hour) ?? dateOf(hourText ? `${hourText}:00:00Z` : undefined);
  const desiredSize = numberOf(row.desiredSize);
  const nodegroup =
    typeof row.nodegroup === "string" ? row.nodegroup : encodedGroup ? decodeTableKey(encodedGroup) : "";
  if (!hour || desiredSize === null || !nodegroup) return null;
  return {
    nodegroup,
    hour,
    desiredSize,
    lastDesiredSize: numberOf(row.lastDesiredSize) ?? desiredSize,
    minSize: numberOf(row.minSize),
    maxSize: numberOf(row.maxSize),
    instanceTypes: typeof row.instanceTypes === "string" && row.instanceTypes ? row.instanceTypes.split(",") : [],
    gpusPerNode: numberOf(row.gpusPerNode),
    samples: numberOf(row.samples) ?? 1,
    lastAt: dateOf(row.lastAt) ?? hour,
  };
}

/** One hourly series per GPU node group of the cluster, from `from` on; hours without a run are simply absent. */
export function seriesOf(cluster: ClusterRecord, entries: readonly HistoryEntry[], from: Date): GpuNodeSeries[] {
  return cluster.nodePools
    .filter((pool) => pool.gpu)
    .map((pool): GpuNodeSeries => {
      const byHour = new Map<number, number>();
      for (const e of entries) {
        if (e.nodegroup !== pool.name || e.hour.getTime() < from.getTime()) continue;
        const t = e.hour.getTime();
        byHour.set(t, Math.max(byHour.get(t) ?? 0, e.desiredSize));
      }
      const points: SeriesPoint[] = [...byHour]
        .sort((a, b) => a[0] - b[0])
        .map(([t, value]) => ({ time: new Date(t), value }));
      return {
        cloud: "aws",
        scope: cluster.scope,
        clusterId: cluster.id,
        pool: pool.name,
        sku: pool.machineTypes.length === 1 ? (pool.machineTypes[0] ?? null) : null,
        gpusPerNode: pool.gpusPerNode,
        source: "eks-history",
        points,
      };
    });
}
