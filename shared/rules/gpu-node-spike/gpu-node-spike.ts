import type { ClusterRecord, NodePool } from "../../model/cluster.js";
import { DATA_SOURCES, type DataSource } from "../../model/coverage.js";
import type { Inventory } from "../../model/inventory.js";
import type { Rule, RuleContext, Verdict } from "../../model/rule.js";
import type { GpuAttribution, GpuNodeSeries } from "../../model/signals.js";
import { coveredFor, onCluster, onClusterOf, whereOf } from "../support.js";
import { analyseSeries, type SeriesAnalysis } from "./anomalies.js";
import { type GpuSpikeConfig, gpuSpikeConfig, gpuSpikeConfigOf } from "./config.js";
import type { GpuSpikeEvidence, RelatedFinding, SpikeAttribution, SpikeWindowEvidence } from "./evidence.js";
import { metadata } from "./metadata.js";

const TOP = 5;
const clip = (text: string, max = 120): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const when = (iso: string): string => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const money = (amount: number, currency: string): string => `${currency} ${amount.toFixed(2)}`;
const count = (n: number): string => String(Math.round(n * 100) / 100);

/** The data a verdict on this cloud read: Container Insights on AKS, the stored history on EKS. */
const telemetryOf = (cluster: ClusterRecord): DataSource =>
  cluster.cloud === "azure" ? DATA_SOURCES.containerInsights : DATA_SOURCES.gpuHistory;
const sourcesOf = (cluster: ClusterRecord): DataSource[] => [DATA_SOURCES.clusters, telemetryOf(cluster)];
const kindOf = (cluster: ClusterRecord): "node pool" | "node group" =>
  cluster.cloud === "azure" ? "node pool" : "node group";

function rankBy(items: readonly GpuAttribution[], key: (a: GpuAttribution) => string | null) {
  const sums = new Map<string, number>();
  for (const item of items) {
    const name = key(item);
    if (name) sums.set(name, (sums.get(name) ?? 0) + item.gpus);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP)
    .map(([name, gpus]) => ({ name, gpus }));
}

/** Who requested the GPUs: top workloads, and the same GPUs summed by namespace, controller and image. */
function attributionOf(series: GpuNodeSeries): SpikeAttribution | null {
  const items = series.attribution ?? [];
  if (items.length === 0) return null;
  const top = [...items].sort((a, b) => b.gpus - a.gpus).slice(0, TOP);
  return {
    top: top.map((a) => ({ namespace: a.namespace, controller: a.controller, image: a.image, gpus: a.gpus })),
    namespaces: rankBy(items, (a) => a.namespace),
    controllers: rankBy(items, (a) => (a.controller ? `${a.namespace}/${a.controller}` : null)),
    images: rankBy(items, (a) => a.image),
  };
}

interface Correlation {
  readonly attackPath: boolean;
  readonly related: RelatedFinding[];
  /** The steps before the GPU nodes, each naming its finding. */
  readonly steps: string[];
  /** The miner images seen on the cluster, to tie the attribution to them. */
  readonly minerImages: ReadonlySet<string>;
  readonly apiServerPublic: boolean;
}

