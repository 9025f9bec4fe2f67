import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAksCollector } from "../../../shared/collectors/azure/aks-collector.js";
import { createArmAksReader } from "../../../shared/collectors/azure/arm-sdk.js";
import { createResourceGraphReader } from "../../../shared/collectors/azure/resource-graph.js";
import {
  createLogAnalyticsCollector,
  type LogAnalyticsCollectorOptions,
} from "../../../shared/collectors/log-analytics/log-analytics-collector.js";
import { gpuLookbackDays } from "../../../shared/collectors/log-analytics/log-analytics-registration.js";
import { createLogsReader } from "../../../shared/collectors/log-analytics/logs-sdk.js";
import { queryText, SIGNALS } from "../../../shared/collectors/log-analytics/queries.js";
import type { ResourceGraphQuery } from "../../../shared/collectors/log-analytics/workspaces.js";
import { AZURE_CLOUDS } from "../../../shared/config/azure-clouds.js";
import { evaluateRules } from "../../../shared/engine/evaluate.js";
import type { CollectContext } from "../../../shared/engine/ports.js";
import { type ArmFake, startArmFake } from "../../../shared/fakes/arm-fake.js";
import { loadEstate } from "../../../shared/fakes/estate.js";
import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import { containerInsightsSchema, resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import { type LogAnalyticsFake, startLogAnalyticsFake } from "../../../shared/fakes/log-analytics-fake.js";
import {
  generateTelemetry,
  loadTelemetry,
  type Telemetry,
  type WorkspaceTables,
  workspaceResourceGraphRows,
} from "../../../shared/fakes/telemetry.js";
import {
  type ClusterRecord,
  type Inventory,
  type InventoryPart,
  mergeInventory,
} from "../../../shared/model/inventory.js";
import { DEMO_ESTATE_PATH, DEMO_TELEMETRY_PATH } from "../../../shared/paths.js";
import { ALL_RULES } from "../../../shared/rules/index.js";
import { exposure, HOSTILE_STRINGS, staticCredential } from "../../support/helpers.js";

const NOW = new Date("2026-11-28T10:20:00Z");
const LOGS = AZURE_CLOUDS.AzurePublicCloud;
const EAST = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const WEST = "7a2b3c4d-5e6f-4071-9b8c-0d1e2f3a4b5c";
const quickRetry = { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 };

let arm: ArmFake;
let logs: LogAnalyticsFake;
let telemetry: Telemetry;
let generated: Map<string, WorkspaceTables>;
let clusters: ClusterRecord[];

beforeAll(async () => {
  const tls = inject("tls");
  const estate = await loadEstate(DEMO_ESTATE_PATH());
  telemetry = await loadTelemetry(DEMO_TELEMETRY_PATH());
  generated = generateTelemetry(telemetry, { now: NOW });
  [arm, logs] = await Promise.all([
    startArmFake(estate, tls, { pageSize: 2, retryAfterSeconds: 0 }),
    startLogAnalyticsFake(generated, tls, { now: () => NOW, latencyMs: 20 }),
  ]);
  // The primary stage, for real: the AKS collector through the ARM SDK against the demo estate.
  const armOptions = { endpoint: arm.url, audience: LOGS.armAudience, retryOptions: quickRetry };
  const aks = createAksCollector(
    {
      arm: createArmAksReader(staticCredential(), armOptions),
      resourceGraph: createResourceGraphReader(staticCredential(), armOptions),
    },
    { subscriptions: [] },
  );
  clusters = [...((await aks.collect(context([]))).clusters ?? [])].filter((c) => c.cloud === "azure");
});
afterAll(async () => Promise.all([arm.close(), logs.close()]));

function context(clusterList: readonly ClusterRecord[]): CollectContext {
  return { progress: () => {}, inventory: mergeInventory([{ clusters: clusterList }], NOW), now: NOW };
}

const byName = (name: string) => {
  const found = clusters.find((c) => c.name === name);
  if (!found) throw new Error(`no cluster ${name}`);
  return found;
};

function collector(overrides: Partial<LogAnalyticsCollectorOptions> = {}, credential = staticCredential()) {
  const reader = createLogsReader(credential, {
    endpoint: logs.endpoint,
    audience: LOGS.logsAudience,
    retryOptions: quickRetry,
  });
  return createLogAnalyticsCollector({ logs: reader, resourceGraph: null, workspaces: [EAST, WEST], ...overrides });
}

async function sweep(overrides: Partial<LogAnalyticsCollectorOptions> = {}, list = clusters) {
  const before = logs.queries.length;
  const part = await collector(overrides).collect(context(list));
  return { part, queries: logs.queries.slice(before) };
}

/** A Resource Graph over the telemetry's workspace rows, with the real KQL semantics. */
const resourceGraph: ResourceGraphQuery = async function* (query, subscriptions) {
  const rows = workspaceResourceGraphRows(telemetry).filter((r) => subscriptions.includes(String(r.subscriptionId)));
  const result = runKql(
    query,
    { resources: { columns: resourceGraphSchema.tables.resources ?? {}, rows } },
    {
      now: NOW,
      tableNamesCaseInsensitive: true,
    },
  );
  for (const row of result.rows) yield Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]));
};

