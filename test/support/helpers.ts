import { randomBytes } from "node:crypto";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import {
  type CollectContext,
  type Collector,
  type Notification,
  type OutboxIntent,
  type RunInfo,
  STAGES,
} from "../../shared/engine/ports.js";
import type { RunReport } from "../../shared/engine/run-audit.js";
import { DATA_SOURCES, type DataSource } from "../../shared/model/coverage.js";
import type { Finding } from "../../shared/model/finding.js";
import {
  type ClusterRecord,
  type CollectionGap,
  type CoverageEntry,
  type Inventory,
  type InventoryPart,
  type InventoryParts,
  mergeInventory,
  type ServiceExposure,
} from "../../shared/model/inventory.js";
import type { RuleContext } from "../../shared/model/rule.js";

/** A unique, valid table name per test, so tests sharing one Azurite never collide. */
export const uniqueTableName = (prefix = "t"): string => `${prefix}${randomBytes(6).toString("hex")}`;

export interface RecordingCredential extends TokenCredential {
  readonly scopesRequested: string[][];
}

export function staticCredential(): RecordingCredential {
  const scopesRequested: string[][] = [];
  return {
    scopesRequested,
    getToken: async (scopes: string | string[]): Promise<AccessToken> => {
      scopesRequested.push(Array.isArray(scopes) ? scopes : [scopes]);
      return { token: "test-token", expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

export function cluster(overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  return {
    cloud: "azure",
    scope: "11111111-1111-1111-1111-111111111111",
    region: "eastus",
    id: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
    name: "c1",
    kubernetesVersion: "1.31.2",
    powerState: "Running",
    apiServer: {
      publicEndpoint: true,
      allowedSourceCidrs: null,
      privateCluster: false,
      fqdn: "c1.hcp.eastus.azmk8s.io",
    },
    nodePools: [],
    addons: [],
    rbacEnabled: true,
    localAccountsEnabled: false,
    logAnalyticsWorkspaceId: null,
    tags: {},
    ...overrides,
  };
}

export function inventoryOf(clusters: ClusterRecord[], extra: Partial<Inventory> = {}): Inventory {
  return { ...mergeInventory([{ clusters }], new Date("2026-11-28T10:00:00Z")), ...extra };
}

/** A rule context with the rule's defaults and no upstream verdicts. */
export function ruleContext<C = unknown>(overrides: Partial<RuleContext<C>> = {}): RuleContext<C> {
  return {
    now: new Date("2026-11-28T10:00:00Z"),
    config: undefined as C,
    verdictsOf: () => [],
    ...overrides,
  };
}

/** A collector's part with every list present (what the engine merges it into). */
export const allParts = (part: InventoryPart): InventoryParts => {
  const { collectedAt: _c, ...parts } = mergeInventory([part], new Date(0));
  return parts;
};

/** What a primary-stage collector receives. */
export function collectContext(progress: (message: string) => void = () => {}): CollectContext {
  return {
    progress,
    inventory: mergeInventory([], new Date("2026-11-28T10:00:00Z")),
    now: new Date("2026-11-28T10:00:00Z"),
  };
}

export const testRun: RunInfo = { runId: "run-1", trigger: "test", startedAt: new Date("2026-11-28T10:00:00Z") };

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: "api-server-public",
    severity: "high",
    status: "fail",
    state: "new",
    cloud: "azure",
    scope: "11111111-1111-1111-1111-111111111111",
    region: "eastus",
    clusterId:
      "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
    clusterName: "c1",
    title: "Kubernetes API server reachable from the whole internet",
    detail: "Cluster c1 in subscription 1111 exposes its API server to any internet address.",
    evidence: {},
    fingerprint: "f".repeat(40),
    firstSeen: "2026-11-28T10:00:00.000Z",
    lastSeen: "2026-11-28T10:00:00.000Z",
    ...overrides,
  };
}

/** Names, labels and tags an attacker controls, aimed at chat, KQL and table keys. */
export const HOSTILE_STRINGS = [
  "<!channel> <!here> <@U012AB3CD> ping",
  "[click me](https://evil.example/steal) **bold** _it_ ~strike~ `code`",
  "<https://evil.example|totally safe>",
  "line1\nline2\r\n- list item\n# heading",
  "\u202eevil\u202c \u0000 \u001b[31mred\u001b[0m",
  "x'; drop table findings; --",
  "a/b\\c#d?e",
  "&amp; &lt;script&gt;alert(1)&lt;/script&gt; <script>alert(1)</script>",
  '=HYPERLINK("https://evil.example","x")',
  "+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd",
  "-2+3 <!subteam^S012AB3CD> @here @channel",
  "https://evil.example/bare-link and javascript:alert(1)",
  "\u001b]8;;https://evil.example\u0007click me\u001b]8;;\u0007 \u0007bell",
  '"quoted", comma; "and \\ backslash"',
] as const;

/** A notification owed to a channel, for renderer and notifier tests. */
export function notification(
  overrides: Partial<Finding> = {},
  intent: Partial<OutboxIntent> = {},
  channel: "slack" | "teams" = "slack",
): Notification {
  const f = finding(overrides);
  const kind = intent.kind ?? (f.state === "resolved" ? "resolved" : "new");
  return {
    channel,
    finding: f,
    intent: { key: `${kind}:1:${f.status}`, kind, severity: f.severity, at: "2026-11-28T10:00:00.000Z", ...intent },
  };
}

/** A Service exposure on cluster c1 (an open public IP unless overridden). */
export function exposure(overrides: Partial<ServiceExposure> = {}): ServiceExposure {
  return {
    cloud: "azure",
    scope: "11111111-1111-1111-1111-111111111111",
    region: "eastus",
    clusterId: cluster().id,
    namespace: "istio-system",
    serviceName: "istio-ingressgateway",
    kind: "public-ip",
    owner: "cloud-provider-azure",
    internetFacing: true,
    addresses: ["20.1.2.3"],
    ports: [{ protocol: "TCP", port: 443 }],
    sourceRestriction: "open",
    sourceCidrs: [],
    resourceId:
      "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1",
    evidence: { nsgRules: ["k8s-azure-lb_allow_IPv4_abc"] },
    ...overrides,
  };
}

/** Coverage of cluster c1's subscription for the given sources. */
export function coverageFor(...sources: DataSource[]): CoverageEntry[] {
  return sources.map((source) => ({ cloud: "azure", scope: cluster().scope, region: null, clusterId: null, source }));
}

/** A primary collector that lists these clusters and covers the cluster listing of each one's scope. */
export function clusterCollector(clusters: readonly ClusterRecord[] = [cluster()]): Collector {
  const scopes = [...new Map(clusters.map((c) => [`${c.cloud}|${c.scope}`, c] as const)).values()];
  return {
    id: "test-clusters",
    cloud: clusters[0]?.cloud ?? "azure",
    stage: STAGES.primary,
    collect: async () => ({
      clusters: [...clusters],
      coverage: scopes.map((c) => ({
        cloud: c.cloud,
        scope: c.scope,
        region: null,
        clusterId: null,
        source: DATA_SOURCES.clusters,
      })),
    }),
  };
}

/** A finished CLI run report holding these findings (and, optionally, these gaps). */
export const runReport = (findings: Finding[], gaps: CollectionGap[] = []): RunReport => ({
  run: {
    id: "r",
    trigger: "cli",
    startedAt: "2026-11-28T10:00:00.000Z",
    finishedAt: "2026-11-28T10:00:01.000Z",
    clouds: ["azure"],
    counts: {
      clusters: 1,
      findings: findings.length,
      fail: 1,
      pass: 0,
      unknown: 0,
      muted: 0,
      new: 1,
      resolved: 0,
      escalated: 0,
      gaps: 0,
      notified: 0,
      owed: 0,
    },
    durationMs: 1000,
    coverage: [],
    gaps,
    sinks: [],
    delivered: true,
  },
  findings,
});
