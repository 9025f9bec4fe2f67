import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { evaluateRules } from "../../shared/engine/evaluate.js";
import type { Inventory, NodePool } from "../../shared/model/inventory.js";
import type { GpuNodeSeries } from "../../shared/model/signals.js";
import { GPU_SPIKE_DEFAULTS, type GpuSpikeConfig, gpuSpikeConfig } from "../../shared/rules/gpu-node-spike/config.js";
import { readGpuSpikeEvidence } from "../../shared/rules/gpu-node-spike/evidence.js";
import { gpuNodeSpike } from "../../shared/rules/gpu-node-spike/gpu-node-spike.js";
import { nodePrice, PRICE_TABLE } from "../../shared/rules/gpu-node-spike/prices.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import {
  demoGpuInventory,
  gpuPool,
  hourly,
  kubeflowCluster,
  kubeflowSeries,
  MINER_IMAGE,
  NOW,
} from "../support/gpu.js";
import { cluster, HOSTILE_STRINGS, inventoryOf, ruleContext } from "../support/helpers.js";

/** The real engine's evaluation: dependencies first, their verdicts handed over. */
function evaluate(inventory: Inventory, config: Partial<GpuSpikeConfig> = {}, now = NOW) {
  const configs = new Map<string, unknown>([["gpu-node-spike", { ...GPU_SPIKE_DEFAULTS, ...config }]]);
  return evaluateRules(ALL_RULES, inventory, { now, configs }).drafts.filter((d) => d.ruleId === "gpu-node-spike");
}
const on = (name: string, drafts: ReturnType<typeof evaluate>) => drafts.filter((d) => d.clusterName === name);

describe("gpu-node-spike on the demo's telemetry", () => {
  it("is critical on the Kubeflow cluster: 2 → 12 A100 nodes behind a public Istio gateway, with the miner on top", () => {
    const [v, ...rest] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory()));
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ status: "fail", severity: "critical" });
    // One sentence: exposure → Kubeflow → miner → GPU nodes, with the cost per hour.
    expect(v?.detail).toMatch(/^Attack path on cluster kubeflow-gpu-prod in subscription 4f8c2a1e-.*\.$/);
    const steps = v?.detail.split(" → ") ?? [];
    expect(steps).toHaveLength(4);
    expect(steps[0]).toContain(
      "Istio gateway istio-system/istio-ingressgateway is open to the internet (istio-ingress-public)",
    );
    expect(steps[1]).toContain("Kubeflow is reachable through it (kubeflow-dashboard-exposed)");
    expect(steps[2]).toContain(
      `miner evidence (${MINER_IMAGE}) in kubeflow-user/notebook-miner-0 (crypto-miner-workload)`,
    );
    expect(steps[3]).toContain(
      "GPU node pool gpua100 rose from 2 to 12 Standard_NC24ads_A100_v4 nodes since 2026-11-28 07:00 UTC",
    );
    expect(steps[3]).toContain("about USD 36.73/h at list price");
    expect(steps[3]).toContain("the miner image");

    const evidence = readGpuSpikeEvidence(v?.evidence ?? {});
    expect(evidence).toMatchObject({
      pool: "gpua100",
      poolKind: "node pool",
      sku: "Standard_NC24ads_A100_v4",
      gpusPerNode: 1,
      attackPath: true,
      current: {
        state: "open",
        measure: "nodes",
        baselineNodes: 2,
        peakNodes: 12,
        gpusAdded: 10,
        start: "2026-11-28T07:00:00.000Z",
        end: "2026-11-28T09:00:00.000Z",
        excessNodeHours: 30,
        excessGpuHours: 30,
        cost: { amount: 110.19, perHour: 36.73, pricePerNodeHour: 3.673, currency: "USD", listPrice: true },
      },
    });
    expect(evidence?.current?.cost?.priceSource).toMatch(
      /^list price eastus \(Azure Retail Prices API.*compiled 2026-12-01/,
    );
    expect(evidence?.attribution?.top[0]).toMatchObject({ image: MINER_IMAGE, gpus: 10, namespace: "kubeflow-user" });
    expect(evidence?.attribution?.images[0]).toEqual({ name: MINER_IMAGE, gpus: 10 });
    expect(evidence?.related.map((r) => r.ruleId)).toEqual([
      "istio-ingress-public",
      "kubeflow-dashboard-exposed",
      "crypto-miner-workload",
      "api-server-public",
    ]);
    // The chart covers the lookback at one point per hour.
    expect(evidence?.chart?.stepMinutes).toBe(60);
    expect(evidence?.chart?.nodes.length).toBe(14 * 24);
    expect(evidence?.chart?.nodes.at(-1)).toBe(12);
    expect(v?.sources).toEqual(["clusters", "container-insights"]);
  });

  it("shows no spike on the diurnal twin, peaking now as it does every day", () => {
    const [v, ...rest] = on("aks-training-private", evaluate(demoGpuInventory()));
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ status: "pass" });
    expect(v?.detail).toContain("stayed within its own baseline (10 nodes now)");
    expect(readGpuSpikeEvidence(v?.evidence ?? {})?.windows).toEqual([]);
  });

  it("is high, saying so, when nothing on the cluster explains how the GPUs came", () => {
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ exposures: [], minerEvidence: [], kubeflow: [] })));
    expect(v).toMatchObject({ status: "fail", severity: "high" });
    expect(v?.detail).toMatch(
      /^GPU node pool gpua100 of cluster kubeflow-gpu-prod in subscription .* rose from 2 to 12/,
    );
    expect(v?.detail).toContain(
      "no public gateway, dashboard or miner evidence on the cluster (its API server is public: api-server-public)",
    );
    expect(readGpuSpikeEvidence(v?.evidence ?? {})?.attackPath).toBe(false);
  });

  it("is critical with miner evidence alone, the public API server standing in for the door", () => {
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ exposures: [], kubeflow: [] })));
    expect(v).toMatchObject({ status: "fail", severity: "critical" });
    expect(v?.detail.split(" → ")[0]).toContain("the API server is public (api-server-public)");
  });
});

