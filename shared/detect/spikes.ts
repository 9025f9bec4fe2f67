/**
 * GPU spike detector: finds the hours when a cluster's GPU node count rises above what its own
 * recent history explains at that hour of the week (with some slack) by at least
 * max(`minIncrease` nodes, `minRatio`), for at least `minDurationHours`.
 *
 * How a point is judged, using only the points up to it:
 * - What history explains is the highest value within ±`slackHours` of the same hour of day on
 *   each of the last `dailyLookbackDays` days (daily autoscaling, in any timezone) and of the same
 *   hour of week in each of the last `weeklyLookbackWeeks` weeks (weekly jobs). One-node churn and
 *   slow growth stay under the required rise, so they need no allowance of their own.
 * - Points inside spike windows already found are left out of that history, so a spike never
 *   explains a later one (a miner back next week at the same hour is still a spike).
 * - With under `shortHistoryHours` of history, only a jump of `shortHistoryMinJump` nodes from a
 *   pool at or under `shortHistoryMaxFrom` nodes counts (measured from the median of the points
 *   so far), and it must also clear whatever same-hour history there already is.
 *
 * Times, not indices, drive everything, so any regular step works and missing points are simply
 * absent. The detector is pure and causal: a prefix of the series yields the windows of the whole
 * series cut at the prefix's end.
 */

/** One point of a GPU node-count series. `NaN` marks a known gap. */
export interface SpikePoint {
  readonly time: Date;
  readonly value: number;
}

/** One spike window. */
export interface Spike {
  /** Time of the first point of the window. */
  start: Date;
  /** Time of the last point of the window; for an ongoing spike, the latest point that rose. */
  end: Date;
  /** Highest value in the window. */
  peak: number;
  /**
   * What history explained at the peak (the first peak point, if the peak repeats); with short
   * history, the median of the points before it when the jump rule was the tighter test.
   */
  baseline: number;
  /**
   * Rise at the peak over `baseline`, in units of the rise that was required there
   * (max(`minIncrease`, `minRatio` × baseline), or `shortHistoryMinJump` with short history).
   * Always ≥ 1: a window is made of points that cleared their threshold.
   */
  score: number;
}

/** Tuning of {@link detectSpikes}. Every field is optional when passed; see {@link DEFAULT_SPIKE_OPTIONS}. */
export interface SpikeOptions {
  /** Smallest rise in nodes above what history explains. Default 2. */
  readonly minIncrease: number;
  /** Smallest rise as a fraction of what history explains (0.5 = 50 %); a rise must clear both. Default 0.5. */
  readonly minRatio: number;
  /** A window spans at least this long from its first to its last point (two hourly points). Default 1. */
  readonly minDurationHours: number;
  /** History is looked up this many hours either side of the same hour of day or week. Default 1. */
  readonly slackHours: number;
  /** Days of same-hour-of-day history. Default 7. */
  readonly dailyLookbackDays: number;
  /** Weeks of same-hour-of-week history. Default 4. */
  readonly weeklyLookbackWeeks: number;
  /** Below this much history (from the first valid point), only a large jump from near zero counts. Default 48. */
  readonly shortHistoryHours: number;
  /** With short history, the pool must have been at or under this many nodes. Default 2. */
  readonly shortHistoryMaxFrom: number;
  /** With short history, the rise must be at least this many nodes. Default 8. */
  readonly shortHistoryMinJump: number;
  /**
   * Two points that rose stay in one window across missing or `NaN` points while they are at most
   * this many hours apart (3: up to two missing hourly points). Default 3.
   */
  readonly maxGapHours: number;
  /**
   * Points in the first hours of the series only serve as history and are never judged. Default 0,
   * for a series that begins with the cluster. A series that begins later should set a week (168):
   * otherwise the first daily rise from near zero or weekly run it holds is reported, and, as spikes
   * never become history, so is every later one.
   */
  readonly warmUpHours: number;
}