/** Reads the exposure and miner verdicts of the same cluster: the open door, what ran behind it, the miner. */
function correlate(cluster: ClusterRecord, inventory: Inventory, context: RuleContext<GpuSpikeConfig>): Correlation {
  const failing = (ruleId: string) =>
    onClusterOf(context.verdictsOf(ruleId), cluster).filter((v) => v.status === "fail");
  const istio = failing("istio-ingress-public");
  const kubeflow = failing("kubeflow-dashboard-exposed");
  const dashboard = failing("k8s-dashboard-exposed");
  const minerVerdicts = failing("crypto-miner-workload");
  const api = failing("api-server-public");
  const miners = onClusterOf(inventory.minerEvidence, cluster);
  const related: RelatedFinding[] = [];
  const add = (ruleId: string, verdicts: readonly Verdict[]) => {
    for (const v of verdicts)
      related.push({ ruleId, subject: v.subject, severity: v.severity ?? "high", detail: clip(v.detail, 300) });
  };
  add("istio-ingress-public", istio);
  add("kubeflow-dashboard-exposed", kubeflow);
  add("k8s-dashboard-exposed", dashboard);
  add("crypto-miner-workload", minerVerdicts);
  add("api-server-public", api);

  const attackPath = istio.length > 0 || kubeflow.length > 0 || dashboard.length > 0 || minerVerdicts.length > 0;
  const hasMiner = minerVerdicts.length > 0 || miners.length > 0;
  const steps: string[] = [];
  const exposures: string[] = [];
  if (istio.length > 0)
    exposures.push(
      `Istio gateway ${istio.map((v) => clip(v.subject, 80)).join(", ")} is open to the internet (istio-ingress-public)`,
    );
  if (dashboard.length > 0)
    exposures.push(
      `the Kubernetes dashboard ${dashboard.map((v) => (v.subject === "addon" ? "add-on" : clip(v.subject, 80))).join(", ")} is exposed (k8s-dashboard-exposed)`,
    );
  // A public API server still needs credentials: it joins the path only when something ran behind a door.
  if (exposures.length === 0 && api.length > 0 && (attackPath || hasMiner))
    exposures.push("the API server is public (api-server-public)");
  if (exposures.length > 0) steps.push(exposures.join(" and "));
  if (kubeflow.length > 0) steps.push("Kubeflow is reachable through it (kubeflow-dashboard-exposed)");
  if (hasMiner) {
    const pods = [...new Set(miners.map((m) => `${m.namespace ?? "?"}/${m.pod ?? "?"}`))].map((p) => clip(p, 80));
    const image = miners.find((m) => m.image)?.image;
    steps.push(
      `miner evidence${image ? ` (${clip(image, 100)})` : ""}${pods.length > 0 ? ` in ${pods.slice(0, 2).join(", ")}${pods.length > 2 ? ` and ${pods.length - 2} more` : ""}` : ""} (crypto-miner-workload)`,
    );
  }
  return {
    attackPath: attackPath || hasMiner,
    related,
    steps,
    minerImages: new Set(miners.flatMap((m) => (m.image ? [m.image] : []))),
    apiServerPublic: api.length > 0,
  };
}

/** "rose from 2 to 12 <sku> nodes since …, N GPUs added, about …/h …, requested mostly by …". */
function spikeText(
  analysis: SeriesAnalysis,
  w: SpikeWindowEvidence,
  attribution: SpikeAttribution | null,
  minerImages: ReadonlySet<string>,
): string {
  const sku = analysis.sku ? ` ${analysis.sku}` : "";
  const measured = w.measure === "capacity" ? " (by GPU capacity)" : "";
  const span =
    w.state === "open" && w.quietHours === 0 ? `since ${when(w.start)}` : `from ${when(w.start)} to ${when(w.end)}`;
  const gpus = w.gpusAdded !== null ? `, ${count(w.gpusAdded)} GPUs added` : "";
  const cost = w.cost
    ? `, about ${money(w.cost.perHour, w.cost.currency)}/h${w.cost.listPrice ? " at list price" : ""} (${money(w.cost.amount, w.cost.currency)} so far)`
    : "";
  const top = attribution?.top[0];
  const by = top
    ? `, requested mostly by ${clip(top.namespace, 60)}/${clip(top.controller ?? "?", 60)}${top.image ? ` (${clip(top.image, 100)}${minerImages.has(top.image) ? ", the miner image" : ""})` : ""}`
    : "";
  return `rose from ${count(w.baselineNodes)} to ${count(w.peakNodes)}${sku} nodes${measured} ${span}${gpus}${cost}${by}`;
}

