import { describe, expect, it } from "vitest";
import {
  chunk,
  planWorkspaces,
  type ResourceGraphQuery,
  resolveWorkspaceGuids,
} from "../../../shared/collectors/log-analytics/workspaces.js";
import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import { resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import { loadTelemetry, workspaceResourceGraphRows } from "../../../shared/fakes/telemetry.js";
import { DEMO_TELEMETRY_PATH } from "../../../shared/paths.js";
import { cluster } from "../../support/helpers.js";

const NOW = new Date("2026-11-28T10:00:00Z");
const SUB_A = "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31";
const SUB_B = "c2d4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f";
const EAST = `/subscriptions/${SUB_A}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-aks-eastus`;
const WEST = `/subscriptions/${SUB_B}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-aks-westeurope`;

/** A Resource Graph over these rows with the real KQL semantics (the interpreter), scoped to the subscriptions asked for. */
function resourceGraphOver(rows: Record<string, unknown>[]) {
  const calls: { query: string; subscriptions: readonly string[] }[] = [];
  const query: ResourceGraphQuery = async function* (text, subscriptions) {
    calls.push({ query: text, subscriptions });
    const inScope = rows.filter((r) => subscriptions.includes(String(r.subscriptionId).toLowerCase()));
    const resources = { columns: resourceGraphSchema.tables.resources ?? {}, rows: inScope };
    const result = runKql(
      text,
      { resources, resourcecontainers: { columns: {}, rows: [] } },
      {
        now: NOW,
        tableNamesCaseInsensitive: true,
      },
    );
    for (const row of result.rows) yield Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]));
  };
  return { query, calls };
}

async function workspaceRows() {
  const rows = workspaceResourceGraphRows(await loadTelemetry(DEMO_TELEMETRY_PATH()));
  return [
    ...rows,
    // Not a workspace: the type filter leaves it out.
    {
      id: `/subscriptions/${SUB_A}/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st1`,
      type: "microsoft.storage/storageaccounts",
      subscriptionId: SUB_A,
      properties: { customerId: "nope" },
    },
  ];
}

const onWorkspace = (name: string, workspace: string | null, sub = SUB_A) =>
  cluster({
    id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    scope: sub,
    logAnalyticsWorkspaceId: workspace?.toLowerCase() ?? null,
    addons: workspace ? [{ name: "omsagent", enabled: true }] : [{ name: "omsagent", enabled: false }],
  });

describe("workspace resolution", () => {
  it("resolves add-on workspace ARM IDs to GUIDs with one Resource Graph query, whatever their casing", async () => {
    const arg = resourceGraphOver(await workspaceRows());
    const resolved = await resolveWorkspaceGuids([EAST.toLowerCase(), WEST.toUpperCase()], arg.query);
    expect(resolved).toEqual(
      new Map([
        [EAST.toLowerCase(), "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"],
        [WEST.toLowerCase(), "7a2b3c4d-5e6f-4071-9b8c-0d1e2f3a4b5c"],
      ]),
    );
    expect(arg.calls).toHaveLength(1);
    expect(arg.calls[0]?.subscriptions).toEqual([SUB_A, SUB_B]);
    expect(arg.calls[0]?.query).toContain("microsoft.operationalinsights/workspaces");
  });

  it("groups clusters by workspace GUID, at most 100 workspaces per group", async () => {
    const arg = resourceGraphOver(await workspaceRows());
    const plan = await planWorkspaces(
      [onWorkspace("a", EAST), onWorkspace("b", EAST.toUpperCase()), onWorkspace("c", WEST, SUB_B)],
      { configured: [], resourceGraph: arg.query },
    );
    expect(plan.gaps).toEqual([]);
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0]?.workspaces).toEqual([
      "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
      "7a2b3c4d-5e6f-4071-9b8c-0d1e2f3a4b5c",
    ]);
    expect(plan.groups[0]?.clusters.map((c) => c.name)).toEqual(["a", "b", "c"]);

    const many = Array.from({ length: 250 }, (_, i) => {
      const guid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const id = `/subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w${i}`;
      return {
        row: {
          id,
          type: "microsoft.operationalinsights/workspaces",
          subscriptionId: SUB_A,
          properties: { customerId: guid },
        },
        id,
      };
    });
    const big = await planWorkspaces(
      many.map((w, i) => onWorkspace(`c${i}`, w.id)),
      { configured: [], resourceGraph: resourceGraphOver(many.map((w) => w.row)).query },
    );
    expect(big.groups.map((g) => g.workspaces.length)).toEqual([100, 100, 50]);
    expect(big.groups.map((g) => g.clusters.length)).toEqual([100, 100, 50]);
  });

  it("records a gap for an add-on that is off, a workspace Resource Graph does not show, and a failed resolution", async () => {
    const arg = resourceGraphOver(await workspaceRows());
    const gone = `/subscriptions/${SUB_A}/resourceGroups/rg-old/providers/Microsoft.OperationalInsights/workspaces/law-deleted`;
    const plan = await planWorkspaces([onWorkspace("off", null), onWorkspace("gone", gone), onWorkspace("ok", EAST)], {
      configured: [],
      resourceGraph: arg.query,
    });
    expect(plan.gaps.map((g) => [g.clusterName, g.operation, g.code, g.source])).toEqual([
      ["off", "read-container-insights", "ContainerInsightsDisabled", "container-insights"],
      ["gone", "resolve-log-analytics-workspace", "WorkspaceNotFound", "container-insights"],
    ]);
    expect(plan.gaps[0]?.reason).toContain("Container Insights is off");
    expect(plan.groups[0]?.clusters.map((c) => c.name)).toEqual(["ok"]);

    const failing: ResourceGraphQuery = async function* () {
      yield* [];
      throw Object.assign(new Error("throttled"), { statusCode: 429, code: "RateLimiting" });
    };
    const failed = await planWorkspaces([onWorkspace("ok", EAST)], { configured: [], resourceGraph: failing });
    expect(failed.groups).toEqual([]);
    expect(failed.gaps).toMatchObject([{ operation: "resolve-log-analytics-workspace", code: "RateLimiting" }]);
  });

  it("without a Resource Graph reader, names the missing resolution; configured GUIDs are used as they are", async () => {
    const seam = await planWorkspaces([onWorkspace("ok", EAST)], { configured: [], resourceGraph: null });
    expect(seam.groups).toEqual([]);
    expect(seam.gaps).toMatchObject([{ code: "NoResourceGraph", clusterName: "ok" }]);
    expect(seam.gaps[0]?.reason).toContain("AUDIT_LOG_ANALYTICS_WORKSPACES");

    const configured = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const plan = await planWorkspaces([onWorkspace("ok", EAST), onWorkspace("off", null)], {
      configured,
      resourceGraph: null,
    });
    expect(plan.gaps).toEqual([]);
    expect(plan.groups.map((g) => [g.workspaces.length, g.clusters.length])).toEqual([
      [100, 2],
      [1, 2],
    ]);
  });

  it("chunks", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 100)).toEqual([]);
  });
});