/** The defaults of {@link SpikeOptions}. */
export const DEFAULT_SPIKE_OPTIONS: Readonly<SpikeOptions> = Object.freeze({
  minIncrease: 2,
  minRatio: 0.5,
  minDurationHours: 1,
  slackHours: 1,
  dailyLookbackDays: 7,
  weeklyLookbackWeeks: 4,
  shortHistoryHours: 48,
  shortHistoryMaxFrom: 2,
  shortHistoryMinJump: 8,
  maxGapHours: 3,
  warmUpHours: 0,
} satisfies SpikeOptions);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// Timestamps may sit a little off their grid (timer ticks, ingestion).
const TOLERANCE = 5 * 60_000;
// Integer node counts against fractional levels (medians).
const EPSILON = 1e-9;

interface Verdict {
  readonly elevated: boolean;
  readonly baseline: number;
  readonly score: number;
}

interface Run {
  readonly indices: number[];
  confirmed: boolean;
}

/**
 * Finds GPU spike windows in a time-ordered series. Never mutates `points`.
 * @throws RangeError when a time is invalid or not later than the one before, or an option is out of range.
 */
export function detectSpikes(points: readonly SpikePoint[], options: Partial<SpikeOptions> = {}): Spike[] {
  const o = resolveOptions(options);
  const n = points.length;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const point = points[i] as SpikePoint;
    const t = point.time instanceof Date ? point.time.getTime() : Number.NaN;
    if (!Number.isFinite(t)) throw new RangeError(`point ${i} has no valid time`);
    if (i > 0 && t <= (times[i - 1] as number)) throw new RangeError(`point ${i} is not later than point ${i - 1}`);
    times[i] = t;
    values[i] = Number.isFinite(point.value) ? point.value : Number.NaN;
  }

  const slack = o.slackHours * HOUR + TOLERANCE;
  const lags: number[] = [];
  for (let d = 1; d <= o.dailyLookbackDays; d++) lags.push(d * DAY);
  // A week ago is also seven days ago: look it up once.
  for (let w = 1; w <= o.weeklyLookbackWeeks; w++) if (w * WEEK > o.dailyLookbackDays * DAY) lags.push(w * WEEK);
  // One cursor per lag: the lag's window only moves forward as the scan does.
  const cursors = new Int32Array(lags.length);

  const inWindow = new Uint8Array(n);
  const baselines = new Float64Array(n);
  const scores = new Float64Array(n);
  const spikes: Spike[] = [];
  let firstValid = -1;
  let lastExplained = Number.NaN;
  let run: Run | null = null;

  const closeRun = () => {
    if (run?.confirmed) spikes.push(windowOf(run.indices, times, values, baselines, scores));
    run = null;
  };

  // Highest same-hour value of day or week outside spikes; NaN when there is none.
  const historyLevel = (i: number): number => {
    const t = times[i] as number;
    let level = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < lags.length; l++) {
      const lag = lags[l] as number;
      let j = cursors[l] as number;
      while (j < i && (times[j] as number) < t - lag - slack) j++;
      cursors[l] = j;
      for (; j < i && (times[j] as number) <= t - lag + slack; j++) {
        const v = values[j] as number;
        if (!Number.isNaN(v) && inWindow[j] === 0 && v > level) level = v;
      }
    }
    return level === Number.NEGATIVE_INFINITY ? Number.NaN : level;
  };

  // Median of the earlier points that are neither in a spike nor in the run being built.
  const medianBefore = (i: number, since: number): number => {
    const runStart = run ? (run.indices[0] as number) : i;
    const pool: number[] = [];
    for (let j = i - 1; j >= 0 && (times[j] as number) >= since; j--) {
      const v = values[j] as number;
      if (!Number.isNaN(v) && inWindow[j] === 0 && j < runStart) pool.push(v);
    }
    return median(pool);
  };

  const judge = (i: number): Verdict | null => {
    const t = times[i] as number;
    const v = values[i] as number;
    const age = t - (times[firstValid] as number);
    if (age < o.warmUpHours * HOUR - TOLERANCE) return null;
    const explained = historyLevel(i);
    if (age < o.shortHistoryHours * HOUR - TOLERANCE) {
      const from = medianBefore(i, Number.NEGATIVE_INFINITY);
      if (Number.isNaN(from)) return null;
      const jump = (v - from) / o.shortHistoryMinJump;
      const jumped = from <= o.shortHistoryMaxFrom + EPSILON && jump >= 1 - EPSILON;
      if (Number.isNaN(explained)) return { elevated: jumped, baseline: from, score: jump };
      const rise = (v - explained) / required(explained, o);
      const elevated = jumped && rise >= 1 - EPSILON;
      // Report the test with the least margin: that is the one the point only just passed.
      return jump <= rise ? { elevated, baseline: from, score: jump } : { elevated, baseline: explained, score: rise };
    }
    let level = explained;
    // No same-hour history left (gaps, or all of it inside spikes): fall back to the recent typical level.
    if (Number.isNaN(level)) level = medianBefore(i, t - o.dailyLookbackDays * DAY);
    if (Number.isNaN(level)) level = lastExplained;
    if (Number.isNaN(level)) return null;
    lastExplained = level;
    const rise = (v - level) / required(level, o);
    return { elevated: rise >= 1 - EPSILON, baseline: level, score: rise };
  };

  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    const open: Run | null = run;
    if (open && t - (times[open.indices.at(-1) as number] as number) > o.maxGapHours * HOUR + TOLERANCE) closeRun();
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    if (firstValid < 0) {
      firstValid = i;
      continue;
    }
    const verdict = judge(i);
    if (!verdict?.elevated) {
      closeRun();
      continue;
    }
    baselines[i] = verdict.baseline;
    scores[i] = verdict.score;
    const current: Run = run ?? { indices: [], confirmed: false };
    run = current;
    current.indices.push(i);
    if (current.confirmed) inWindow[i] = 1;
    else if (t - (times[current.indices[0] as number] as number) >= o.minDurationHours * HOUR - TOLERANCE) {
      current.confirmed = true;
      for (const j of current.indices) inWindow[j] = 1;
    }
  }
  closeRun();
  return spikes;
}

