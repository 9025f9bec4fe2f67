import pLimit from "p-limit";
import { type Collector, STAGES } from "../../engine/ports.js";
import { describeError } from "../../errors.js";
import type { ClusterRecord } from "../../model/cluster.js";
import { type CollectionGap, type CoverageEntry, DATA_SOURCES } from "../../model/coverage.js";
import type { GpuNodeSeries, InventoryPart } from "../../model/inventory.js";
import {
  batchesOf,
  type EntityTable,
  MAX_BATCH,
  type StoredRow,
  TableConflictError,
  type TableOperation,
} from "../../store/entity-table.js";
import {
  fromHistoryRow,
  type HistoryEntry,
  historyPartitionKey,
  historyRowKey,
  hourOf,
  observe,
  seriesOf,
  toHistoryRow,
} from "./history-rows.js";

const HOUR = 3_600_000;
/** Another writer (a parallel worker) changed the hour's row: read again and merge, a few times. */
const WRITE_ATTEMPTS = 3;

export interface GpuHistoryOptions {
  /** Opens the history table (AUDIT_GPU_HISTORY_TABLE). */
  readonly table: () => Promise<EntityTable>;
  /** Hours read back: the rule's lookback plus its warm-up. */
  readonly historyHours: number;
  /** Rows older than this are deleted as the partition is read. */
  readonly retentionHours: number;
  readonly concurrency?: number;
}

interface ClusterResult {
  readonly series: GpuNodeSeries[];
  readonly coverage: CoverageEntry[];
  readonly gaps: CollectionGap[];
}

const codeOf = (error: unknown): string | null =>
  error instanceof TableConflictError
    ? String(error.status)
    : error instanceof Error && "code" in error && typeof error.code === "string"
      ? error.code
      : null;

function gapFor(cluster: ClusterRecord, operation: string, error: unknown): CollectionGap {
  return {
    cloud: "aws",
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
    operation,
    reason: describeError(error),
    code: codeOf(error),
    source: DATA_SOURCES.gpuHistory,
  };
}

const hasGpu = (cluster: ClusterRecord): boolean => cluster.nodePools.some((p) => p.gpu);

const coverageOf = (cluster: ClusterRecord): CoverageEntry => ({
  cloud: "aws",
  scope: cluster.scope,
  region: cluster.region,
  clusterId: cluster.id,
  source: DATA_SOURCES.gpuHistory,
});

async function listPartition(table: EntityTable, cluster: ClusterRecord): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for await (const row of table.list({ partitionKey: historyPartitionKey(cluster) })) rows.push(row);
  return rows;
}

/** Writes this hour's rows, each conditional on the version read; on a conflict, reads again and merges. */
async function recordHour(
  table: EntityTable,
  cluster: ClusterRecord,
  rows: StoredRow[],
  now: Date,
): Promise<{ rows: StoredRow[]; written: HistoryEntry[] }> {
  const pools = cluster.nodePools.filter((p) => p.gpu);
  let current = rows;
  for (let attempt = 1; ; attempt++) {
    const byKey = new Map(current.map((r) => [r.rowKey, r]));
    const written: HistoryEntry[] = [];
    const operations: TableOperation[] = pools.map((pool) => {
      const stored = byKey.get(historyRowKey(hourOf(now), pool.name));
      const entry = observe(stored ? fromHistoryRow(stored) : null, pool, now);
      written.push(entry);
      const row = toHistoryRow(cluster, entry);
      return stored ? { kind: "replace", row, etag: stored.etag } : { kind: "create", row };
    });
    try {
      // One partition per cluster: batches of at most MAX_BATCH, each atomic.
      for (let i = 0; i < operations.length; i += MAX_BATCH) await table.submit(operations.slice(i, i + MAX_BATCH));
      return { rows: current, written };
    } catch (error) {
      if (!(error instanceof TableConflictError) || attempt >= WRITE_ATTEMPTS) throw error;
      current = await listPartition(table, cluster);
    }
  }
}

