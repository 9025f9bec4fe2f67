import type { SpikePoint } from "../detect/spikes.js";
import { seededRandom } from "../seeded-random.js";

/**
 * Labelled synthetic GPU node-count traces for the spike benchmark: hourly, 14 to 28 days (the
 * short-history family: 14 to 46 hours), seeded, so every run yields the same traces.
 *
 * Each trace is a legitimate pattern (steady, diurnal in some timezone, weekly job, slow growth, or
 * a mix) plus churn and injected events. The truth is labelled by the product's definition, from the
 * generator's own knowledge of the legitimate pattern. What history explains at hour h, L(h), is the
 * legitimate level's maximum within ±1 h of h itself, of the same hour on each of the 7 days before
 * and of the same hour of week in each of the 4 weeks before. An hour is a spike hour when an event
 * lifts the value above L by at least max(2, 50 % of L) (with under 48 h of history: by at least 8
 * nodes, from L ≤ 2); a truth window is a run of spike hours spanning at least an hour (two hourly
 * samples). Churn is left out of the truth: it is noise the detector must tolerate. Half the events
 * clear the threshold by a wide margin, half by one or two nodes.
 *
 * Legitimate patterns begin in the trace's first hour (a diurnal trace whose trough is near zero
 * opens as a weekday's rise begins, a weekly-job trace as a run starts), so the trace itself holds
 * the history that explains them. A series that opens just before a first rise from near zero
 * would, by the definition, show that rise as a spike.
 */

export type SpikeFamily =
  | "steady"
  | "diurnal"
  | "weekly-job"
  | "growth"
  | "churn"
  | "miner-sudden"
  | "miner-ramp"
  | "miner-from-zero"
  | "miner-returning"
  | "legit-spike"
  | "legit-benign"
  | "gaps"
  | "short-history";

export const SPIKE_FAMILIES: readonly { readonly family: SpikeFamily; readonly description: string }[] = [
  { family: "steady", description: "a pool of 0 to 32 nodes with light churn" },
  { family: "diurnal", description: "batch clusters peaking daily at a local hour, in ten timezones (DST included)" },
  {
    family: "weekly-job",
    description: "a job every week at the same hour (e.g. Monday 02:00, 2 to 20 nodes), some on diurnal pools",
  },
  { family: "growth", description: "a pool growing 10 % a week, steady or diurnal" },
  { family: "churn", description: "frequent one-node blips up and down, steady or diurnal" },
  {
    family: "miner-sudden",
    description: "a miner jumps in on any of the patterns above; some still running at the end",
  },
  { family: "miner-ramp", description: "a miner ramps up over 3 to 8 hours" },
  { family: "miner-from-zero", description: "a miner on a pool that sat at 0 nodes" },
  { family: "miner-returning", description: "a miner returns a week later at the same hour" },
  { family: "legit-spike", description: "a retraining job or load test that clears max(2, 50 %) for over an hour" },
  { family: "legit-benign", description: "upgrade surges (+1 to 3 for under an hour), small or short load tests" },
  { family: "gaps", description: "missing hours and NaN values, with and without a miner (some start in a hole)" },
  { family: "short-history", description: "under two days of data: jumps from near zero, and smaller or higher ones" },
];

export interface TruthWindow {
  readonly start: Date;
  readonly end: Date;
}

