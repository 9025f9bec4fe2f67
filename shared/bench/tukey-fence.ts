import type { Spike, SpikePoint } from "../detect/spikes.js";

/**
 * The benchmark's baseline: a small, faithful version of KQL's
 * `series_decompose_anomalies(series)` with its defaults (threshold 1.5, seasonality auto-detected,
 * trend `avg`, no test points, AD method `ctukey`), as a user would run it on a `make-series` of
 * hourly GPU node counts.
 *
 * 1. Regular series: the median step; missing and `NaN` bins filled linearly (`series_fill_linear`).
 * 2. Seasonality: KQL runs `series_periods_detect` (score threshold 0.6). Simplified here to two
 *    candidate periods, a day and a week, each scored by the autocorrelation at that lag (a week
 *    needs two full weeks of data); the better one wins if it scores at least 0.6, else none.
 * 3. Seasonal component: the median of the points at the same phase; trend: the average of the
 *    deseasonalised series; baseline = seasonal + trend; residual = series − baseline.
 * 4. `series_outliers` on the residual: with `ctukey` the fences come from the 10th and 90th
 *    percentiles, with `tukey` from Q1 and Q3; the score is the distance past a fence in units of
 *    that range, and a point is a rise anomaly when its score exceeds 1.5. With a zero range, any
 *    residual past the fence scores +∞.
 * 5. Windows: runs of consecutive rise anomalies.
 */
export type TukeyKind = "ctukey" | "tukey";

export interface TukeyOptions {
  readonly kind: TukeyKind;
  readonly threshold: number;
  readonly seasonalityThreshold: number;
}

export const DEFAULT_TUKEY_OPTIONS: Readonly<TukeyOptions> = Object.freeze({
  kind: "ctukey",
  threshold: 1.5,
  seasonalityThreshold: 0.6,
} satisfies TukeyOptions);

const HOUR = 3_600_000;

export function tukeySpikes(points: readonly SpikePoint[], options: Partial<TukeyOptions> = {}): Spike[] {
  const o = { ...DEFAULT_TUKEY_OPTIONS, ...options };
  const grid = regularSeries(points);
  if (!grid) return [];
  const { start, step, x } = grid;
  const n = x.length;
  const period = detectPeriod(x, step, o.seasonalityThreshold);
  const seasonal = new Float64Array(n);
  if (period > 0) {
    for (let phase = 0; phase < period; phase++) {
      const same: number[] = [];
      for (let i = phase; i < n; i += period) same.push(x[i] as number);
      const m = quantile(same, 0.5);
      for (let i = phase; i < n; i += period) seasonal[i] = m;
    }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (x[i] as number) - (seasonal[i] as number);
  const trend = sum / n;
  const residual = Array.from({ length: n }, (_, i) => (x[i] as number) - (seasonal[i] as number) - trend);
  const [lowP, highP] = o.kind === "ctukey" ? [0.1, 0.9] : [0.25, 0.75];
  const sorted = [...residual];
  const low = quantile(sorted, lowP);
  const high = quantile(sorted, highP);
  const range = high - low;
  const scoreOf = (r: number) => {
    if (r > high) return range > 0 ? (r - high) / range : Number.POSITIVE_INFINITY;
    if (r < low) return range > 0 ? (r - low) / range : Number.NEGATIVE_INFINITY;
    return 0;
  };

  const spikes: Spike[] = [];
  let from = -1;
  const close = (to: number) => {
    let peakAt = from;
    for (let i = from; i <= to; i++) if ((x[i] as number) > (x[peakAt] as number)) peakAt = i;
    spikes.push({
      start: new Date(start + from * step),
      end: new Date(start + to * step),
      peak: x[peakAt] as number,
      baseline: (seasonal[peakAt] as number) + trend,
      score: scoreOf(residual[peakAt] as number),
    });
    from = -1;
  };
  for (let i = 0; i < n; i++) {
    const rising = scoreOf(residual[i] as number) > o.threshold;
    if (rising && from < 0) from = i;
    if (!rising && from >= 0) close(i - 1);
  }
  if (from >= 0) close(n - 1);
  return spikes;
}

function regularSeries(points: readonly SpikePoint[]): { start: number; step: number; x: Float64Array } | null {
  if (points.length === 0) return null;
  const times = points.map((p) => p.time.getTime());
  const diffs: number[] = [];
  for (let i = 1; i < times.length; i++) diffs.push((times[i] as number) - (times[i - 1] as number));
  const step = diffs.length > 0 ? quantile(diffs, 0.5) : HOUR;
  const start = times[0] as number;
  const n = Math.round(((times.at(-1) as number) - start) / step) + 1;
  const x = new Float64Array(n).fill(Number.NaN);
  points.forEach((p, i) => {
    if (Number.isFinite(p.value)) x[Math.round(((times[i] as number) - start) / step)] = p.value;
  });
  fillLinear(x);
  return { start, step, x };
}

function fillLinear(x: Float64Array): void {
  const known: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i] as number)) known.push(i);
  if (known.length === 0) {
    x.fill(0);
    return;
  }
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isNaN(x[i] as number)) continue;
    while (k < known.length && (known[k] as number) < i) k++;
    const right = known[k];
    const left = known[k - 1];
    if (left === undefined) x[i] = x[right as number] as number;
    else if (right === undefined) x[i] = x[left] as number;
    else x[i] = (x[left] as number) + (((x[right] as number) - (x[left] as number)) * (i - left)) / (right - left);
  }
}

function detectPeriod(x: Float64Array, step: number, threshold: number): number {
  let best = 0;
  let bestScore = threshold;
  for (const hours of [24, 168]) {
    const lag = Math.round((hours * HOUR) / step);
    if (lag < 2 || x.length < 2 * lag) continue;
    const score = autocorrelation(x, lag);
    if (score >= bestScore) {
      best = lag;
      bestScore = score;
    }
  }
  return best;
}

function autocorrelation(x: Float64Array, lag: number): number {
  const m = x.length - lag;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < m; i++) {
    meanA += x[i] as number;
    meanB += x[i + lag] as number;
  }
  meanA /= m;
  meanB /= m;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < m; i++) {
    const a = (x[i] as number) - meanA;
    const b = (x[i + lag] as number) - meanB;
    cov += a * b;
    varA += a * a;
    varB += b * b;
  }
  return varA > 0 && varB > 0 ? cov / Math.sqrt(varA * varB) : 0;
}

/** Linear-interpolation quantile (sorts `values` in place). */
function quantile(values: number[], q: number): number {
  values.sort((a, b) => a - b);
  const pos = (values.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (values[lo] as number) + ((values[hi] as number) - (values[lo] as number)) * (pos - lo);
}
