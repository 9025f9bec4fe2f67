/**
 * Which Log Analytics workspaces to query, and for which clusters. The monitoring add-on names its
 * workspace by ARM ID; the query API takes the workspace GUID (`properties.customerId`), which one
 * Resource Graph query resolves for every workspace at once. Or the GUIDs come from
 * AUDIT_LOG_ANALYTICS_WORKSPACES, and then every cluster is looked for in all of them.
 */
import { codeOf, describeError } from "../../errors.js";
import { type ClusterRecord, clusterKey, isEnabledAddon } from "../../model/cluster.js";
import { type CollectionGap, DATA_SOURCES } from "../../model/coverage.js";
import { workspacesQuery } from "./queries.js";

/**
 * The narrow Resource Graph port this collector needs: run a query over these subscriptions and yield
 * every row (the reader pages). The Resource Graph reader of the collectors/azure layer adapts to it.
 */
export type ResourceGraphQuery = (
  query: string,
  subscriptions: readonly string[],
) => AsyncIterable<Record<string, unknown>>;

/** The service's limit of workspaces in one cross-workspace query. */
export const MAX_WORKSPACES_PER_QUERY = 100;

/** Workspaces queried together (the first is the query's own, the rest `additionalWorkspaces`) and the clusters looked for in them. */
export interface WorkspaceGroup {
  readonly workspaces: readonly string[];
  readonly clusters: readonly ClusterRecord[];
}

export interface WorkspacePlan {
  readonly groups: readonly WorkspaceGroup[];
  readonly gaps: readonly CollectionGap[];
  /** Workspace GUID (lower case) → the workspace's ARM ID, for messages. */
  readonly names: ReadonlyMap<string, string>;
  /** Where each cluster's data is expected: its workspace GUID, or null when every configured one may hold it. */
  readonly expected: ReadonlyMap<string, string | null>;
}

export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const subscriptionOf = (armId: string): string | null =>
  /^\/subscriptions\/([^/]+)\//i.exec(armId)?.[1]?.toLowerCase() ?? null;

export const workspaceName = (armId: string): string => armId.split("/").at(-1) ?? armId;

/** True when the cluster writes Container Insights somewhere (the monitoring add-on is on). */
export const hasContainerInsights = (cluster: ClusterRecord): boolean =>
  cluster.logAnalyticsWorkspaceId !== null || isEnabledAddon(cluster, "omsagent");

export function clusterGap(
  cluster: ClusterRecord,
  operation: string,
  reason: string,
  code: string | null,
  extra: Partial<CollectionGap> = {},
): CollectionGap {
  return {
    cloud: "azure",
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
    operation,
    reason,
    code,
    source: DATA_SOURCES.containerInsights,
    ...extra,
  };
}

export const addonOffGap = (cluster: ClusterRecord): CollectionGap =>
  clusterGap(
    cluster,
    "read-container-insights",
    "Container Insights is off: the monitoring add-on (omsagent) is not enabled, so Log Analytics holds nothing on its pods, Services, miners or GPU nodes",
    "ContainerInsightsDisabled",
  );

/**
 * Resolves workspace ARM IDs to GUIDs with one Resource Graph query over their subscriptions.
 * Returns lower-cased ARM ID → GUID; throws what the reader throws.
 */
export async function resolveWorkspaceGuids(
  armIds: readonly string[],
  resourceGraph: ResourceGraphQuery,
): Promise<Map<string, string>> {
  const wanted = new Set(armIds.map((id) => id.toLowerCase()));
  const subscriptions = [...new Set(armIds.flatMap((id) => subscriptionOf(id) ?? []))].sort();
  const resolved = new Map<string, string>();
  if (wanted.size === 0 || subscriptions.length === 0) return resolved;
  for await (const row of resourceGraph(workspacesQuery(), subscriptions)) {
    const id = typeof row.id === "string" ? row.id.toLowerCase() : "";
    const guid = typeof row.customerId === "string" ? row.customerId.toLowerCase() : "";
    if (wanted.has(id) && guid) resolved.set(id, guid);
  }
  return resolved;
}

