import { describe, expect, it } from "vitest";
import { createGpuHistoryCollector } from "../../shared/collectors/gpu-history/gpu-history-collector.js";
import { type Collector, STAGES } from "../../shared/engine/ports.js";
import { type RunReport, runAudit } from "../../shared/engine/run-audit.js";
import type { ClusterRecord } from "../../shared/model/inventory.js";
import { GPU_SPIKE_DEFAULTS, historyHoursOf } from "../../shared/rules/gpu-node-spike/config.js";
import { readGpuSpikeEvidence } from "../../shared/rules/gpu-node-spike/evidence.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { anomaliesOf } from "../../shared/sinks/gpu-anomalies.js";
import { createGpuAnomalySink } from "../../shared/sinks/gpu-anomaly-table.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import { gpuPool } from "../support/gpu.js";
import { cluster } from "../support/helpers.js";
import { memoryStore, recordingNotifier } from "../support/memory-store.js";

const HOUR = 3_600_000;
const ACCOUNT = "210987654321";
const ARN = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/kubeflow-eks-gpu`;
const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

function eks(desired: number): ClusterRecord {
  return cluster({
    cloud: "aws",
    scope: ACCOUNT,
    region: "us-east-1",
    id: ARN,
    name: "kubeflow-eks-gpu",
    // A private endpoint: the spike stands alone, with no exposure to tie it to.
    apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null },
    nodePools: [
      gpuPool({ name: "gpu-a10g", machineTypes: ["g5.12xlarge"], gpusPerNode: 4, nodeCount: desired, maxCount: 12 }),
    ],
  });
}

/** The EKS listing as the EKS collector would return it, with the node group's desired size of the moment. */
function eksListing(): Collector & { desired: number } {
  const c = {
    id: "eks",
    cloud: "aws" as const,
    stage: STAGES.primary,
    desired: 2,
    collect: async () => ({
      clusters: [eks(c.desired)],
      coverage: [
        { cloud: "aws" as const, scope: ACCOUNT, region: "us-east-1", clusterId: null, source: "clusters" as const },
      ],
    }),
  };
  return c;
}

async function harness(config = GPU_SPIKE_DEFAULTS) {
  const memory = await memoryStore();
  const history = await createMemoryTable("gpuhistory");
  const anomalies = await createMemoryTable("gpuanomalies");
  const listing = eksListing();
  const slack = recordingNotifier("slack");
  let now = new Date("2026-11-20T00:10:00Z");
  const clock = () => now;
  const collectors = [
    listing,
    createGpuHistoryCollector({
      table: async () => history,
      historyHours: historyHoursOf(config),
      retentionHours: 35 * 24,
    }),
  ];
  const run = (): Promise<RunReport> =>
    runAudit(
      {
        collectors,
        rules: ALL_RULES,
        ruleConfigs: new Map([["gpu-node-spike", config]]),
        store: memory.store(),
        notifiers: [slack],
        reportSinks: [createGpuAnomalySink(anomalies, clock)],
        minNotifySeverity: "high",
        clock,
        log: quietLog,
      },
      { trigger: "test", notify: true },
    );
  /** One timer run now, with the node group at `desired`. */
  const runWith = (desired: number): Promise<RunReport> => {
    listing.desired = desired;
    return run();
  };
  const tick = (hours: number) => {
    now = new Date(now.getTime() + hours * HOUR);
  };
  return { runWith, tick, history, anomalies, slack };
}

const spikeOf = (report: RunReport) => report.findings.find((f) => f.ruleId === "gpu-node-spike");

describe("EKS GPU node group spike from the stored history (real engine, moving clock)", () => {
  it("raises gpu-node-spike when a node group grows from 2 to 10 across runs, and the FinOps row follows it", async () => {
    const { runWith, tick, history, anomalies, slack } = await harness();
    // The first run has no history: warming up, not judged.
    expect(spikeOf(await runWith(2))).toMatchObject({ status: "unknown", severity: "info" });
    // A week and a half at 2 nodes, one run every three hours: judged once it covers the warm-up, and fine.
    let report: RunReport | undefined;
    for (let i = 0; i < 60; i++) {
      tick(3);
      report = await runWith(2);
    }
    expect(spikeOf(report as RunReport)?.status).toBe("pass");
    expect(history.rows()).toHaveLength(61);

    // The miner's autoscaling: 10 nodes, seen by two hourly runs.
    tick(3);
    expect(spikeOf(await runWith(10))?.status).toBe("pass");
    tick(1);
    const finding = spikeOf(await runWith(10));
    expect(finding).toMatchObject({
      status: "fail",
      severity: "high",
      state: "new",
      cloud: "aws",
      clusterName: "kubeflow-eks-gpu",
    });
    expect(finding?.detail).toContain(
      "GPU node group gpu-a10g of cluster kubeflow-eks-gpu in account 210987654321 (us-east-1) rose from 2 to 10 g5.12xlarge nodes",
    );
    expect(readGpuSpikeEvidence(finding?.evidence ?? {})?.current).toMatchObject({
      state: "open",
      baselineNodes: 2,
      peakNodes: 10,
      gpusAdded: 32,
      excessNodeHours: 16,
      excessGpuHours: 64,
      cost: { amount: 90.75, perHour: 45.38, currency: "USD" },
    });
    expect(slack.sent.flat().some((n) => n.finding.ruleId === "gpu-node-spike" && n.intent.kind === "new")).toBe(true);
    expect(anomalies.rows()).toEqual([
      expect.objectContaining({
        cloud: "aws",
        pool: "gpu-a10g",
        poolKind: "node group",
        state: "open",
        excessNodeHours: 16,
      }),
    ]);
    const key = anomalies.rows()[0]?.rowKey;

    // A re-run within the same hour counts nothing twice.
    tick(0.5);
    expect(spikeOf(await runWith(10))?.status).toBe("fail");
    expect(history.rows()).toHaveLength(63);
    expect(anomalies.rows()).toEqual([expect.objectContaining({ rowKey: key, excessNodeHours: 16 })]);

    // The anomaly grows for another hour (the same row), then the node group is back at 2.
    tick(0.5);
    await runWith(10);
    expect(anomalies.rows()).toEqual([expect.objectContaining({ rowKey: key, excessNodeHours: 24, state: "open" })]);
    tick(1);
    expect(spikeOf(await runWith(2))).toMatchObject({ status: "fail", state: "open" });
    tick(1);
    const back = await runWith(2);
    expect(spikeOf(back)).toMatchObject({ status: "pass", state: "resolved" });
    expect(anomalies.rows()).toEqual([
      expect.objectContaining({ rowKey: key, state: "resolved", excessNodeHours: 24 }),
    ]);
    expect(slack.sent.flat().some((n) => n.finding.ruleId === "gpu-node-spike" && n.intent.kind === "resolved")).toBe(
      true,
    );
    expect(anomaliesOf(back.findings)).toHaveLength(1);
  });

  it("judges from the first runs with warmUpHours 0: a jump of 8 from 2 nodes counts at once", async () => {
    const { runWith, tick } = await harness({ ...GPU_SPIKE_DEFAULTS, warmUpHours: 0 });
    for (let i = 0; i < 3; i++) {
      expect(spikeOf(await runWith(2))?.status).toBe("pass");
      tick(1);
    }
    await runWith(10);
    tick(1);
    expect(spikeOf(await runWith(10))).toMatchObject({ status: "fail", severity: "high" });
  });
});