describe("gpu-node-spike resolution", () => {
  it("stays open while the series has been back under the threshold for less than resolveAfterHours", () => {
    const series = kubeflowSeries(3, [2]);
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [series] })));
    expect(v).toMatchObject({ status: "fail" });
    expect(v?.detail).toContain("from 2026-11-28 06:00 UTC to 2026-11-28 08:00 UTC");
    expect(readGpuSpikeEvidence(v?.evidence ?? {})?.current).toMatchObject({ state: "open", quietHours: 1 });
  });

  it("resolves after resolveAfterHours back under the threshold, and keeps the window as evidence", () => {
    const series = kubeflowSeries(3, [2, 2]);
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [series] })));
    expect(v).toMatchObject({ status: "pass" });
    expect(v?.detail).toContain("its last spike (2 → 12 nodes");
    expect(v?.detail).toContain("resolved after 2 h back under the threshold");
    const evidence = readGpuSpikeEvidence(v?.evidence ?? {});
    expect(evidence?.windows).toEqual([expect.objectContaining({ state: "resolved", excessNodeHours: 30 })]);
    expect(evidence?.chart?.nodes.at(-1)).toBe(2);
    // A longer resolveAfterHours keeps it open.
    const [longer] = on(
      "kubeflow-gpu-prod",
      evaluate(demoGpuInventory({ gpuSeries: [series] }), { resolveAfterHours: 6 }),
    );
    expect(longer?.status).toBe("fail");
  });

  it("still flags a miner back a week later at the same hour: the first visit never becomes the baseline", () => {
    const week = 7 * 24;
    const values = [
      ...Array.from({ length: 2 * week - 3 }, () => 2),
      12,
      12,
      12,
      ...Array.from({ length: week - 2 }, () => 2),
      12,
      12,
    ];
    const series: GpuNodeSeries = { ...kubeflowSeries(), points: hourly(values) };
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [series] })));
    expect(v).toMatchObject({ status: "fail", severity: "critical" });
    const windows = readGpuSpikeEvidence(v?.evidence ?? {})?.windows ?? [];
    expect(windows.map((w) => [w.state, w.peakNodes])).toEqual([
      ["resolved", 12],
      ["open", 12],
    ]);
  });

  it("forgets windows that ended before the lookback", () => {
    const series = kubeflowSeries(
      3,
      Array.from({ length: 5 * 24 }, () => 2),
    );
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [series] }), { lookbackDays: 3 }));
    expect(v).toMatchObject({ status: "pass" });
    expect(readGpuSpikeEvidence(v?.evidence ?? {})?.windows).toEqual([]);
  });
});

