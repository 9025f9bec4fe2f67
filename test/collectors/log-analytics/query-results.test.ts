import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_QUERY_OPTIONS, type Signal, signalQuery } from "../../../shared/collectors/log-analytics/queries.js";
import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import type { KqlTableData } from "../../../shared/fakes/kql/types.js";
import { generateTelemetry, loadTelemetry, type WorkspaceTables } from "../../../shared/fakes/telemetry.js";
import { DEMO_TELEMETRY_PATH } from "../../../shared/paths.js";

// The queries' semantics, run by the KQL interpreter over the demo estate's telemetry (the real table shapes).

const NOW = new Date("2026-11-28T10:20:00Z");
const SUB1 =
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters";
const PROD = `${SUB1}/kubeflow-gpu-prod`.toLowerCase();
const TWIN = `${SUB1}/aks-training-private`.toLowerCase();
const LEGACY =
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml-legacy/providers/Microsoft.ContainerService/managedClusters/aks-legacy-dashboard".toLowerCase();
const WEU =
  "/subscriptions/c2d4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f/resourceGroups/rg-platform/providers/Microsoft.ContainerService/managedClusters/aks-ingress-weu".toLowerCase();
const ALL = [PROD, TWIN, LEGACY, WEU];

let tables: Record<string, KqlTableData>;

function merge(workspaces: Iterable<WorkspaceTables>): Record<string, KqlTableData> {
  const merged: Record<string, { columns: KqlTableData["columns"]; rows: Record<string, unknown>[] }> = {};
  for (const ws of workspaces)
    for (const [name, table] of Object.entries(ws)) {
      const target = merged[name] ?? { columns: table.columns, rows: [] };
      target.rows.push(...table.rows);
      merged[name] = target;
    }
  return merged;
}

beforeAll(async () => {
  tables = merge(generateTelemetry(await loadTelemetry(DEMO_TELEMETRY_PATH()), { now: NOW }).values());
});

function rows(signal: Signal, clusters: readonly string[] = ALL): Record<string, unknown>[] {
  const { query } = signalQuery(signal, clusters, DEFAULT_QUERY_OPTIONS);
  const result = runKql(query, tables, { now: NOW });
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
}

const byCluster = (list: Record<string, unknown>[], cluster: string) => list.filter((r) => r.ClusterKey === cluster);

describe("heartbeat", () => {
  it("hears from every monitored cluster, tells the workspace, and not from the one with the add-on off", () => {
    const heard = rows("heartbeat");
    expect(heard.map((r) => [r.ClusterKey, r.Workspace, r.Nodes]).sort()).toEqual(
      [
        [PROD, "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", 15],
        [TWIN, "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", 11],
        [WEU, "7a2b3c4d-5e6f-4071-9b8c-0d1e2f3a4b5c", 3],
      ].sort(),
    );
  });

  it("asks only about the clusters it is given", () => {
    expect(rows("heartbeat", [WEU]).map((r) => r.ClusterKey)).toEqual([WEU]);
  });
});

describe("kubeflow-presence", () => {
  it("finds the control plane on both Kubeflow clusters, by namespace and component, and nothing elsewhere", () => {
    const found = rows("kubeflow-presence");
    expect(found.map((r) => r.ClusterKey).sort()).toEqual([TWIN, PROD].sort());
    const prod = byCluster(found, PROD)[0];
    expect(prod?.Namespaces).toEqual(["kubeflow"]);
    expect([...((prod?.Components as string[]) ?? [])].sort()).toEqual([
      "centraldashboard",
      "jupyter-web-app",
      "ml-pipeline",
      "notebook-controller",
      "profiles",
    ]);
    expect(((prod?.Pods ?? []) as string[]).some((p) => p.startsWith("centraldashboard-"))).toBe(true);
  });
});

describe("istio-gateways", () => {
  it("finds LoadBalancer Services whose selector marks an Istio gateway, whatever their name", () => {
    const found = rows("istio-gateways");
    expect(found.map((r) => [r.ClusterKey, `${r.Namespace}/${r.ServiceName}`, r.MatchedSelector]).sort()).toEqual([
      [PROD, "istio-system/istio-ingressgateway", "app=istio-ingressgateway"],
      [PROD, "istio-system/kubeflow-gw", "istio=ingressgateway"],
    ]);
    // The twin's gateway is ClusterIP, knative-local-gateway is internal, ingress-nginx is not Istio.
    expect(byCluster(found, TWIN)).toEqual([]);
    expect(byCluster(found, WEU)).toEqual([]);
    expect(JSON.parse(String(byCluster(found, PROD)[1]?.SelectorLabels))).toEqual([
      { app: "kubeflow-gw", istio: "ingressgateway" },
    ]);
  });
});

