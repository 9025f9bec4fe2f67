import { type CollectContext, type Collector, STAGES } from "../../engine/ports.js";
import { codeOf, describeError } from "../../errors.js";
import { type ClusterRecord, clusterKey } from "../../model/cluster.js";
import { type CollectionGap, type CoverageEntry, DATA_SOURCES } from "../../model/coverage.js";
import type { InventoryPart } from "../../model/inventory.js";
import type { GpuNodeSeries, KubeflowPresence, KubeService, MinerEvidence } from "../../model/signals.js";
import { mapGateway, mapGpuSeries, mapKubeflow, mapMinerEvidence, type Row } from "./mappers.js";
import {
  DEFAULT_QUERY_OPTIONS,
  type QueryOptions,
  SIGNALS,
  type Signal,
  signalQuery,
  weakIndicators,
} from "./queries.js";
import {
  addonOffGap,
  clusterGap,
  hasContainerInsights,
  planWorkspaces,
  type ResourceGraphQuery,
  type WorkspaceGroup,
  workspaceName,
} from "./workspaces.js";

/** One cross-workspace query: the first workspace is the query's own, the rest go in `additionalWorkspaces`. */
export interface LogsQueryRequest {
  /** Workspace GUIDs, at most 100. */
  readonly workspaces: readonly string[];
  readonly query: string;
  /** The API's timespan, a duration ending now. */
  readonly timespanHours: number;
}

/** What the service answered. A partial answer keeps its rows: partial failure is data. */
export type LogsQueryAnswer =
  | { readonly status: "success"; readonly rows: readonly Row[] }
  | {
      readonly status: "partial";
      readonly rows: readonly Row[];
      readonly reason: string;
      readonly code: string | null;
    };

/** The narrow Log Analytics surface the collector needs; the SDK adapter implements it. Rejects when the query fails. */
export interface LogsReader {
  query(request: LogsQueryRequest): Promise<LogsQueryAnswer>;
}

export interface LogAnalyticsCollectorOptions {
  readonly logs: LogsReader;
  /** Resolves the add-ons' workspace ARM IDs to GUIDs; null leaves only AUDIT_LOG_ANALYTICS_WORKSPACES. */
  readonly resourceGraph: ResourceGraphQuery | null;
  /** GUIDs from AUDIT_LOG_ANALYTICS_WORKSPACES (replaces discovery when set). */
  readonly workspaces: readonly string[];
  readonly query?: Partial<QueryOptions>;
  readonly maxWorkspacesPerQuery?: number;
}

type Outcome =
  | { readonly signal: Signal; readonly answer: LogsQueryAnswer }
  | { readonly signal: Signal; readonly error: unknown };

/**
 * Container Insights signals of the AKS clusters earlier stages found: Kubeflow, Istio gateways by
 * selector, miner evidence and GPU node series. Per group of at most 100 workspaces it sends one query
 * per signal, so a sweep makes ⌈workspaces / 100⌉ queries per signal. A cluster is covered when it
 * reported recently and every query of its group answered in full; otherwise it is a gap.
 */