describe("gpu-node-spike without enough data", () => {
  const short: GpuNodeSeries = { ...kubeflowSeries(), points: hourly([2, 2, 2, 2, 12, 12]) };

  it("is unknown (info) while the history is shorter than the warm-up, and says when it will judge", () => {
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [short] })));
    expect(v).toMatchObject({ status: "unknown", severity: "info", evidence: { pool: "gpua100" } });
    expect(v?.detail).toContain("has 5 h of GPU node history; spikes are judged once it covers 168 h");
  });

  it("judges a short series at once with warmUpHours 0: a jump of 8 or more from at most 2 nodes", () => {
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [short] }), { warmUpHours: 0 }));
    expect(v).toMatchObject({ status: "fail", severity: "critical" });
  });

  it("raises one informational blind spot per cluster for pools without telemetry, and passes covered empty pools", () => {
    const unseen = evaluate(inventoryOf([kubeflowCluster]));
    expect(unseen).toEqual([expect.objectContaining({ status: "unknown", severity: "info" })]);
    expect(unseen[0]?.detail).toContain("no Container Insights data for node pools gpua100");
    const covered = evaluate(demoGpuInventory({ gpuSeries: [] }));
    expect(on("kubeflow-gpu-prod", covered)).toEqual([
      expect.objectContaining({ status: "pass", evidence: expect.objectContaining({ pool: "gpua100" }) }),
    ]);
  });

  it("passes a cluster without GPU pools", () => {
    const [v] = evaluate(inventoryOf([cluster()]));
    expect(v).toMatchObject({ status: "pass", evidence: {} });
    expect(v?.detail).toContain("has no GPU node pools");
  });
});

describe("gpu-node-spike capacity", () => {
  const eightGpu = cluster({
    ...kubeflowCluster,
    nodePools: [gpuPool({ name: "nd", machineTypes: ["Standard_ND96asr_v4"], gpusPerNode: 8 })],
  });
  const series = (nodes: number[], capacity: number[]): GpuNodeSeries => ({
    ...kubeflowSeries(),
    pool: "nd",
    sku: "Standard_ND96asr_v4",
    gpusPerNode: 8,
    attribution: [],
    points: hourly(nodes),
    capacity: hourly(capacity),
  });
  const steady = Array.from({ length: 14 * 24 }, () => 1);

  it("treats one more 8-GPU node as churn, in GPUs as in nodes", () => {
    const s = series([...steady, 2, 2, 2], [...steady.map(() => 8), 16, 16, 16]);
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ clusters: [eightGpu], gpuSeries: [s] })));
    expect(v?.status).toBe("pass");
  });

  it("reports a capacity rise the node count does not show, converted to nodes", () => {
    const s = series([...steady, 1, 1, 1], [...steady.map(() => 8), 32, 32, 32]);
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ clusters: [eightGpu], gpuSeries: [s] })));
    expect(v).toMatchObject({ status: "fail" });
    expect(readGpuSpikeEvidence(v?.evidence ?? {})?.current).toMatchObject({
      measure: "capacity",
      baselineNodes: 1,
      peakNodes: 4,
      gpusAdded: 24,
      excessGpuHours: 72,
      excessNodeHours: 9,
    });
    expect(v?.detail).toContain("(by GPU capacity)");
  });
});