describe("miner-evidence", () => {
  it("finds the xmrig image, the stratum URL, the pool, the binary and the log lines, only on the exposed cluster", () => {
    const found = rows("miner-evidence");
    expect(new Set(found.map((r) => r.ClusterKey))).toEqual(new Set([PROD]));
    const kinds = new Map(found.map((r) => [`${r.Kind}|${r.Indicator}`, r]));
    expect([...kinds.keys()].sort()).toEqual(
      [
        "image|xmrig",
        "command|stratum+tcp://",
        "pool-host|supportxmr.com",
        "binary|xmrig",
        "pool-port|:3333",
        "log-line|new job from",
        "log-line|accepted (",
        "log-line|speed 10s/60s/15m",
        "log-line|h/s max",
        "log-line|use pool stratum",
      ].sort(),
    );
    const image = kinds.get("image|xmrig");
    expect(image).toMatchObject({ Namespace: "anonymous", Container: "worker", Image: "docker.io/xmrig/xmrig:6.21.0" });
    expect(String(image?.Pod)).toMatch(/^analyst-gpu-job-/);
    expect(kinds.get("command|stratum+tcp://")?.Excerpt).toMatch(
      /^\[xmrig -o stratum\+tcp:\/\/pool\.supportxmr\.com:3333 /,
    );
    expect(kinds.get("log-line|new job from")).toMatchObject({
      Image: "docker.io/xmrig/xmrig:6.21.0",
      Excerpt: expect.stringContaining("new job from pool.supportxmr.com:3333"),
    });
    // Ten replicas, each with its own evidence, first seen when the Deployment started five hours ago.
    expect(new Set(found.map((r) => r.Pod)).size).toBe(10);
    const first = Math.min(...found.map((r) => (r.FirstSeen as Date).getTime()));
    expect(new Date(first).toISOString()).toBe("2026-11-28T05:25:00.000Z");
  });

  it("does not take an ordinary 'order accepted' log line or a busy web server for a miner", () => {
    expect(rows("miner-evidence", [WEU, TWIN])).toEqual([]);
  });
});

describe("gpu-nodes", () => {
  it("counts distinct nodes per hour (the agent writes each node twice an hour here), per GPU pool", () => {
    const found = rows("gpu-nodes");
    expect(found.map((r) => [r.ClusterKey, r.Pool, r.VmSize]).sort()).toEqual(
      [
        [PROD, "gpua100", "Standard_NC24ads_A100_v4"],
        [TWIN, "gput4", "Standard_NC4as_T4_v3"],
      ].sort(),
    );
    const prod = byCluster(found, PROD)[0];
    const points = new Map(
      ((prod?.Points ?? []) as [Date, number][]).map(([t, n]) => [new Date(t).toISOString(), n] as const),
    );
    expect(points.size).toBe(14 * 24 + 1);
    expect(points.get("2026-11-28T10:00:00.000Z")).toBe(12);
    expect(points.get("2026-11-28T06:00:00.000Z")).toBe(12);
    expect(points.get("2026-11-28T05:00:00.000Z")).toBe(2);
    expect(points.get("2026-11-20T10:00:00.000Z")).toBe(2);
    expect(((prod?.ReportedHours ?? []) as unknown[]).length).toBe(14 * 24 + 1);
  });

  it("shows the twin's T4 pool at its daily peak now, and at the same hours every day", () => {
    const twin = byCluster(rows("gpu-nodes"), TWIN)[0];
    const points = new Map(
      ((twin?.Points ?? []) as [Date, number][]).map(([t, n]) => [new Date(t).toISOString(), n] as const),
    );
    for (const day of ["2026-11-28", "2026-11-27", "2026-11-21", "2026-11-15"]) {
      expect(points.get(`${day}T07:00:00.000Z`)).toBe(8);
      expect(points.get(`${day}T10:00:00.000Z`)).toBe(8);
      expect(points.get(`${day}T06:00:00.000Z`)).toBe(2);
    }
    expect(points.get("2026-11-27T12:00:00.000Z")).toBe(8);
    expect(points.get("2026-11-27T13:00:00.000Z")).toBe(2);
  });
});

describe("gpu-capacity", () => {
  it("sums nodeGpuCapacity over the pool's nodes per hour", () => {
    const prod = byCluster(rows("gpu-capacity"), PROD)[0];
    expect(prod?.Pool).toBe("gpua100");
    const points = new Map(
      ((prod?.Points ?? []) as [Date, number][]).map(([t, n]) => [new Date(t).toISOString(), n] as const),
    );
    expect(points.get("2026-11-28T10:00:00.000Z")).toBe(12);
    expect(points.get("2026-11-27T10:00:00.000Z")).toBe(2);
  });
});

describe("gpu-attribution", () => {
  it("puts the miner's image first: who asked for the GPUs in the recent window", () => {
    const prod = byCluster(rows("gpu-attribution"), PROD);
    expect(prod[0]).toMatchObject({
      Pool: "gpua100",
      Namespace: "anonymous",
      Image: "docker.io/xmrig/xmrig:6.21.0",
      Gpus: 10,
    });
    expect(String(prod[0]?.Controller)).toMatch(/^ReplicaSet\/analyst-gpu-job-/);
    expect(prod[1]).toMatchObject({
      Namespace: "ml-team",
      Controller: "StatefulSet/bert-finetune",
      Image: "nvcr.io/nvidia/pytorch:24.05-py3",
      Gpus: 2,
    });
    expect(byCluster(rows("gpu-attribution"), TWIN)[0]).toMatchObject({
      Namespace: "kubeflow-user-data-science",
      Gpus: 2,
    });
  });
});
