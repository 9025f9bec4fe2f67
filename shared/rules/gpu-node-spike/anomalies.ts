/**
 * From one GPU node series to its spike windows, each with its excess node- and
 * GPU-hours, its estimated cost and whether it has resolved. Pure.
 */
import { DEFAULT_SPIKE_OPTIONS, detectSpikes, type Spike, type SpikeOptions } from "../../detect/spikes.js";
import type { NodePool } from "../../model/cluster.js";
import type { GpuNodeSeries, SeriesPoint } from "../../model/signals.js";
import { type GpuSpikeConfig, historyHoursOf } from "./config.js";
import type { SpikeChart, SpikeWindowEvidence } from "./evidence.js";
import { nodePrice, unpricedReason } from "./prices.js";

const HOUR = 3_600_000;
/** Timestamps may sit a little off their grid. */
const TOLERANCE = 5 * 60_000;
/** Chart points at most; a 60-day lookback at one hour is 1,440. */
const MAX_CHART_POINTS = 1_500;

export interface SeriesAnalysis {
  /** Set while the series is shorter than the warm-up: nothing in it is judged yet. */
  readonly warmingUp: { readonly historyHours: number; readonly judgedFrom: Date } | null;
  /** Windows that end within the lookback, oldest first. */
  readonly windows: readonly SpikeWindowEvidence[];
  readonly chart: SpikeChart | null;
  readonly latest: SeriesPoint | null;
  readonly gpusPerNode: number | null;
  readonly sku: string | null;
}

const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** In time order, one point per time (the highest), within (from, to]. */
function prepare(points: readonly SeriesPoint[], from: number, to: number): SeriesPoint[] {
  const byTime = new Map<number, number>();
  for (const p of points) {
    const t = p.time instanceof Date ? p.time.getTime() : Number.NaN;
    if (!Number.isFinite(t) || t <= from || t > to) continue;
    const v = Number.isFinite(p.value) ? p.value : Number.NaN;
    const seen = byTime.get(t);
    byTime.set(t, seen === undefined || Number.isNaN(seen) ? v : Number.isNaN(v) ? seen : Math.max(seen, v));
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ time: new Date(t), value }));
}

const valid = (points: readonly SeriesPoint[]): SeriesPoint[] => points.filter((p) => Number.isFinite(p.value));

/** The series' step: the median distance between consecutive valid points, one hour when it cannot tell. */
function stepMs(points: readonly SeriesPoint[]): number {
  const diffs: number[] = [];
  for (let i = 1; i < points.length; i++)
    diffs.push((points[i] as SeriesPoint).time.getTime() - (points[i - 1] as SeriesPoint).time.getTime());
  if (diffs.length === 0) return HOUR;
  diffs.sort((a, b) => a - b);
  return Math.max(60_000, diffs[diffs.length >> 1] as number);
}

/** GPUs per node from capacity ÷ nodes where both are known, when the SKU did not say. */
function estimateGpusPerNode(nodes: readonly SeriesPoint[], capacity: readonly SeriesPoint[]): number | null {
  const byTime = new Map(nodes.map((p) => [p.time.getTime(), p.value]));
  const ratios: number[] = [];
  for (const c of capacity) {
    const n = byTime.get(c.time.getTime());
    if (n !== undefined && n > 0 && Number.isFinite(c.value)) ratios.push(c.value / n);
  }
  if (ratios.length === 0) return null;
  ratios.sort((a, b) => a - b);
  const median = Math.round(ratios[ratios.length >> 1] as number);
  return median > 0 ? median : null;
}

/**
 * Σ max(0, value − baseline) × duration over the window's points. A point lasts until
 * the next one (the last as long as the one before), so a series sampled every three
 * hours that turns hourly in the spike counts each hour once.
 */
function excessOver(points: readonly SeriesPoint[], spike: Spike, fallbackStep: number): number {
  const from = spike.start.getTime();
  const to = spike.end.getTime();
  const inside = points.filter((p) => p.time.getTime() >= from && p.time.getTime() <= to && Number.isFinite(p.value));
  let sum = 0;
  for (let i = 0; i < inside.length; i++) {
    const p = inside[i] as SeriesPoint;
    const next = inside[i + 1];
    const previous = inside[i - 1];
    const duration = next
      ? next.time.getTime() - p.time.getTime()
      : previous
        ? p.time.getTime() - previous.time.getTime()
        : fallbackStep;
    sum += Math.max(0, p.value - spike.baseline) * duration;
  }
  return sum / HOUR;
}

const overlap = (a: Spike, b: Spike, slack: number): boolean =>
  a.start.getTime() - slack <= b.end.getTime() && b.start.getTime() - slack <= a.end.getTime();

function chartOf(points: readonly SeriesPoint[], from: number, step: number): SpikeChart | null {
  const inView = points.filter((p) => p.time.getTime() > from);
  const first = inView[0];
  const last = inView.at(-1);
  if (!first || !last) return null;
  const start = first.time.getTime();
  const length = Math.min(MAX_CHART_POINTS, Math.floor((last.time.getTime() - start + TOLERANCE) / step) + 1);
  const nodes: (number | null)[] = Array.from({ length }, () => null);
  for (const p of inView) {
    const i = Math.round((p.time.getTime() - start) / step);
    if (i >= 0 && i < length && Number.isFinite(p.value)) nodes[i] = Math.max(nodes[i] ?? 0, p.value);
  }
  return { start: first.time.toISOString(), stepMinutes: Math.round(step / 60_000), nodes };
}