describe("gpu-node-spike on EKS", () => {
  const arn = "arn:aws:eks:us-east-1:210987654321:cluster/kubeflow-eks-gpu";
  const eks = cluster({
    cloud: "aws",
    scope: "210987654321",
    region: "us-east-1",
    id: arn,
    name: "kubeflow-eks-gpu",
    nodePools: [gpuPool({ name: "gpu-a10g", machineTypes: ["g5.12xlarge"], gpusPerNode: 4 })],
  });
  const history = (values: number[]): GpuNodeSeries => ({
    cloud: "aws",
    scope: "210987654321",
    clusterId: arn,
    pool: "gpu-a10g",
    sku: "g5.12xlarge",
    gpusPerNode: 4,
    source: "eks-history",
    points: hourly(values),
  });
  const covered = [
    {
      cloud: "aws" as const,
      scope: "210987654321",
      region: "us-east-1",
      clusterId: arn,
      source: "gpu-history" as const,
    },
  ];

  it("fails on a node group that grew from 2 to 10, priced at the on-demand list price", () => {
    const steady = Array.from({ length: 8 * 24 }, () => 2);
    const [v] = evaluate(inventoryOf([eks], { coverage: covered, gpuSeries: [history([...steady, 10, 10])] }));
    expect(v).toMatchObject({ status: "fail", severity: "high", cloud: "aws" });
    expect(v?.detail).toContain(
      "GPU node group gpu-a10g of cluster kubeflow-eks-gpu in account 210987654321 (us-east-1) rose from 2 to 10 g5.12xlarge nodes",
    );
    expect(v?.detail).toContain("32 GPUs added");
    expect(v?.detail).toContain("about USD 45.38/h at list price");
    expect(v?.sources).toEqual(["clusters", "gpu-history"]);
  });

  it("raises the blind spot once for the cluster when the history could not be read", () => {
    const verdicts = evaluate(inventoryOf([eks]));
    expect(verdicts).toEqual([expect.objectContaining({ status: "unknown", severity: "info" })]);
    expect(verdicts[0]?.detail).toContain("no stored GPU history for node groups gpu-a10g");
  });
});

describe("gpu-node-spike untrusted names", () => {
  it("keeps hostile pool names and attribution as data in the evidence", () => {
    const hostile = HOSTILE_STRINGS[7];
    const pool: NodePool = gpuPool({ name: hostile });
    const c = cluster({ ...kubeflowCluster, nodePools: [pool] });
    const s: GpuNodeSeries = {
      ...kubeflowSeries(),
      pool: hostile,
      attribution: HOSTILE_STRINGS.map((h, i) => ({ namespace: h, controller: h, image: h, gpus: 10 - i })),
    };
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ clusters: [c], gpuSeries: [s] })));
    expect(v).toMatchObject({ status: "fail" });
    const evidence = readGpuSpikeEvidence(v?.evidence ?? {});
    expect(evidence?.pool).toBe(hostile);
    expect(evidence?.attribution?.top.map((a) => a.image)).toEqual(HOSTILE_STRINGS.slice(0, 5));
  });
});