const gapsOf = (part: InventoryPart) => (part.gaps ?? []).map((g) => [g.clusterName, g.operation, g.code]);
const covered = (part: InventoryPart) => (part.coverage ?? []).map((c) => c.clusterId?.split("/").at(-1)).sort();

describe("Log Analytics signals through the real LogsQueryClient", () => {
  it("collects every signal with one query per signal for two workspaces, within the service's limits", async () => {
    const credential = staticCredential();
    const before = logs.queries.length;
    const part = await collector({}, credential).collect(context(clusters));
    const queries = logs.queries.slice(before);

    expect(queries).toHaveLength(SIGNALS.length);
    expect(queries.every((q) => q.status === 200)).toBe(true);
    expect(queries.every((q) => q.workspaces.join() === `${EAST},${WEST}`)).toBe(true);
    expect(queries.every((q) => q.prefer === "wait=180")).toBe(true);
    expect(new Set(queries.map((q) => q.timespan))).toEqual(new Set(["PT1H", "PT24H", "PT336H", "PT6H"]));
    expect(credential.scopesRequested.every((s) => s.join() === LOGS.logsAudience)).toBe(true);

    expect(covered(part)).toEqual(["aks-ingress-weu", "aks-training-private", "kubeflow-gpu-prod"]);
    expect(part.coverage?.[0]).toMatchObject({ cloud: "azure", region: null, source: "container-insights" });
    expect(gapsOf(part)).toEqual([["aks-legacy-dashboard", "read-container-insights", "ContainerInsightsDisabled"]]);

    const prod = byName("kubeflow-gpu-prod");
    expect(part.services).toEqual([
      {
        cloud: "azure",
        clusterId: prod.id,
        namespace: "istio-system",
        name: "istio-ingressgateway",
        serviceType: "LoadBalancer",
        selector: { app: "istio-ingressgateway", istio: "ingressgateway" },
      },
      {
        cloud: "azure",
        clusterId: prod.id,
        namespace: "istio-system",
        name: "kubeflow-gw",
        serviceType: "LoadBalancer",
        selector: { app: "kubeflow-gw", istio: "ingressgateway" },
      },
    ]);
    expect(
      part.kubeflow?.map((k) => [k.clusterId.split("/").at(-1), k.namespaces, k.components.length]).sort(),
    ).toEqual([
      ["aks-training-private", ["kubeflow"], 5],
      ["kubeflow-gpu-prod", ["kubeflow"], 5],
    ]);

    const miners = part.minerEvidence ?? [];
    expect(new Set(miners.map((m) => m.clusterId))).toEqual(new Set([prod.id]));
    // The first lines show each kind once: image, command, pool host, binary, log lines, then the weak port.
    expect(miners.slice(0, 10).map((m) => m.kind)).toEqual([
      "image",
      "command",
      "pool-host",
      "binary",
      "log-line",
      "log-line",
      "log-line",
      "log-line",
      "log-line",
      "pool-port",
    ]);
    expect(miners[0]).toMatchObject({
      indicator: "xmrig",
      image: "docker.io/xmrig/xmrig:6.21.0",
      namespace: "anonymous",
    });
    expect(miners[1]?.excerpt).toContain("stratum+tcp://pool.supportxmr.com:3333");
    expect(miners.every((m) => m.excerpt.length <= 300)).toBe(true);

    const series = part.gpuSeries ?? [];
    expect(series.map((s) => [s.clusterId.split("/").at(-1), s.pool, s.sku, s.gpusPerNode, s.source])).toEqual([
      ["kubeflow-gpu-prod", "gpua100", "Standard_NC24ads_A100_v4", 1, "container-insights"],
      ["aks-training-private", "gput4", "Standard_NC4as_T4_v3", 1, "container-insights"],
    ]);
    const a100 = series[0];
    expect(a100?.points).toHaveLength(14 * 24 + 1);
    expect(a100?.points.slice(-6).map((p) => p.value)).toEqual([2, 12, 12, 12, 12, 12]);
    expect(a100?.points.slice(0, -5).every((p) => p.value === 2)).toBe(true);
    expect(a100?.points.at(-1)?.time).toEqual(new Date("2026-11-28T10:00:00Z"));
    expect(a100?.capacity?.slice(-6).map((p) => p.value)).toEqual([2, 12, 12, 12, 12, 12]);
    expect(a100?.attribution?.[0]).toMatchObject({
      namespace: "anonymous",
      image: "docker.io/xmrig/xmrig:6.21.0",
      gpus: 10,
    });
    expect(a100?.attribution?.[1]).toMatchObject({ namespace: "ml-team", gpus: 2 });
    // The twin peaks now, at the same hours as every day before.
    expect(series[1]?.points.slice(-4).map((p) => p.value)).toEqual([8, 8, 8, 8]);
    expect(series[1]?.points.slice(-28, -24).map((p) => p.value)).toEqual([8, 8, 8, 8]);

    // Never more than 5 queries in flight for one identity.
    expect(logs.maxConcurrent()).toBeLessThanOrEqual(5);
  });

  it("makes ⌈workspaces / 100⌉ queries per signal: 150 workspaces, two cross-workspace queries each", async () => {
    const extra = Array.from({ length: 148 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const empty: WorkspaceTables = {
      KubeNodeInventory: { columns: containerInsightsSchema.tables.KubeNodeInventory ?? {}, rows: [] },
    };
    logs.setWorkspaces(new Map([...generated, ...extra.map((id) => [id, empty] as const)]));
    try {
      const { part, queries } = await sweep({ workspaces: [EAST, ...extra, WEST] });
      expect(queries).toHaveLength(SIGNALS.length * Math.ceil(150 / 100));
      for (const signal of SIGNALS)
        expect(
          queries.filter((q) => q.query.endsWith(queryText(signal))),
          signal,
        ).toHaveLength(Math.ceil(150 / 100));
      expect(queries.map((q) => q.workspaces.length).sort()).toEqual(
        [...Array(SIGNALS.length).fill(100), ...Array(SIGNALS.length).fill(50)].sort(),
      );
      expect(queries.every((q) => q.status === 200)).toBe(true);
      expect(covered(part)).toEqual(["aks-ingress-weu", "aks-training-private", "kubeflow-gpu-prod"]);
      expect(logs.maxConcurrent()).toBe(5);
    } finally {
      logs.setWorkspaces(generated);
    }
  });

  it("discovers the workspaces from the add-ons through the Resource Graph port, with the same result", async () => {
    const { part, queries } = await sweep({ workspaces: [], resourceGraph });
    expect(queries).toHaveLength(SIGNALS.length);
    expect(queries[0]?.workspaces).toEqual([EAST, WEST]);
    expect(covered(part)).toEqual(["aks-ingress-weu", "aks-training-private", "kubeflow-gpu-prod"]);
    expect(gapsOf(part)).toEqual([["aks-legacy-dashboard", "read-container-insights", "ContainerInsightsDisabled"]]);
    expect(part.minerEvidence?.length).toBeGreaterThan(0);
  });

  it("without a Resource Graph reader or configured GUIDs, says what it could not resolve", async () => {
    const { part, queries } = await sweep({ workspaces: [] });
    expect(queries).toEqual([]);
    expect(gapsOf(part).sort()).toEqual(
      [
        ["aks-legacy-dashboard", "read-container-insights", "ContainerInsightsDisabled"],
        ["kubeflow-gpu-prod", "resolve-log-analytics-workspace", "NoResourceGraph"],
        ["aks-training-private", "resolve-log-analytics-workspace", "NoResourceGraph"],
        ["aks-ingress-weu", "resolve-log-analytics-workspace", "NoResourceGraph"],
      ].sort(),
    );
    expect(part.coverage).toEqual([]);
  });

  it("treats PartialFailure as data: keeps the rows, records a gap, claims no coverage", async () => {
    logs.inject({ kind: "partial", matching: "// Miner evidence" });
    const { part } = await sweep();
    expect(part.minerEvidence?.length).toBeGreaterThan(0);
    const partial = (part.gaps ?? []).filter((g) => g.operation === "query-miner-evidence");
    expect(partial.map((g) => g.clusterName).sort()).toEqual(
      ["aks-ingress-weu", "aks-legacy-dashboard", "aks-training-private", "kubeflow-gpu-prod"].sort(),
    );
    expect(partial[0]).toMatchObject({ source: "container-insights", code: "PartialError" });
    expect(partial[0]?.reason).toContain("rows kept");
    expect(part.coverage).toEqual([]);
  });

  it("retries a throttled query and records a query that keeps failing as a gap", async () => {
    logs.inject({ kind: "throttle", matching: "// Kubeflow presence", retryAfterSeconds: 0 });
    const throttled = await sweep();
    expect(throttled.queries.filter((q) => q.status === 429)).toHaveLength(1);
    expect(covered(throttled.part)).toHaveLength(3);

    logs.inject({ kind: "error", matching: "// GPU nodes per cluster", times: 3 });
    const failing = await sweep();
    expect(failing.part.gaps?.filter((g) => g.operation === "query-gpu-nodes").map((g) => g.code)).toEqual(
      Array(4).fill("InternalServerError"),
    );
    expect(failing.part.gpuSeries).toEqual([]);
    expect(failing.part.kubeflow?.length).toBe(2);
    expect(failing.part.coverage).toEqual([]);
  });

  it("records a workspace with no recent data for a cluster, naming the workspace, and a stopped cluster as info", async () => {
    logs.setWorkspaces(new Map([...generated].map(([id, t]) => [id, id === WEST ? {} : t] as const)));
    try {
      const weu = byName("aks-ingress-weu");
      const stopped = {
        ...byName("aks-training-private"),
        id: `${byName("aks-training-private").id}-stopped`,
        name: "stopped-one",
        powerState: "Stopped",
      };
      const { part } = await sweep({ workspaces: [], resourceGraph }, [...clusters, stopped]);
      const noData = (part.gaps ?? [])
        .filter((g) => g.code === "NoRecentData")
        .sort((a, b) => (a.clusterName ?? "").localeCompare(b.clusterName ?? ""));
      expect(noData.map((g) => [g.clusterName, g.severity ?? null])).toEqual([
        ["aks-ingress-weu", null],
        ["stopped-one", "info"],
      ]);
      expect(noData[0]).toMatchObject({ clusterId: weu.id, source: "container-insights" });
      expect(noData[0]?.reason).toBe(
        `no Container Insights data from the cluster in the last 1 hour(s) in workspace law-aks-westeurope (${WEST})`,
      );
      expect(noData[1]?.reason).toContain("the cluster is stopped");
    } finally {
      logs.setWorkspaces(generated);
    }
  });

  it("keeps hostile cluster names as data: the query still binds and matches only that cluster", async () => {
    const hostileIds = HOSTILE_STRINGS.map(
      (s, i) =>
        `/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/h${i}${s}`,
    );
    const hostile = hostileIds.map((id, i) => ({
      ...byName("aks-ingress-weu"),
      id,
      name: `h${i}${HOSTILE_STRINGS[i]}`,
    }));
    const east = generated.get(EAST) ?? {};
    const nodes = east.KubeNodeInventory ?? { columns: {}, rows: [] };
    const extraRows = hostileIds.slice(0, 3).map((id) => ({
      TimeGenerated: new Date(NOW.getTime() - 5 * 60_000),
      TenantId: EAST,
      Computer: "node-h",
      ClusterId: id,
      _ResourceId: id.toLowerCase(),
      Labels: "[{}]",
    }));
    logs.setWorkspaces(
      new Map([
        ...generated,
        [EAST, { ...east, KubeNodeInventory: { ...nodes, rows: [...nodes.rows, ...extraRows] } }],
      ]),
    );
    try {
      const { part, queries } = await sweep({}, hostile);
      expect(queries.every((q) => q.status === 200)).toBe(true);
      expect(covered(part).length).toBe(3);
      expect((part.coverage ?? []).map((c) => c.clusterId)).toEqual(hostileIds.slice(0, 3));
      expect((part.gaps ?? []).map((g) => g.clusterId)).toEqual(hostileIds.slice(3));
      // Nothing of the real clusters leaked into the hostile ones' answer.
      expect(part.minerEvidence).toEqual([]);
    } finally {
      logs.setWorkspaces(generated);
    }
  });

  it("reads the spike rule's lookbackDays when it has one", () => {
    expect(gpuLookbackDays(new Map())).toBe(14);
    expect(gpuLookbackDays(new Map([["gpu-node-spike", { lookbackDays: 21 }]]))).toBe(21);
    expect(gpuLookbackDays(new Map([["gpu-node-spike", { lookbackDays: "x" }]]))).toBe(14);
    expect(gpuLookbackDays(new Map([["gpu-node-spike", { lookbackDays: 0 }]]))).toBe(14);
  });
});

describe("the Kubeflow attack path, rules over the collected signals", () => {
  async function inventoryWith(exposures: InventoryPart["exposures"]): Promise<Inventory> {
    const signals = await collector().collect(context(clusters));
    const coverage = [...new Set(clusters.map((c) => c.scope))].flatMap((scope) => [
      { cloud: "azure" as const, scope, region: null, clusterId: null, source: "clusters" as const },
      { cloud: "azure" as const, scope, region: null, clusterId: null, source: "service-exposure" as const },
    ]);
    return mergeInventory([{ clusters, coverage, exposures }, signals], NOW);
  }

  it("on kubeflow-gpu-prod: the gateway found by selector, Kubeflow, critical, the miner with image and stratum URL", async () => {
    const prod = byName("kubeflow-gpu-prod");
    // What the cloud side shows (the Resource Graph branch builds it): a public IP tagged for the renamed gateway.
    const publicGateway = exposure({
      scope: prod.scope,
      clusterId: prod.id,
      namespace: "istio-system",
      serviceName: "kubeflow-gw",
      addresses: ["20.81.4.7"],
    });
    const inventory = await inventoryWith([publicGateway]);
    const { drafts } = evaluateRules(ALL_RULES, inventory, { now: NOW, configs: new Map() });
    const on = (ruleId: string, cluster: string) =>
      drafts.filter((d) => d.ruleId === ruleId && d.clusterName === cluster);

    const [istio] = on("istio-ingress-public", "kubeflow-gpu-prod").filter((d) => d.status === "fail");
    expect(istio?.evidence).toMatchObject({
      service: "istio-system/kubeflow-gw",
      matchedBy: "selector istio=ingressgateway",
    });

    const [kubeflowExposed] = on("kubeflow-dashboard-exposed", "kubeflow-gpu-prod");
    expect(kubeflowExposed).toMatchObject({ status: "fail", severity: "critical" });
    expect(kubeflowExposed?.evidence).toMatchObject({
      gateways: ["istio-system/kubeflow-gw"],
      kubeflowNamespaces: ["kubeflow"],
      escalated: "critical: miner evidence on the same cluster",
    });

    const [miner] = on("crypto-miner-workload", "kubeflow-gpu-prod");
    expect(miner).toMatchObject({ status: "fail", severity: "critical" });
    const lines = JSON.stringify(miner?.evidence.lines);
    expect(lines).toContain("docker.io/xmrig/xmrig:6.21.0");
    expect(lines).toContain("stratum+tcp://pool.supportxmr.com:3333");

    // The safe twin: Kubeflow runs, but nothing is exposed and no miner runs.
    expect(on("kubeflow-dashboard-exposed", "aks-training-private")[0]?.status).toBe("pass");
    expect(on("crypto-miner-workload", "aks-training-private")[0]?.status).toBe("pass");
    expect(on("istio-ingress-public", "aks-training-private").every((d) => d.status !== "fail")).toBe(true);

    // The cluster whose add-on is off: a blind spot naming the missing Container Insights.
    const [blind] = on("audit-blind-spot", "aks-legacy-dashboard");
    expect(blind).toMatchObject({ status: "unknown" });
    expect(blind?.detail).toContain("Container Insights is off");
  });

  it("without Container Insights coverage, Kubeflow behind a public gateway is unknown, never a silent pass", async () => {
    const prod = byName("kubeflow-gpu-prod");
    logs.inject({ kind: "error", matching: "// Kubeflow presence", times: 3 });
    const inventory = await inventoryWith([
      exposure({
        scope: prod.scope,
        clusterId: prod.id,
        namespace: "istio-system",
        serviceName: "istio-ingressgateway",
      }),
    ]);
    expect(inventory.kubeflow).toEqual([]);
    const { drafts } = evaluateRules(ALL_RULES, inventory, { now: NOW, configs: new Map() });
    const verdict = drafts.find(
      (d) => d.ruleId === "kubeflow-dashboard-exposed" && d.clusterName === "kubeflow-gpu-prod",
    );
    expect(verdict).toMatchObject({ status: "unknown", severity: "high" });
    expect(verdict?.detail).toContain("no Container Insights data says whether Kubeflow runs behind it");
    const blind = drafts.filter(
      (d) => d.ruleId === "audit-blind-spot" && d.evidence.operation === "query-kubeflow-presence",
    );
    expect(blind.map((d) => d.evidence.source)).toEqual(Array(4).fill("container-insights"));
  });
});