export function createLogAnalyticsCollector(options: LogAnalyticsCollectorOptions): Collector {
  const queryOptions: QueryOptions = { ...DEFAULT_QUERY_OPTIONS, ...options.query };
  const weak = weakIndicators();
  return {
    id: "log-analytics",
    cloud: "azure",
    stage: STAGES.enrichment,
    async collect({ inventory, progress }: CollectContext): Promise<InventoryPart> {
      const clusters = inventory.clusters.filter((c) => c.cloud === "azure");
      if (clusters.length === 0) return {};
      const plan = await planWorkspaces(clusters, {
        configured: options.workspaces,
        resourceGraph: options.resourceGraph,
        ...(options.maxWorkspacesPerQuery ? { maxWorkspacesPerQuery: options.maxWorkspacesPerQuery } : {}),
      });
      const gaps: CollectionGap[] = [...plan.gaps];
      const coverage: CoverageEntry[] = [];
      const services: KubeService[] = [];
      const kubeflow: KubeflowPresence[] = [];
      const minerEvidence: MinerEvidence[] = [];
      const gpuSeries: GpuNodeSeries[] = [];
      const reporting = new Set<string>();
      const brokenClusters = new Set<string>();

      const ask = async (group: WorkspaceGroup, signal: Signal): Promise<Outcome> => {
        const clusterIds = group.clusters.map((c) => c.id);
        const { query, timespanHours } = signalQuery(signal, clusterIds, queryOptions);
        try {
          return { signal, answer: await options.logs.query({ workspaces: group.workspaces, query, timespanHours }) };
        } catch (error) {
          return { signal, error };
        }
      };

      // Every query of every group at once: the reader's shared limiter keeps 5 in flight per identity.
      const results = await Promise.all(
        plan.groups.map(async (group) => ({
          group,
          outcomes: await Promise.all(SIGNALS.map((signal) => ask(group, signal))),
        })),
      );
      const queries = plan.groups.length * SIGNALS.length;
      progress(
        `azure: Container Insights: ${plan.groups.reduce((n, g) => n + g.workspaces.length, 0)} workspace(s) in ${plan.groups.length} group(s), ${queries} quer${queries === 1 ? "y" : "ies"}`,
      );

      for (const { group, outcomes } of results) {
        const answers = new Map<Signal, LogsQueryAnswer>();
        const broken = new Set<Signal>();
        for (const outcome of outcomes) {
          const { signal } = outcome;
          const failure =
            "error" in outcome
              ? {
                  reason: `the Log Analytics query failed: ${describeError(outcome.error)}`,
                  code: codeOf(outcome.error) ?? null,
                }
              : outcome.answer.status === "partial"
                ? {
                    reason: `Log Analytics answered only in part (rows kept): ${outcome.answer.reason}`,
                    code: outcome.answer.code,
                  }
                : null;
          if ("answer" in outcome) answers.set(signal, outcome.answer);
          if (!failure) continue;
          broken.add(signal);
          for (const cluster of group.clusters)
            gaps.push(clusterGap(cluster, `query-${signal}`, failure.reason, failure.code));
        }

        const byKey = new Map(group.clusters.map((c) => [c.id.toLowerCase(), c] as const));
        const rowsOf = (signal: Signal): Map<ClusterRecord, Row[]> => {
          const grouped = new Map<ClusterRecord, Row[]>();
          for (const row of answers.get(signal)?.rows ?? []) {
            const cluster = byKey.get(String(row.ClusterKey ?? "").toLowerCase());
            if (!cluster) continue;
            grouped.set(cluster, [...(grouped.get(cluster) ?? []), row]);
          }
          return grouped;
        };

        for (const [cluster, rows] of rowsOf("kubeflow-presence"))
          for (const row of rows) kubeflow.push(mapKubeflow(row, cluster));
        for (const [cluster, rows] of rowsOf("istio-gateways"))
          for (const row of rows) services.push(mapGateway(row, cluster));
        for (const [cluster, rows] of rowsOf("miner-evidence"))
          minerEvidence.push(...mapMinerEvidence(rows, cluster, weak, queryOptions.excerptLength));
        const capacity = rowsOf("gpu-capacity");
        const attribution = rowsOf("gpu-attribution");
        for (const [cluster, rows] of rowsOf("gpu-nodes"))
          gpuSeries.push(
            ...mapGpuSeries(cluster, {
              nodes: rows,
              capacity: capacity.get(cluster) ?? [],
              attribution: attribution.get(cluster) ?? [],
            }),
          );

        const heard = rowsOf("heartbeat");
        for (const cluster of group.clusters) {
          const key = clusterKey("azure", cluster.id);
          if (broken.size > 0) brokenClusters.add(key);
          if (!broken.has("heartbeat") && heard.has(cluster)) reporting.add(key);
        }
      }

      // Coverage: the cluster reported recently, and every query that could hold its data answered in full.
      const queried = new Map<string, { cluster: ClusterRecord; workspaces: string[] }>();
      for (const group of plan.groups)
        for (const cluster of group.clusters) {
          const entry = queried.get(clusterKey("azure", cluster.id)) ?? { cluster, workspaces: [] };
          entry.workspaces.push(...group.workspaces);
          queried.set(clusterKey("azure", cluster.id), entry);
        }
      for (const [key, { cluster, workspaces }] of queried) {
        if (brokenClusters.has(key)) continue;
        if (reporting.has(key)) {
          coverage.push({
            cloud: "azure",
            scope: cluster.scope,
            region: null,
            clusterId: cluster.id,
            source: DATA_SOURCES.containerInsights,
          });
        } else {
          gaps.push(
            hasContainerInsights(cluster)
              ? noRecentData(cluster, plan.expected.get(key) ?? null, workspaces, plan.names, queryOptions.recentHours)
              : addonOffGap(cluster),
          );
        }
      }

      // With configured workspaces every group looks for every cluster: one failure per cluster and query is enough.
      const unique = new Map(gaps.map((g) => [`${g.clusterId ?? g.scope}|${g.operation}`, g] as const));
      return { services, kubeflow, minerEvidence, gpuSeries, coverage, gaps: [...unique.values()] };
    },
  };
}

function noRecentData(
  cluster: ClusterRecord,
  expected: string | null,
  queried: readonly string[],
  names: ReadonlyMap<string, string>,
  recentHours: number,
): CollectionGap {
  const armId = expected ? names.get(expected) : undefined;
  const where = expected
    ? `workspace ${armId ? `${workspaceName(armId)} (${expected})` : expected}`
    : queried.length === 1
      ? `workspace ${queried[0]}`
      : `the ${queried.length} workspaces queried (AUDIT_LOG_ANALYTICS_WORKSPACES)`;
  const stopped = (cluster.powerState ?? "").toLowerCase() === "stopped";
  return clusterGap(
    cluster,
    "read-container-insights",
    `no Container Insights data from the cluster in the last ${recentHours} hour(s) in ${where}${stopped ? "; the cluster is stopped" : ""}`,
    "NoRecentData",
    stopped ? { severity: "info" } : {},
  );
}