describe("gpu-node-spike config and prices", () => {
  it("declares its dependencies on the exposure and miner rules", () => {
    expect(gpuNodeSpike.metadata.dependsOn).toEqual([
      "api-server-public",
      "istio-ingress-public",
      "kubeflow-dashboard-exposed",
      "k8s-dashboard-exposed",
      "crypto-miner-workload",
    ]);
  });

  it("has documented defaults and rejects bad values with the field named", () => {
    expect(gpuSpikeConfig.defaults).toMatchObject({ lookbackDays: 14, resolveAfterHours: 2, warmUpHours: 168 });
    expect(gpuSpikeConfig.parse({ lookbackDays: 7 })).toMatchObject({ lookbackDays: 7, warmUpHours: 168 });
    expect(() => gpuSpikeConfig.parse({ lookbackDays: 0 })).toThrow(/lookbackDays/);
    expect(() => gpuSpikeConfig.parse({ prices: { "g5.xlarge": -1 } })).toThrow(/prices/);
    expect(() => gpuSpikeConfig.parse({ detector: { minRatio: -1 } })).toThrow(/detector: spike option minRatio/);
    expect(() => gpuSpikeConfig.parse({ detector: { nope: 1 } })).toThrow(/unknown spike option nope/);
    expect(() => gpuSpikeConfig.parse({ lookback: 3 })).toThrow(/lookback/);
  });

  it("is read from AUDIT_RULE_CONFIG, and a bad value stops the run with the problem named", () => {
    const env = { AUDIT_TABLE_CONNECTION_STRING: "UseDevelopmentStorage=true" };
    const settings = loadSettings({
      ...env,
      AUDIT_RULE_CONFIG: JSON.stringify({ "gpu-node-spike": { lookbackDays: 21, prices: { "g5.12xlarge": 4 } } }),
    });
    expect(settings.ruleConfigs.get("gpu-node-spike")).toMatchObject({
      lookbackDays: 21,
      prices: { "g5.12xlarge": 4 },
    });
    expect(() =>
      loadSettings({ ...env, AUDIT_RULE_CONFIG: JSON.stringify({ "gpu-node-spike": { warmUpHours: "a week" } }) }),
    ).toThrow(/AUDIT_RULE_CONFIG.gpu-node-spike: warmUpHours/);
  });

  it("prices by configuration first, then by the dated list, and says which", () => {
    const none = { prices: {}, priceCurrency: "USD" };
    expect(nodePrice("azure", "standard_nc24ads_a100_v4", "eastus", none)).toMatchObject({
      perNodeHour: 3.673,
      listPrice: true,
    });
    expect(nodePrice("azure", "Standard_NC24ads_A100_v4", "westeurope", none)?.source).toContain(
      "list price eastus, applied to westeurope",
    );
    const configured = { prices: { Standard_NC24ads_A100_v4: { westeurope: 4.2, "*": 3.9 } }, priceCurrency: "EUR" };
    expect(nodePrice("azure", "Standard_NC24ads_A100_v4", "westeurope", configured)).toMatchObject({
      perNodeHour: 4.2,
      currency: "EUR",
      listPrice: false,
      source: "configured price (AUDIT_RULE_CONFIG, westeurope)",
    });
    expect(nodePrice("azure", "Standard_NC24ads_A100_v4", "eastus", configured)?.perNodeHour).toBe(3.9);
    expect(nodePrice("aws", "p5.4xlarge", "us-east-1", none)).toBeNull();
    expect(nodePrice("aws", null, "us-east-1", none)).toBeNull();
  });

  it("leaves the cost out, saying why, for a SKU without a price", () => {
    const s: GpuNodeSeries = { ...kubeflowSeries(), sku: "Standard_ND96isr_H200_v5" };
    const [v] = on("kubeflow-gpu-prod", evaluate(demoGpuInventory({ gpuSeries: [s] })));
    const current = readGpuSpikeEvidence(v?.evidence ?? {})?.current;
    expect(current?.cost).toBeNull();
    expect(current?.costMissing).toContain("not known to the author");
    const [priced] = on(
      "kubeflow-gpu-prod",
      evaluate(demoGpuInventory({ gpuSeries: [s] }), { prices: { Standard_ND96isr_H200_v5: 100 } }),
    );
    expect(readGpuSpikeEvidence(priced?.evidence ?? {})?.current?.cost).toMatchObject({
      perHour: 1000,
      listPrice: false,
    });
  });

  it("prices or explains every GPU SKU of the data tables", () => {
    const keys = (path: string, pattern: RegExp) =>
      [...readFileSync(new URL(`../../shared/collectors/${path}`, import.meta.url), "utf8").matchAll(pattern)].map(
        (m) => m[1] as string,
      );
    const azure = keys("azure/gpu-vm-sizes.ts", /^\s+(n\w+): \d+,$/gm).map((k) => `standard_${k}`);
    const aws = keys("aws/gpu-instance-types.ts", /^\s+"([a-z0-9-]+\.[a-z0-9]+)": \d+,$/gm);
    for (const family of ["g5", "g6", "g6e"])
      for (const size of ["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "12xlarge", "24xlarge", "48xlarge"])
        aws.push(`${family}.${size}`);
    expect(azure.length).toBeGreaterThan(25);
    expect(aws.length).toBeGreaterThan(50);
    const known = (cloud: "azure" | "aws") =>
      new Set(
        [...Object.keys(PRICE_TABLE[cloud].prices), ...Object.keys(PRICE_TABLE[cloud].unpriced)].map((k) =>
          k.toLowerCase(),
        ),
      );
    for (const sku of azure) expect(known("azure"), sku).toContain(sku);
    for (const sku of aws) expect(known("aws"), sku).toContain(sku);
  });
});

describe("gpu-node-spike purity", () => {
  it("does not mutate its input and gives the same verdicts twice", () => {
    const inventory = demoGpuInventory();
    const frozen = structuredClone(inventory);
    const context = ruleContext({ now: NOW, config: GPU_SPIKE_DEFAULTS });
    const a = gpuNodeSpike.evaluate(inventory, context);
    const b = gpuNodeSpike.evaluate(inventory, context);
    expect(a).toEqual(b);
    expect(inventory).toEqual(frozen);
  });
});
