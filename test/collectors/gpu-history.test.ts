import { describe, expect, inject, it } from "vitest";
import { createGpuHistoryCollector } from "../../shared/collectors/gpu-history/gpu-history-collector.js";
import { historyPartitionKey } from "../../shared/collectors/gpu-history/history-rows.js";
import type { CollectContext } from "../../shared/engine/ports.js";
import { type ClusterRecord, mergeInventory } from "../../shared/model/inventory.js";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import type { EntityTable } from "../../shared/store/entity-table.js";
import { createMemoryTable, type MemoryTable } from "../../shared/store/memory-table.js";
import { gpuPool } from "../support/gpu.js";
import { allParts, cluster, uniqueTableName } from "../support/helpers.js";

const ACCOUNT = "210987654321";
const ARN = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/kubeflow-eks-gpu`;

function eks(desired: number, overrides: Partial<ClusterRecord> = {}): ClusterRecord {
  return cluster({
    cloud: "aws",
    scope: ACCOUNT,
    region: "us-east-1",
    id: ARN,
    name: "kubeflow-eks-gpu",
    nodePools: [
      gpuPool({ name: "system", machineTypes: ["m6i.large"], gpu: false, gpusPerNode: null, nodeCount: 2 }),
      gpuPool({
        name: "gpu-a10g",
        machineTypes: ["g5.12xlarge"],
        gpusPerNode: 4,
        nodeCount: desired,
        minCount: 0,
        maxCount: 12,
      }),
    ],
    ...overrides,
  });
}

function contextAt(time: string, clusters: ClusterRecord[]): CollectContext {
  const now = new Date(time);
  return { progress: () => {}, inventory: mergeInventory([{ clusters }], now), now };
}

const collectorOn = (table: EntityTable, historyHours = 21 * 24, retentionHours = 35 * 24) =>
  createGpuHistoryCollector({ table: async () => table, historyHours, retentionHours });

describe("EKS GPU history collector", () => {
  it("appends one row per GPU node group and hour, with encoded keys, and reads the lookback back as hourly points", async () => {
    const table = await createMemoryTable("gpuhistory");
    const collector = collectorOn(table);
    await collector.collect(contextAt("2026-11-28T07:10:00Z", [eks(2)]));
    await collector.collect(contextAt("2026-11-28T08:10:00Z", [eks(2)]));
    const part = allParts(await collector.collect(contextAt("2026-11-28T09:10:00Z", [eks(10)])));
    const rows = table.rows();
    expect(rows).toHaveLength(3);
    expect(rows[0]?.partitionKey).toBe(`aws|${ACCOUNT}|arn:aws:eks:us-east-1:${ACCOUNT}:cluster%2Fkubeflow-eks-gpu`);
    expect(rows.map((r) => r.rowKey)).toEqual([
      "2026-11-28T07|gpu-a10g",
      "2026-11-28T08|gpu-a10g",
      "2026-11-28T09|gpu-a10g",
    ]);
    expect(rows[2]).toMatchObject({
      nodegroup: "gpu-a10g",
      desiredSize: 10,
      minSize: 0,
      maxSize: 12,
      instanceTypes: "g5.12xlarge",
      gpusPerNode: 4,
      clusterName: "kubeflow-eks-gpu",
    });
    expect(part.gpuSeries).toEqual([
      {
        cloud: "aws",
        scope: ACCOUNT,
        clusterId: ARN,
        pool: "gpu-a10g",
        sku: "g5.12xlarge",
        gpusPerNode: 4,
        source: "eks-history",
        points: [
          { time: new Date("2026-11-28T07:00:00Z"), value: 2 },
          { time: new Date("2026-11-28T08:00:00Z"), value: 2 },
          { time: new Date("2026-11-28T09:00:00Z"), value: 10 },
        ],
      },
    ]);
    expect(part.coverage).toEqual([
      { cloud: "aws", scope: ACCOUNT, region: "us-east-1", clusterId: ARN, source: "gpu-history" },
    ]);
    expect(part.gaps).toEqual([]);
  });

  it("collapses runs within an hour to the hour's maximum, so a re-run never counts twice", async () => {
    const table = await createMemoryTable("gpuhistory");
    const collector = collectorOn(table);
    for (const [time, desired] of [
      ["2026-11-28T09:00:00Z", 3],
      ["2026-11-28T09:15:00Z", 7],
      ["2026-11-28T09:15:00Z", 7],
      ["2026-11-28T09:45:00Z", 4],
    ] as const)
      await collector.collect(contextAt(time, [eks(desired)]));
    const rows = table.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ desiredSize: 7, lastDesiredSize: 4, samples: 4 });
    const part = allParts(await collector.collect(contextAt("2026-11-28T09:50:00Z", [eks(4)])));
    expect(part.gpuSeries[0]?.points).toEqual([{ time: new Date("2026-11-28T09:00:00Z"), value: 7 }]);
  });

  it("covers clusters without GPU node groups without touching the table", async () => {
    let opened = 0;
    const collector = createGpuHistoryCollector({
      table: async () => {
        opened++;
        return createMemoryTable("gpuhistory");
      },
      historyHours: 24,
      retentionHours: 48,
    });
    const cpu = eks(0, { nodePools: [gpuPool({ name: "general", gpu: false, gpusPerNode: null })] });
    const part = allParts(await collector.collect(contextAt("2026-11-28T09:00:00Z", [cpu, cluster()])));
    expect(opened).toBe(0);
    expect(part.coverage).toHaveLength(1);
    expect(part.gpuSeries).toEqual([]);
  });

  it("turns a table that cannot be opened or read into a gpu-history gap, without coverage", async () => {
    const broken = createGpuHistoryCollector({
      table: async () => {
        throw new Error("table endpoint unreachable");
      },
      historyHours: 24,
      retentionHours: 48,
    });
    const part = allParts(await broken.collect(contextAt("2026-11-28T09:00:00Z", [eks(2)])));
    expect(part.coverage).toEqual([]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        cloud: "aws",
        scope: ACCOUNT,
        region: "us-east-1",
        clusterId: ARN,
        clusterName: "kubeflow-eks-gpu",
        operation: "open-gpu-history",
        source: "gpu-history",
        reason: expect.stringContaining("table endpoint unreachable"),
      }),
    ]);
    const unreadable = await createMemoryTable("gpuhistory", {
      beforeOperation: (op) => {
        if (op === "list") throw new Error("HTTP 503");
      },
    });
    const read = allParts(await collectorOn(unreadable).collect(contextAt("2026-11-28T09:00:00Z", [eks(2)])));
    expect(read.gaps).toEqual([expect.objectContaining({ operation: "read-gpu-history", source: "gpu-history" })]);
    expect(read.gpuSeries).toEqual([]);
  });

  it("still judges this run's sizes when the write fails, and says the history did not keep them", async () => {
    const table = await createMemoryTable("gpuhistory", {
      beforeOperation: (op) => {
        if (op === "submit") throw new Error("HTTP 403 AuthorizationPermissionMismatch");
      },
    });
    const part = allParts(await collectorOn(table).collect(contextAt("2026-11-28T09:00:00Z", [eks(5)])));
    expect(part.gaps).toEqual([expect.objectContaining({ operation: "write-gpu-history" })]);
    expect(part.coverage).toEqual([]);
    expect(part.gpuSeries[0]?.points).toEqual([{ time: new Date("2026-11-28T09:00:00Z"), value: 5 }]);
  });

  it("merges with a parallel writer of the same hour instead of overwriting it", async () => {
    let raced = false;
    const table: MemoryTable = await createMemoryTable("gpuhistory", {
      beforeOperation: async (op) => {
        if (op !== "submit" || raced) return;
        raced = true;
        // Another worker lands its row for the same hour between our read and our write.
        await table.submit([
          {
            kind: "create",
            row: {
              partitionKey: historyPartitionKey({ scope: ACCOUNT, id: ARN }),
              rowKey: "2026-11-28T09|gpu-a10g",
              nodegroup: "gpu-a10g",
              hour: new Date("2026-11-28T09:00:00Z"),
              desiredSize: 9,
              samples: 1,
            },
          },
        ]);
      },
    });
    const part = allParts(await collectorOn(table).collect(contextAt("2026-11-28T09:30:00Z", [eks(3)])));
    expect(part.gaps).toEqual([]);
    expect(table.rows()).toEqual([expect.objectContaining({ desiredSize: 9, lastDesiredSize: 3, samples: 2 })]);
    expect(part.gpuSeries[0]?.points).toEqual([{ time: new Date("2026-11-28T09:00:00Z"), value: 9 }]);
  });

  it("reads back only the lookback and deletes rows past the retention", async () => {
    const table = await createMemoryTable("gpuhistory");
    const collector = collectorOn(table, 24, 48);
    await collector.collect(contextAt("2026-11-25T09:00:00Z", [eks(2)]));
    await collector.collect(contextAt("2026-11-27T06:00:00Z", [eks(3)]));
    const part = allParts(await collector.collect(contextAt("2026-11-28T09:00:00Z", [eks(4)])));
    expect(part.gpuSeries[0]?.points.map((p) => p.value)).toEqual([4]);
    expect(table.rows().map((r) => r.rowKey)).toEqual(["2026-11-27T06|gpu-a10g", "2026-11-28T09|gpu-a10g"]);
  });

  it("works the same on Azure Table Storage (Azurite)", async () => {
    const { client, target } = createTableClient(
      { kind: "connectionString", connectionString: inject("azurite").connectionString },
      uniqueTableName("h"),
      { retryOptions: { maxRetries: 0 } },
    );
    const table = createAzureEntityTable(client, target);
    const collector = collectorOn(table);
    await collector.collect(contextAt("2026-11-28T08:05:00Z", [eks(2)]));
    await collector.collect(contextAt("2026-11-28T09:05:00Z", [eks(6)]));
    const part = allParts(await collector.collect(contextAt("2026-11-28T09:35:00Z", [eks(10)])));
    expect(part.gaps).toEqual([]);
    expect(part.gpuSeries[0]?.points).toEqual([
      { time: new Date("2026-11-28T08:00:00Z"), value: 2 },
      { time: new Date("2026-11-28T09:00:00Z"), value: 10 },
    ]);
  });
});
