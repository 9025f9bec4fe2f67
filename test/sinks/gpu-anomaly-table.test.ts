import { describe, expect, inject, it } from "vitest";
import type { GpuNodeSeries } from "../../shared/model/signals.js";
import { anomaliesOf } from "../../shared/sinks/gpu-anomalies.js";
import { createGpuAnomalySink } from "../../shared/sinks/gpu-anomaly-table.js";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import type { EntityTable } from "../../shared/store/entity-table.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import {
  demoGpuInventory,
  diurnalSeries,
  findingsOf,
  gpuPool,
  hourly,
  kubeflowCluster,
  kubeflowSeries,
  MINER_IMAGE,
  NOW,
} from "../support/gpu.js";
import { cluster, HOSTILE_STRINGS, testRun, uniqueTableName } from "../support/helpers.js";

const HOUR = 3_600_000;
const later = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
/** The Kubeflow series as a later run sees it: `extra` hourly points after the first three at 12. */
const seriesAfter = (extra: number[]): GpuNodeSeries => {
  const base = kubeflowSeries(3);
  const end = new Date(base.points.at(-1)?.time.getTime() ?? 0);
  return {
    ...base,
    points: [...base.points, ...extra.map((value, i) => ({ time: new Date(end.getTime() + (i + 1) * HOUR), value }))],
  };
};
const run = (id: string) => ({ ...testRun, runId: id });

async function write(table: EntityTable, series: GpuNodeSeries[], now: Date, runId = "run-1") {
  const findings = findingsOf(demoGpuInventory({ gpuSeries: series }), now);
  return createGpuAnomalySink(table, () => now).write({
    findings,
    inventory: demoGpuInventory(),
    run: run(runId),
  });
}