export interface AnalyseInput {
  readonly series: GpuNodeSeries;
  readonly pool: NodePool | undefined;
  readonly region: string | null;
  readonly config: GpuSpikeConfig;
  readonly now: Date;
}

export function analyseSeries({ series, pool, region, config, now }: AnalyseInput): SeriesAnalysis {
  const to = now.getTime();
  const lookbackFrom = to - config.lookbackDays * 24 * HOUR;
  const historyFrom = to - historyHoursOf(config) * HOUR;
  const nodes = prepare(series.points, historyFrom, to);
  const capacity = prepare(series.capacity ?? [], historyFrom, to);
  const nodeValid = valid(nodes);
  const sku = series.sku ?? (pool && pool.machineTypes.length === 1 ? (pool.machineTypes[0] ?? null) : null);
  const gpusPerNode = series.gpusPerNode ?? pool?.gpusPerNode ?? estimateGpusPerNode(nodeValid, valid(capacity));
  const first = nodeValid[0];
  const latest = nodeValid.at(-1) ?? null;
  const empty = { windows: [], chart: null, latest, gpusPerNode, sku };
  if (!first || !latest) return { ...empty, warmingUp: { historyHours: 0, judgedFrom: now } };
  const historyHours = (latest.time.getTime() - first.time.getTime()) / HOUR;
  if (historyHours * HOUR < config.warmUpHours * HOUR - TOLERANCE)
    return {
      ...empty,
      warmingUp: {
        historyHours: round(historyHours, 1),
        judgedFrom: new Date(first.time.getTime() + config.warmUpHours * HOUR),
      },
    };

  const options: Partial<SpikeOptions> = { ...config.detector, warmUpHours: config.warmUpHours };
  const step = stepMs(nodeValid);
  const price = nodePrice(series.cloud, sku, region, config);
  const costMissing = price ? null : unpricedReason(series.cloud, sku);
  const windowOf = (
    spike: Spike,
    measure: "nodes" | "capacity",
    perNode: number,
    points: SeriesPoint[],
  ): SpikeWindowEvidence => {
    const excessUnits = excessOver(points, spike, stepMs(valid(points)));
    const baselineNodes = spike.baseline / perNode;
    const peakNodes = spike.peak / perNode;
    const excessNodeHours = excessUnits / perNode;
    const gpn = measure === "capacity" ? perNode : gpusPerNode;
    const lastValid = valid(points).at(-1)?.time.getTime() ?? spike.end.getTime();
    const quietHours = Math.max(0, (lastValid - spike.end.getTime()) / HOUR);
    const ongoing = spike.end.getTime() >= lastValid - TOLERANCE;
    const open = ongoing || quietHours * HOUR < config.resolveAfterHours * HOUR - TOLERANCE;
    return {
      start: spike.start.toISOString(),
      end: spike.end.toISOString(),
      state: open ? "open" : "resolved",
      measure,
      baselineNodes: round(baselineNodes),
      peakNodes: round(peakNodes),
      score: round(spike.score),
      gpusAdded: gpn === null ? null : round((peakNodes - baselineNodes) * gpn),
      excessNodeHours: round(excessNodeHours),
      excessGpuHours: gpn === null ? null : round(excessNodeHours * gpn),
      cost: price
        ? {
            amount: round(excessNodeHours * price.perNodeHour),
            perHour: round(Math.max(0, peakNodes - baselineNodes) * price.perNodeHour),
            pricePerNodeHour: price.perNodeHour,
            currency: price.currency,
            priceSource: price.source,
            listPrice: price.listPrice,
          }
        : null,
      costMissing,
      quietHours: round(quietHours, 1),
    };
  };

  const nodeSpikes = detectSpikes(nodes, options);
  const windows: SpikeWindowEvidence[] = nodeSpikes.map((s) => windowOf(s, "nodes", 1, nodes));
  // Capacity counts GPUs: the same rise, measured in GPUs, so one-node churn on 8-GPU nodes stays churn.
  const perNode = gpusPerNode ?? null;
  if (capacity.length > 0 && perNode !== null) {
    const base = { ...DEFAULT_SPIKE_OPTIONS, ...config.detector };
    const capacitySpikes = detectSpikes(capacity, {
      ...options,
      minIncrease: base.minIncrease * perNode,
      shortHistoryMaxFrom: base.shortHistoryMaxFrom * perNode,
      shortHistoryMinJump: base.shortHistoryMinJump * perNode,
    });
    for (const spike of capacitySpikes)
      if (!nodeSpikes.some((n) => overlap(n, spike, step)))
        windows.push(windowOf(spike, "capacity", perNode, capacity));
    windows.sort((a, b) => a.start.localeCompare(b.start));
  }
  const inLookback = windows.filter((w) => Date.parse(w.end) > lookbackFrom);
  return {
    warmingUp: null,
    windows: inLookback,
    chart: inLookback.length > 0 ? chartOf(nodes, lookbackFrom, step) : null,
    latest,
    gpusPerNode,
    sku,
  };
}