async function prune(table: EntityTable, rows: readonly StoredRow[], before: number): Promise<void> {
  const old = rows.filter((r) => {
    const entry = fromHistoryRow(r);
    return entry !== null && entry.hour.getTime() < before;
  });
  const deletes = old.map((r) => ({
    kind: "delete" as const,
    partitionKey: r.partitionKey,
    rowKey: r.rowKey,
    etag: r.etag,
  }));
  for (const batch of batchesOf(deletes)) await table.submit(batch);
}

async function historyOf(
  table: EntityTable,
  cluster: ClusterRecord,
  now: Date,
  options: GpuHistoryOptions,
): Promise<ClusterResult> {
  const coverage = coverageOf(cluster);
  if (!hasGpu(cluster)) return { series: [], coverage: [coverage], gaps: [] };
  let rows: StoredRow[];
  try {
    rows = await listPartition(table, cluster);
  } catch (error) {
    return { series: [], coverage: [], gaps: [gapFor(cluster, "read-gpu-history", error)] };
  }
  const from = new Date(hourOf(now).getTime() - options.historyHours * HOUR);
  const gaps: CollectionGap[] = [];
  let entries = rows.flatMap((r) => fromHistoryRow(r) ?? []);
  let written: HistoryEntry[];
  try {
    const recorded = await recordHour(table, cluster, rows, now);
    written = recorded.written;
    entries = recorded.rows.flatMap((r) => fromHistoryRow(r) ?? []);
  } catch (error) {
    // The run still judges what it saw now; the gap says the history did not keep it.
    gaps.push(gapFor(cluster, "write-gpu-history", error));
    written = cluster.nodePools
      .filter((p) => p.gpu)
      .map((pool) => {
        const stored = entries.find((e) => e.nodegroup === pool.name && e.hour.getTime() === hourOf(now).getTime());
        return observe(stored ?? null, pool, now);
      });
  }
  const thisHour = hourOf(now).getTime();
  const merged = [...entries.filter((e) => e.hour.getTime() !== thisHour), ...written];
  try {
    await prune(table, rows, now.getTime() - options.retentionHours * HOUR);
  } catch {
    // Old rows stay until a later run removes them; nothing this run reports depends on it.
  }
  return { series: seriesOf(cluster, merged, from), coverage: gaps.length > 0 ? [] : [coverage], gaps };
}

/**
 * EKS has no Container Insights: each run appends the GPU node groups' sizes of every
 * EKS cluster in the inventory to the history table and reads the lookback back as
 * hourly series. A table failure becomes a gap for the clusters it hides.
 */
export function createGpuHistoryCollector(options: GpuHistoryOptions): Collector {
  return {
    id: "gpu-history",
    cloud: "aws",
    stage: STAGES.enrichment,
    async collect(context): Promise<InventoryPart> {
      const clusters = context.inventory.clusters.filter((c) => c.cloud === "aws");
      if (clusters.length === 0) return {};
      let table: EntityTable | null = null;
      let failure: unknown = null;
      if (clusters.some(hasGpu)) {
        try {
          table = await options.table();
          await table.ensureExists();
        } catch (error) {
          failure = error;
        }
      }
      const limit = pLimit(options.concurrency ?? 8);
      const results = await Promise.all(
        clusters.map((cluster) =>
          limit(async (): Promise<ClusterResult> => {
            if (table) return historyOf(table, cluster, context.now, options);
            if (!hasGpu(cluster)) return { series: [], coverage: [coverageOf(cluster)], gaps: [] };
            return { series: [], coverage: [], gaps: [gapFor(cluster, "open-gpu-history", failure)] };
          }),
        ),
      );
      const series = results.flatMap((r) => r.series);
      context.progress(`GPU history: ${series.length} EKS GPU node group(s) recorded and read back`);
      return {
        gpuSeries: series,
        coverage: results.flatMap((r) => r.coverage),
        gaps: results.flatMap((r) => r.gaps),
      };
    },
  };
}