export interface LabelledTrace {
  readonly name: string;
  readonly family: SpikeFamily;
  readonly points: readonly SpikePoint[];
  readonly truth: readonly TruthWindow[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// Monday 2026-10-05: 14-28 day traces cross the European (25 Oct) and US (1 Nov) DST changes.
const EPOCH = Date.UTC(2026, 9, 5);
const TIMEZONES = [
  "America/Los_Angeles",
  "America/New_York",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Kolkata",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Sydney",
  "UTC",
];

class Rng {
  constructor(private readonly next: () => number) {}
  float(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    return Math.floor(this.float(min, max + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

interface LocalTime {
  readonly hour: number;
  readonly weekday: number;
  readonly day: number;
}

// Local wall-clock time (hour of day as a fraction, day of week, date as a number) per zone and UTC hour, cached.
const localCache = new Map<string, LocalTime>();
function localTime(timeZone: string, ms: number): LocalTime {
  const key = `${timeZone}|${ms}`;
  const cached = localCache.get(key);
  if (cached) return cached;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    hour: "numeric",
    minute: "numeric",
    weekday: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(part("weekday"));
  const value = {
    hour: Number(part("hour")) + Number(part("minute")) / 60,
    weekday,
    day: Number(part("year")) * 10_000 + Number(part("month")) * 100 + Number(part("day")),
  };
  localCache.set(key, value);
  return value;
}

/** The legitimate level at a time (ms): what the cluster's history explains. */
type Pattern = (ms: number) => number;

function steady(level: number): Pattern {
  return () => level;
}

interface DiurnalShape {
  readonly timeZone: string;
  readonly trough: number;
  readonly peak: number;
  readonly localStart: number;
  readonly plateauHours: number;
  readonly rampHours: number;
  readonly weekendFactor: number;
  readonly dayJitter: number;
  /** The daily rise starts up to this many hours late, day by day (within the definition's slack). */
  readonly startJitter: number;
  readonly seed: number;
}

function diurnalShape(rng: Rng, trough = rng.int(0, 4)): DiurnalShape {
  return {
    timeZone: rng.pick(TIMEZONES),
    trough,
    peak: trough + rng.int(6, 30),
    localStart: rng.int(0, 23),
    plateauHours: rng.int(4, 12),
    rampHours: rng.int(0, 2),
    weekendFactor: rng.pick([1, 1, 0.5, 0.2]),
    dayJitter: rng.pick([0, 0.05, 0.1]),
    startJitter: rng.pick([0, 0, 1]),
    seed: rng.int(1, 1 << 30),
  };
}

/** 1 on the plateau, linear ramps either side, 0 otherwise; local hours wrap at midnight. */
function plateau(s: DiurnalShape, localHour: number, shift = 0): number {
  const x = (((localHour - s.localStart - shift) % 24) + 24) % 24;
  if (x < s.plateauHours) return 1;
  const after = x - s.plateauHours;
  const before = 24 - x;
  if (after < s.rampHours) return 1 - (after + 1) / (s.rampHours + 1);
  if (before <= s.rampHours) return 1 - before / (s.rampHours + 1);
  return 0;
}

function diurnal(s: DiurnalShape): Pattern {
  return (ms) => {
    const { hour, weekday, day } = localTime(s.timeZone, ms);
    // Per local day: a fixed amplitude wobble and start shift.
    const draw = seededRandom(s.seed + day);
    const wobble = 1 + s.dayJitter * (2 * draw() - 1);
    const shift = s.startJitter * Math.floor(draw() * 2);
    const weekend = weekday === 0 || weekday === 6 ? s.weekendFactor : 1;
    return Math.round(s.trough + (s.peak - s.trough) * plateau(s, hour, shift) * wobble * weekend);
  };
}

/**
 * Where a diurnal trace can open so that its own history explains it: anywhere for a pool that never
 * drops near zero and works every day; else the first hour at or after `from` when a weekday's rise
 * begins (a jump from near zero, or a weekday level unseen since the weekend, would be news).
 */
function diurnalStart(pattern: Pattern, s: DiurnalShape, from: number): number {
  if (s.trough > 2 && s.weekendFactor === 1) return from;
  for (let ms = from; ; ms += HOUR) {
    const { weekday } = localTime(s.timeZone, ms);
    const weekend = weekday === 0 || weekday === 6;
    if (pattern(ms) > s.trough && pattern(ms - HOUR) === s.trough && (!weekend || s.weekendFactor === 1)) return ms;
  }
}

interface WeeklyJob {
  readonly add: number;
  readonly hours: number;
  readonly jitterHours: readonly number[];
}

function weeklyJob(rng: Rng): WeeklyJob {
  return { add: rng.int(8, 30), hours: rng.int(2, 6), jitterHours: rng.chance(0.5) ? [0] : [0, 1, 0, -1] };
}

/** `base` plus the job's nodes while a run is on; the first run starts at `firstRun`. */
function withWeekly(base: Pattern, job: WeeklyJob, firstRun: number): Pattern {
  return (ms) => {
    const week = Math.floor((ms - firstRun + DAY) / WEEK);
    const runStart = firstRun + week * WEEK + (job.jitterHours[week % job.jitterHours.length] ?? 0) * HOUR;
    return base(ms) + (ms >= runStart && ms < runStart + job.hours * HOUR ? job.add : 0);
  };
}

function growing(pattern: Pattern, start: number, perWeek = 0.1): Pattern {
  return (ms) => Math.round(pattern(ms) * (1 + perWeek) ** ((ms - start) / WEEK));
}

/** One trace under construction: hourly arrays from `start`. */
class Trace {
  readonly legit: Float64Array;
  /** L(h): what the legitimate history explains (see the file comment). */
  readonly explained: Float64Array;
  readonly add: Float64Array;
  readonly noise: Float64Array;
  readonly missing: Uint8Array;
  readonly nan: Uint8Array;

  constructor(
    readonly start: number,
    readonly hours: number,
    pattern: Pattern,
  ) {
    this.legit = Float64Array.from({ length: hours }, (_, h) => pattern(start + h * HOUR));
    const lags = [0, 24, 48, 72, 96, 120, 144, 168, 336, 504, 672];
    this.explained = Float64Array.from({ length: hours }, (_, h) => {
      let max = 0;
      for (const lag of lags)
        for (let k = h - lag - 1; k <= h - lag + 1; k++)
          if (k >= 0 && k < hours) max = Math.max(max, this.legit[k] as number);
      return max;
    });
    this.add = new Float64Array(hours);
    this.noise = new Float64Array(hours);
    this.missing = new Uint8Array(hours);
    this.nan = new Uint8Array(hours);
  }

  /** The least and most that history explains over [from, from + hours). */
  explainedRange(from: number, hours: number): { min: number; max: number } {
    const slice = this.explained.subarray(Math.max(0, from), Math.min(this.hours, from + Math.max(1, hours)));
    return { min: Math.min(...slice), max: Math.max(...slice) };
  }

  event(from: number, values: readonly number[]): void {
    values.forEach((v, k) => {
      if (from + k < this.hours) this.add[from + k] = (this.add[from + k] as number) + v;
    });
  }

  churn(rng: Rng, perHour: number): void {
    for (let h = 1; h < this.hours; h++) {
      if (!rng.chance(perHour)) continue;
      const sign = rng.chance(0.5) ? 1 : -1;
      const length = rng.int(1, 3);
      for (let k = 0; k < length && h + k < this.hours; k++) this.noise[h + k] = sign;
    }
  }

  points(): SpikePoint[] {
    const points: SpikePoint[] = [];
    for (let h = 0; h < this.hours; h++) {
      if (this.missing[h]) continue;
      const v = Math.max(0, (this.legit[h] as number) + (this.add[h] as number) + (this.noise[h] as number));
      points.push({ time: new Date(this.start + h * HOUR), value: this.nan[h] ? Number.NaN : v });
    }
    return points;
  }

  /** The truth, by the definition (see the file comment). */
  truth(): TruthWindow[] {
    const spikeHour = (h: number): boolean => {
      const added = this.add[h] as number;
      if (added <= 0 || h === 0) return false;
      const L = this.explained[h] as number;
      const rise = (this.legit[h] as number) + added - L;
      if (h < 48) return L <= 2 && rise >= 8;
      return rise >= Math.max(2, 0.5 * L);
    };
    const windows: TruthWindow[] = [];
    let from = -1;
    for (let h = 0; h <= this.hours; h++) {
      if (h < this.hours && spikeHour(h)) {
        if (from < 0) from = h;
        continue;
      }
      if (from >= 0 && h - 1 > from)
        windows.push({ start: new Date(this.start + from * HOUR), end: new Date(this.start + (h - 1) * HOUR) });
      from = -1;
    }
    return windows;
  }
}

/** A rise that clears max(2, 50 %) of what history explains: half the time widely, half by a node or two. */
function clearRise(rng: Rng, level: number): number {
  if (rng.chance(0.5)) return Math.max(4, Math.ceil(0.9 * level) + 2) + rng.int(0, 8);
  // One more node than the threshold over a level one node higher (churn in the history).
  return Math.ceil(Math.max(2, 0.5 * (level + 1))) + 1 + rng.int(0, 1);
}

/** A rise that stays well under max(2, 50 %) of `level`. */
function benignRise(level: number): number {
  return Math.max(1, Math.floor(0.3 * level));
}

function traceStart(rng: Rng): number {
  return EPOCH + rng.int(0, 6) * DAY + rng.int(0, 23) * HOUR;
}

type BaseKind = "steady" | "diurnal" | "weekly" | "weekly+diurnal" | "growth";

/**
 * A legitimate base trace of `hours` from a random start, opened where its own history explains it:
 * a near-zero diurnal trough opens on a rise, a weekly job on a run.
 */
function baseTrace(rng: Rng, kind: BaseKind, hours = rng.int(14, 28) * 24): Trace {
  const from = traceStart(rng);
  switch (kind) {
    case "steady":
      return new Trace(from, hours, steady(rng.pick([0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32])));
    case "diurnal": {
      const shape = diurnalShape(rng);
      const pattern = diurnal(shape);
      return new Trace(diurnalStart(pattern, shape, from), hours, pattern);
    }
    case "weekly":
      return new Trace(from, hours, withWeekly(steady(rng.int(0, 4)), weeklyJob(rng), from));
    case "weekly+diurnal": {
      // Every day alike, so the trace can open on the job's run.
      const shape = { ...diurnalShape(rng, rng.int(3, 6)), weekendFactor: 1 };
      return new Trace(from, hours, withWeekly(diurnal(shape), weeklyJob(rng), from));
    }
    case "growth": {
      if (rng.chance(0.5)) return new Trace(from, hours, growing(steady(rng.int(4, 30)), from));
      const shape = diurnalShape(rng, rng.int(3, 8));
      const start = diurnalStart(diurnal(shape), shape, from);
      return new Trace(start, hours, growing(diurnal(shape), start));
    }
  }
}

const ANY_BASE: readonly BaseKind[] = ["steady", "steady", "diurnal", "diurnal", "weekly", "weekly+diurnal", "growth"];

/** An event start hour in [from, to] (hour indices). */
function when(rng: Rng, trace: Trace, fromHour: number, toHour = trace.hours - 8): number {
  return rng.int(fromHour, Math.max(fromHour, toHour));
}

type Maker = (rng: Rng) => Trace;

function quiet(kind: BaseKind | readonly BaseKind[], churn = 0.02): Maker {
  return (rng) => {
    const t = baseTrace(rng, typeof kind === "string" ? kind : rng.pick(kind));
    t.churn(rng, churn);
    return t;
  };
}

const MAKERS: Record<SpikeFamily, Maker> = {
  steady: quiet("steady"),
  diurnal: quiet("diurnal"),
  "weekly-job": quiet(["weekly", "weekly", "weekly+diurnal"]),
  growth: quiet("growth"),
  churn: quiet(["steady", "steady", "diurnal"], 0.1),
  "miner-sudden": (rng) => {
    const t = quiet(ANY_BASE)(rng);
    const ongoing = rng.chance(0.25);
    const hours = ongoing ? rng.int(2, 20) : rng.int(3, 48);
    const from = ongoing ? t.hours - hours : when(rng, t, 3 * 24, t.hours - hours - 2);
    const rise = clearRise(rng, t.explainedRange(from, hours).max);
    t.event(
      from,
      Array.from({ length: hours }, () => rise),
    );
    return t;
  },
  "miner-ramp": (rng) => {
    const t = quiet(ANY_BASE)(rng);
    const ramp = rng.int(3, 8);
    const hold = rng.int(4, 24);
    const from = when(rng, t, 3 * 24, t.hours - ramp - hold - 2);
    const rise = clearRise(rng, t.explainedRange(from, ramp + hold).max);
    t.event(from, [
      ...Array.from({ length: ramp }, (_, k) => Math.round((rise * (k + 1)) / ramp)),
      ...Array.from({ length: hold }, () => rise),
    ]);
    return t;
  },
  "miner-from-zero": (rng) => {
    const t = new Trace(traceStart(rng), rng.int(14, 28) * 24, steady(0));
    t.churn(rng, 0.01);
    const hours = rng.int(3, 36);
    t.event(
      when(rng, t, 3 * 24, t.hours - hours - 2),
      Array.from({ length: hours }, () => rng.int(3, 24)),
    );
    return t;
  },
  "miner-returning": (rng) => {
    const t = baseTrace(rng, rng.pick(ANY_BASE), rng.int(16, 28) * 24);
    t.churn(rng, 0.02);
    const hours = rng.int(3, 12);
    const first = when(rng, t, 3 * 24, t.hours - 7 * 24 - hours - 2);
    let level = 0;
    for (let visit = first; visit + hours < t.hours; visit += 7 * 24)
      level = Math.max(level, t.explainedRange(visit, hours).max);
    const rise = clearRise(rng, level);
    for (let visit = first; visit + hours < t.hours; visit += 7 * 24)
      t.event(
        visit,
        Array.from({ length: hours }, () => rise),
      );
    return t;
  },
  "legit-spike": (rng) => {
    const t = quiet(ANY_BASE)(rng);
    const hours = rng.int(2, 8);
    const from = when(rng, t, 3 * 24, t.hours - hours - 2);
    const rise = clearRise(rng, t.explainedRange(from, hours).max);
    // A retraining job holds its nodes; a load test steps up.
    const loadTest = rng.chance(0.5);
    t.event(
      from,
      Array.from({ length: hours }, (_, k) => (loadTest && k === 0 ? Math.ceil(rise / 2) : rise)),
    );
    return t;
  },
  "legit-benign": (rng) => {
    const t = quiet(ANY_BASE)(rng);
    const events = rng.int(1, 4);
    for (let e = 0; e < events; e++) {
      const kind = rng.pick(["surge", "small-load-test", "short-load-test"] as const);
      const from = when(rng, t, 2 * 24);
      if (kind === "surge") t.event(from, [rng.int(1, 3)]);
      else if (kind === "short-load-test") t.event(from, [clearRise(rng, t.explainedRange(from, 1).max)]);
      else {
        const hours = rng.int(2, 5);
        const rise = benignRise(t.explainedRange(from, hours).min);
        t.event(
          from,
          Array.from({ length: hours }, () => rise),
        );
      }
    }
    return t;
  },
  gaps: (rng) => {
    const t = quiet(ANY_BASE)(rng);
    let protect = [-1, -1];
    if (rng.chance(0.6)) {
      const hours = rng.int(6, 24);
      const from = when(rng, t, 3 * 24, t.hours - hours - 2);
      t.event(
        from,
        Array.from({ length: hours }, () => clearRise(rng, t.explainedRange(from, hours).max)),
      );
      const mask = rng.chance(0.5) ? t.missing : t.nan;
      if (rng.chance(0.3)) {
        // Data stops as the miner starts: the detector can only see it once data is back.
        const dark = rng.int(1, 3);
        for (let k = 0; k < dark; k++) mask[from + k] = 1;
        protect = [from + dark, from + dark + 2];
      } else {
        // A short hole inside the miner, after its first three hours.
        const hole = from + 3 + rng.int(0, 2);
        const holeHours = rng.int(1, 2);
        for (let k = 0; k < holeHours; k++) mask[hole + k] = 1;
        protect = [from - 1, from + 3];
      }
    }
    const holes = rng.int(3, 10);
    for (let g = 0; g < holes; g++) {
      const at = rng.int(1, t.hours - 2);
      const length = rng.chance(0.3) ? rng.int(4, 12) : rng.int(1, 3);
      const mask = rng.chance(0.5) ? t.missing : t.nan;
      for (let k = at; k < Math.min(t.hours, at + length); k++)
        if (k < (protect[0] as number) || k > (protect[1] as number)) mask[k] = 1;
    }
    return t;
  },
  "short-history": (rng) => {
    const hours = rng.int(14, 46);
    const kind = rng.pick(["jump", "jump", "ramp-jump", "small", "from-high", "none"] as const);
    const near = kind === "from-high" ? rng.int(4, 10) : rng.int(0, 2);
    const t = new Trace(traceStart(rng), hours, steady(near));
    t.churn(rng, 0.02);
    const length = rng.int(3, 10);
    const from = rng.int(3, Math.max(3, hours - length - 1));
    if (kind === "jump" || kind === "from-high")
      t.event(
        from,
        Array.from({ length }, () => rng.int(10, 20)),
      );
    else if (kind === "ramp-jump") t.event(from, [3, 7, ...Array.from({ length }, () => rng.int(11, 20))]);
    else if (kind === "small")
      t.event(
        from,
        Array.from({ length }, () => rng.int(3, 5)),
      );
    return t;
  },
};

/** `perFamily` traces of every family, the same for the same seed. */
export function generateSpikeTraces(seed = 20261201, perFamily = 20): LabelledTrace[] {
  const rng = new Rng(seededRandom(seed));
  const traces: LabelledTrace[] = [];
  for (const { family } of SPIKE_FAMILIES) {
    for (let k = 0; k < perFamily; k++) {
      const trace = MAKERS[family](rng);
      traces.push({ name: `${family}#${k + 1}`, family, points: trace.points(), truth: trace.truth() });
    }
  }
  return traces;
}