function required(level: number, o: SpikeOptions): number {
  return Math.max(o.minIncrease, o.minRatio * level);
}

function windowOf(
  indices: readonly number[],
  times: Float64Array,
  values: Float64Array,
  baselines: Float64Array,
  scores: Float64Array,
): Spike {
  let peakAt = indices[0] as number;
  for (const j of indices) if ((values[j] as number) > (values[peakAt] as number)) peakAt = j;
  return {
    start: new Date(times[indices[0] as number] as number),
    end: new Date(times[indices.at(-1) as number] as number),
    peak: values[peakAt] as number,
    baseline: baselines[peakAt] as number,
    score: scores[peakAt] as number,
  };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

const COUNTS: readonly (keyof SpikeOptions)[] = ["dailyLookbackDays", "weeklyLookbackWeeks"];

function resolveOptions(options: Partial<SpikeOptions>): SpikeOptions {
  const o: Record<string, number> = { ...DEFAULT_SPIKE_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_SPIKE_OPTIONS)) throw new RangeError(`unknown spike option ${name}`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      throw new RangeError(`spike option ${name} must be a finite number ≥ 0`);
    o[name] = value;
  }
  const resolved = o as unknown as SpikeOptions;
  for (const name of COUNTS)
    if (!Number.isInteger(resolved[name])) throw new RangeError(`spike option ${name} must be a whole number`);
  if (resolved.slackHours >= 12) throw new RangeError("spike option slackHours must be under 12");
  // The score divides by these.
  if (resolved.minIncrease <= 0) throw new RangeError("spike option minIncrease must be above 0");
  if (resolved.shortHistoryMinJump <= 0) throw new RangeError("spike option shortHistoryMinJump must be above 0");
  return resolved;
}