function evaluateCluster(
  cluster: ClusterRecord,
  inventory: Inventory,
  context: RuleContext<GpuSpikeConfig>,
): Verdict[] {
  // Tests and callers without settings pass no config: the defaults apply.
  const config = gpuSpikeConfigOf(context.config as unknown);
  const series = onClusterOf(inventory.gpuSeries, cluster).filter((s) => s.cloud === cluster.cloud);
  const poolsByName = new Map<string, NodePool>(cluster.nodePools.map((p) => [p.name, p]));
  const names = [
    ...new Set([...cluster.nodePools.filter((p) => p.gpu).map((p) => p.name), ...series.map((s) => s.pool)]),
  ];
  const where = whereOf(cluster);
  const base = { ...onCluster(cluster), sources: sourcesOf(cluster) };
  if (names.length === 0)
    return [
      {
        ...base,
        status: "pass",
        subject: "",
        detail: `Cluster ${cluster.name} in ${where} has no GPU ${kindOf(cluster)}s${cluster.cloud === "azure" ? " and no GPU nodes in its telemetry" : ""}.`,
        evidence: {},
      },
    ];

  const correlation = correlate(cluster, inventory, context);
  const covered = coveredFor(inventory, cluster, telemetryOf(cluster));
  const verdicts: Verdict[] = [];
  const unseenPools: string[] = [];
  for (const name of names) {
    const pool = poolsByName.get(name);
    const found = series.find((s) => s.pool === name);
    const label = `GPU ${kindOf(cluster)} ${clip(name, 80)} of cluster ${cluster.name} in ${where}`;
    if (!found?.points.some((p) => Number.isFinite(p.value))) {
      if (!covered) {
        unseenPools.push(name);
        continue;
      }
      verdicts.push({
        ...base,
        status: "pass",
        subject: name,
        detail: `${label} had no GPU nodes in the ${cluster.cloud === "azure" ? "telemetry" : "stored history"} over the last ${config.lookbackDays} days.`,
        evidence: { pool: name, poolKind: kindOf(cluster), nodes: 0 },
      });
      continue;
    }
    const analysis = analyseSeries({ series: found, pool, region: cluster.region, config, now: context.now });
    if (analysis.warmingUp) {
      verdicts.push({
        ...base,
        status: "unknown",
        severity: "info",
        subject: name,
        detail: `${label} has ${count(analysis.warmingUp.historyHours)} h of GPU node history; spikes are judged once it covers ${config.warmUpHours} h (from ${when(analysis.warmingUp.judgedFrom.toISOString())}).`,
        evidence: {
          pool: name,
          poolKind: kindOf(cluster),
          source: found.source,
          historyHours: analysis.warmingUp.historyHours,
          warmUpHours: config.warmUpHours,
          judgedFrom: analysis.warmingUp.judgedFrom.toISOString(),
        },
      });
      continue;
    }
    const open = analysis.windows.filter((w) => w.state === "open");
    const current = open.at(-1) ?? analysis.windows.at(-1) ?? null;
    const attribution = attributionOf(found);
    const critical = open.length > 0 && correlation.attackPath;
    const evidence: GpuSpikeEvidence = {
      pool: name,
      poolKind: kindOf(cluster),
      source: found.source,
      sku: analysis.sku,
      gpusPerNode: analysis.gpusPerNode,
      current,
      windows: [...analysis.windows],
      attribution,
      related: correlation.related,
      attackPath: critical,
      lookbackDays: config.lookbackDays,
      chart: analysis.chart,
    };
    if (open.length === 0 || !current) {
      const last = analysis.windows.at(-1);
      verdicts.push({
        ...base,
        status: "pass",
        subject: name,
        detail: `${label} stayed within its own baseline${analysis.latest ? ` (${count(analysis.latest.value)} nodes now)` : ""}${last ? `; its last spike (${count(last.baselineNodes)} → ${count(last.peakNodes)} nodes, ${when(last.start)} to ${when(last.end)}) resolved after ${count(last.quietHours)} h back under the threshold` : ` over the last ${config.lookbackDays} days`}.`,
        evidence,
      });
      continue;
    }
    const spike = spikeText(analysis, current, attribution, correlation.minerImages);
    const gpuStep = `GPU ${kindOf(cluster)} ${clip(name, 80)} ${spike} (gpu-node-spike)`;
    const detail = critical
      ? `Attack path on cluster ${cluster.name} in ${where}: ${[...correlation.steps, gpuStep].join(" → ")}.`
      : `${label} ${spike}; no public gateway, dashboard or miner evidence on the cluster${correlation.apiServerPublic ? " (its API server is public: api-server-public)" : ""}.`;
    verdicts.push({
      ...base,
      status: "fail",
      subject: name,
      severity: critical ? "critical" : metadata.severity,
      detail,
      evidence,
    });
  }
  if (unseenPools.length > 0)
    verdicts.push({
      ...base,
      status: "unknown",
      severity: "info",
      subject: "",
      detail: `Cluster ${cluster.name} in ${where} could not be checked for GPU spikes: no ${cluster.cloud === "azure" ? "Container Insights data" : "stored GPU history"} for ${kindOf(cluster)}s ${unseenPools.map((p) => clip(p, 80)).join(", ")}.`,
      evidence: { missing: telemetryOf(cluster), pools: unseenPools },
    });
  return verdicts;
}

/** Per cluster and GPU pool: a spike on its node count or GPU capacity, tied to the exposure that let it in. */
export const gpuNodeSpike: Rule<GpuSpikeConfig> = {
  metadata,
  config: gpuSpikeConfig,
  evaluate: (inventory, context) =>
    inventory.clusters.flatMap((cluster) => evaluateCluster(cluster, inventory, context)),
};