describe("FinOps GPU anomaly table", () => {
  it("holds the Kubeflow cluster's anomaly with its excess cost, and nothing for the diurnal twin", async () => {
    const table = await createMemoryTable("gpuanomalies");
    const result = await write(table, [kubeflowSeries(), diurnalSeries()], NOW);
    expect(result).toMatchObject({ sink: "gpu-anomalies", ok: true, delivered: 1, failed: 0 });
    const rows = table.rows();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.rowKey).toMatch(/^[0-9a-f]{40}$/);
    expect(row?.partitionKey).toBe("azure|4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31");
    expect(row).toMatchObject({
      cloud: "azure",
      scope: "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31",
      clusterName: "kubeflow-gpu-prod",
      clusterId: kubeflowCluster.id,
      pool: "gpua100",
      poolKind: "node pool",
      sku: "Standard_NC24ads_A100_v4",
      gpusPerNode: 1,
      baselineNodes: 2,
      peakNodes: 12,
      windowStart: new Date("2026-11-28T07:00:00Z"),
      windowEnd: new Date("2026-11-28T09:00:00Z"),
      excessNodeHours: 30,
      excessGpuHours: 30,
      estimatedExcessCost: 110.19,
      costPerHourAtPeak: 36.73,
      currency: "USD",
      pricePerNodeHour: 3.673,
      listPrice: true,
      state: "open",
      attackPath: true,
      severity: "critical",
      topImage: MINER_IMAGE,
      relatedRules: "istio-ingress-public,kubeflow-dashboard-exposed,crypto-miner-workload,api-server-public",
      firstRunId: "run-1",
      lastRunId: "run-1",
    });
    expect(String(row?.priceSource)).toContain("Azure Retail Prices API");
    expect(JSON.parse(String(row?.attribution)).top[0]).toMatchObject({ image: MINER_IMAGE, gpus: 10 });
    expect(JSON.parse(String(row?.relatedFindings))[0]).toMatchObject({ ruleId: "istio-ingress-public" });
  });

  it("updates the same row while the anomaly lasts, then marks it resolved", async () => {
    const table = await createMemoryTable("gpuanomalies");
    await write(table, [seriesAfter([])], NOW, "run-1");
    const key = table.rows()[0]?.rowKey;
    await write(table, [seriesAfter([12])], later(1), "run-2");
    expect(table.rows()).toEqual([
      expect.objectContaining({
        rowKey: key,
        windowEnd: new Date("2026-11-28T10:00:00Z"),
        excessNodeHours: 40,
        estimatedExcessCost: 146.92,
        state: "open",
        firstRunId: "run-1",
        lastRunId: "run-2",
      }),
    ]);
    await write(table, [seriesAfter([12, 2])], later(2), "run-3");
    expect(table.rows()[0]).toMatchObject({ state: "open", lastRunId: "run-2" });
    await write(table, [seriesAfter([12, 2, 2])], later(3), "run-4");
    expect(table.rows()).toEqual([
      expect.objectContaining({ rowKey: key, state: "resolved", attackPath: true, lastRunId: "run-4" }),
    ]);
    // A run that knows less (an older series) never moves the row back.
    const stale = await write(table, [seriesAfter([])], later(4), "run-5");
    expect(stale).toMatchObject({ ok: true, delivered: 0 });
    expect(table.rows()[0]).toMatchObject({ state: "resolved", lastRunId: "run-4" });
  });

  it("writes conditionally: a row changed between read and write is read again, not overwritten", async () => {
    let raced = false;
    const table = await createMemoryTable("gpuanomalies", {
      beforeOperation: async (op) => {
        if (op !== "submit" || raced || table.rows().length === 0) return;
        raced = true;
        const [row] = table.rows();
        if (row) await table.submit([{ kind: "merge", etag: row.etag, row: { ...row, note: "another writer" } }]);
      },
    });
    await write(table, [seriesAfter([])], NOW, "run-1");
    const result = await write(table, [seriesAfter([12])], later(1), "run-2");
    expect(result).toMatchObject({ ok: true, delivered: 1 });
    expect(table.rows()).toEqual([expect.objectContaining({ lastRunId: "run-2", excessNodeHours: 40 })]);
  });

  it("keeps untrusted names as values: keys are hex or an encoded scope", async () => {
    const table = await createMemoryTable("gpuanomalies");
    for (const [i, hostile] of HOSTILE_STRINGS.entries()) {
      const c = cluster({
        ...kubeflowCluster,
        id: `${kubeflowCluster.id}-${i}`,
        name: hostile,
        nodePools: [gpuPool({ name: hostile })],
      });
      const s: GpuNodeSeries = {
        ...kubeflowSeries(),
        clusterId: c.id,
        pool: hostile,
        attribution: [{ namespace: hostile, controller: hostile, image: hostile, gpus: 10 }],
      };
      const findings = findingsOf(demoGpuInventory({ clusters: [c], gpuSeries: [s] }));
      const result = await createGpuAnomalySink(table, () => NOW).write({
        findings,
        inventory: demoGpuInventory(),
        run: testRun,
      });
      expect(result.ok).toBe(true);
    }
    const rows = table.rows();
    expect(rows).toHaveLength(HOSTILE_STRINGS.length);
    for (const row of rows) {
      expect(row.rowKey).toMatch(/^[0-9a-f]{40}$/);
      expect(row.partitionKey).toBe("azure|4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31");
    }
    expect(rows.map((r) => r.pool).sort()).toEqual([...HOSTILE_STRINGS].sort());
    expect(rows.map((r) => r.topImage).sort()).toEqual([...HOSTILE_STRINGS].sort());
  });

  it("reports a failing table without throwing, and writes nothing when there is no anomaly", async () => {
    const broken = await createMemoryTable("gpuanomalies", {
      beforeOperation: (op) => {
        if (op === "get") throw new Error("HTTP 503 ServerBusy");
      },
    });
    const result = await write(broken, [kubeflowSeries()], NOW);
    expect(result).toMatchObject({ ok: false, delivered: 0, failed: 1 });
    expect(result.error).toContain("ServerBusy");
    let touched = false;
    const quiet = await createMemoryTable("gpuanomalies", {
      beforeOperation: () => {
        touched = true;
      },
    });
    expect(await write(quiet, [diurnalSeries()], NOW)).toMatchObject({ ok: true, delivered: 0 });
    expect(touched).toBe(false);
  });

  it("lists attack-path anomalies first, then open ones, then by cost", () => {
    const other = {
      ...kubeflowSeries(),
      pool: "second",
      points: hourly([...Array.from({ length: 336 }, () => 2), 20, 20]),
    };
    const c = cluster({ ...kubeflowCluster, nodePools: [gpuPool(), gpuPool({ name: "second" })] });
    const anomalies = anomaliesOf(
      findingsOf(demoGpuInventory({ clusters: [c], gpuSeries: [kubeflowSeries(), other] })),
    );
    expect(anomalies.map((a) => a.pool)).toEqual(["second", "gpua100"]);
    expect(anomalies.every((a) => a.attackPath)).toBe(true);
    const calm = anomaliesOf(
      findingsOf(
        demoGpuInventory({ clusters: [c], gpuSeries: [kubeflowSeries(), other], exposures: [], minerEvidence: [] }),
      ),
    );
    expect(calm.map((a) => [a.pool, a.attackPath])).toEqual([
      ["second", false],
      ["gpua100", false],
    ]);
  });

  it("writes the same row on Azure Table Storage (Azurite)", async () => {
    const { client, target } = createTableClient(
      { kind: "connectionString", connectionString: inject("azurite").connectionString },
      uniqueTableName("g"),
      { retryOptions: { maxRetries: 0 } },
    );
    const table = createAzureEntityTable(client, target);
    await write(table, [seriesAfter([])], NOW, "run-1");
    await write(table, [seriesAfter([12])], later(1), "run-2");
    const rows = [];
    for await (const row of table.list()) rows.push(row);
    expect(rows).toEqual([expect.objectContaining({ excessNodeHours: 40, state: "open", firstRunId: "run-1" })]);
    expect(rows[0]?.windowEnd).toEqual(new Date("2026-11-28T10:00:00Z"));
  });
});