export interface PlanOptions {
  /** GUIDs from AUDIT_LOG_ANALYTICS_WORKSPACES; when set, discovery is skipped. */
  readonly configured: readonly string[];
  /** Null until a Resource Graph reader is wired in; then only configured GUIDs can be queried. */
  readonly resourceGraph: ResourceGraphQuery | null;
  readonly maxWorkspacesPerQuery?: number;
}

/** Decides the workspace groups, and the gaps of clusters that cannot be queried. */
export async function planWorkspaces(clusters: readonly ClusterRecord[], options: PlanOptions): Promise<WorkspacePlan> {
  const size = Math.min(options.maxWorkspacesPerQuery ?? MAX_WORKSPACES_PER_QUERY, MAX_WORKSPACES_PER_QUERY);
  const gaps: CollectionGap[] = [];
  const names = new Map<string, string>();
  const expected = new Map<string, string | null>();

  if (options.configured.length > 0) {
    // Configured GUIDs: every cluster may write to any of them, so each group looks for all clusters.
    const guids = [...new Set(options.configured.map((g) => g.toLowerCase()))];
    for (const cluster of clusters) expected.set(clusterKey("azure", cluster.id), null);
    return { groups: chunk(guids, size).map((workspaces) => ({ workspaces, clusters })), gaps, names, expected };
  }

  const monitored = clusters.filter((c) => c.logAnalyticsWorkspaceId !== null);
  for (const cluster of clusters) if (!hasContainerInsights(cluster)) gaps.push(addonOffGap(cluster));
  for (const cluster of clusters)
    if (cluster.logAnalyticsWorkspaceId === null && hasContainerInsights(cluster))
      gaps.push(
        clusterGap(
          cluster,
          "resolve-log-analytics-workspace",
          "the monitoring add-on is on but names no Log Analytics workspace",
          "WorkspaceUnknown",
        ),
      );
  const armIds = [...new Set(monitored.map((c) => (c.logAnalyticsWorkspaceId ?? "").toLowerCase()))].sort();
  if (armIds.length === 0) return { groups: [], gaps, names, expected };

  let resolved = new Map<string, string>();
  if (!options.resourceGraph) {
    for (const cluster of monitored)
      gaps.push(
        clusterGap(
          cluster,
          "resolve-log-analytics-workspace",
          `workspace ${workspaceName(cluster.logAnalyticsWorkspaceId ?? "")} cannot be resolved to its workspace ID without Resource Graph; set AUDIT_LOG_ANALYTICS_WORKSPACES`,
          "NoResourceGraph",
        ),
      );
    return { groups: [], gaps, names, expected };
  }
  try {
    resolved = await resolveWorkspaceGuids(armIds, options.resourceGraph);
  } catch (error) {
    for (const cluster of monitored)
      gaps.push(
        clusterGap(
          cluster,
          "resolve-log-analytics-workspace",
          `Resource Graph did not resolve workspace ${workspaceName(cluster.logAnalyticsWorkspaceId ?? "")}: ${describeError(error)}`,
          codeOf(error) ?? null,
        ),
      );
    return { groups: [], gaps, names, expected };
  }

  const byGuid = new Map<string, ClusterRecord[]>();
  for (const cluster of monitored) {
    const armId = (cluster.logAnalyticsWorkspaceId ?? "").toLowerCase();
    const guid = resolved.get(armId);
    if (!guid) {
      gaps.push(
        clusterGap(
          cluster,
          "resolve-log-analytics-workspace",
          `its monitoring add-on writes to workspace ${workspaceName(armId)} (${armId}), which Resource Graph does not show: deleted, or the audit identity cannot read it`,
          "WorkspaceNotFound",
        ),
      );
      continue;
    }
    names.set(guid, armId);
    expected.set(clusterKey("azure", cluster.id), guid);
    byGuid.set(guid, [...(byGuid.get(guid) ?? []), cluster]);
  }
  const groups = chunk([...byGuid.keys()].sort(), size).map((workspaces) => ({
    workspaces,
    clusters: workspaces.flatMap((guid) => byGuid.get(guid) ?? []),
  }));
  return { groups, gaps, names, expected };
}
