import { detectSpikes, type SpikePoint } from "../detect/spikes.js";
import {
  generateSpikeTraces,
  type LabelledTrace,
  SPIKE_FAMILIES,
  type SpikeFamily,
  type TruthWindow,
} from "./spike-traces.js";
import { tukeySpikes } from "./tukey-fence.js";

/**
 * Scores spike detectors on the labelled traces. Event level: a detected window that overlaps a
 * true window is a true positive, other detections are false positives, true windows no detection
 * overlaps are misses. Online delay: each trace is replayed on a 15-minute timer, a point being
 * visible from its own timestamp; the delay is the time from a true window's start to the first
 * tick whose answer overlaps it. No side effects: the entry point is `spikes-main.ts`.
 */

export interface SpikeDetector {
  readonly name: string;
  readonly detect: (points: readonly SpikePoint[]) => readonly TruthWindow[];
}

export const BENCH_DETECTORS: readonly SpikeDetector[] = [
  { name: "detectSpikes", detect: (points) => detectSpikes(points) },
  { name: "Tukey, KQL defaults (ctukey)", detect: (points) => tukeySpikes(points) },
  { name: "Tukey, classic Q1-Q3", detect: (points) => tukeySpikes(points, { kind: "tukey" }) },
];

const HOUR = 3_600_000;
const TICK = 15 * 60_000;
const WEEK = 7 * 24 * HOUR;

export interface Tally {
  traces: number;
  weeks: number;
  truths: number;
  matchedTruths: number;
  detections: number;
  truePositives: number;
  /** Online delay in hours of each true window the replay caught. */
  delays: number[];
  missedOnline: number;
}

export function emptyTally(): Tally {
  return {
    traces: 0,
    weeks: 0,
    truths: 0,
    matchedTruths: 0,
    detections: 0,
    truePositives: 0,
    delays: [],
    missedOnline: 0,
  };
}

export function overlaps(a: TruthWindow, b: TruthWindow): boolean {
  return a.start.getTime() <= b.end.getTime() && b.start.getTime() <= a.end.getTime();
}

/** Hours from each true window's start to the first timer tick that reports it; null if none does. */
export function onlineDelays(trace: LabelledTrace, detector: SpikeDetector): (number | null)[] {
  const { points, truth } = trace;
  const delays: (number | null)[] = truth.map(() => null);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || truth.length === 0) return delays;
  const t0 = first.time.getTime();
  const earliest = Math.min(...truth.map((w) => w.start.getTime()));
  let pending = truth.length;
  let visible = 0;
  let seen: readonly TruthWindow[] = [];
  // Ticks before the first true start cannot report it: start there.
  for (let tick = t0 + Math.max(0, Math.ceil((earliest - t0) / TICK)) * TICK; pending > 0; tick += TICK) {
    if (tick > last.time.getTime() + TICK) break;
    let now = visible;
    while (now < points.length && (points[now] as SpikePoint).time.getTime() <= tick) now++;
    if (now !== visible) {
      visible = now;
      seen = detector.detect(points.slice(0, visible));
    }
    truth.forEach((w, k) => {
      if (delays[k] !== null || w.start.getTime() > tick) return;
      if (seen.some((s) => overlaps(s, w))) {
        delays[k] = (tick - w.start.getTime()) / HOUR;
        pending--;
      }
    });
  }
  return delays;
}

export function scoreTrace(trace: LabelledTrace, detector: SpikeDetector, into: Tally = emptyTally()): Tally {
  const found = detector.detect(trace.points);
  const first = trace.points[0]?.time.getTime() ?? 0;
  const last = trace.points.at(-1)?.time.getTime() ?? first;
  into.traces++;
  into.weeks += (last - first + HOUR) / WEEK;
  into.truths += trace.truth.length;
  into.matchedTruths += trace.truth.filter((w) => found.some((s) => overlaps(s, w))).length;
  into.detections += found.length;
  into.truePositives += found.filter((s) => trace.truth.some((w) => overlaps(s, w))).length;
  for (const delay of onlineDelays(trace, detector)) {
    if (delay === null) into.missedOnline++;
    else into.delays.push(delay);
  }
  return into;
}

export interface Figures {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly falsePositivesPerWeek: number;
  readonly delayMedian: number;
  readonly delayMax: number;
  /** Share of the caught true windows reported within an hour of their start. */
  readonly withinHour: number;
}

/** NaN where a figure has nothing to measure (precision with no detection, recall with no truth). */
export function figuresOf(t: Tally): Figures {
  const precision = t.detections > 0 ? t.truePositives / t.detections : Number.NaN;
  const recall = t.truths > 0 ? t.matchedTruths / t.truths : Number.NaN;
  const f1 = t.truths === 0 ? Number.NaN : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const sorted = [...t.delays].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const delayMedian =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    precision,
    recall,
    f1: t.detections === 0 && t.truths > 0 ? 0 : f1,
    falsePositivesPerWeek: (t.detections - t.truePositives) / t.weeks,
    delayMedian,
    delayMax: sorted.at(-1) ?? Number.NaN,
    withinHour: sorted.length === 0 ? Number.NaN : sorted.filter((d) => d <= 1).length / sorted.length,
  };
}

export interface BenchResult {
  readonly traces: readonly LabelledTrace[];
  readonly overall: ReadonlyMap<string, Tally>;
  readonly byFamily: ReadonlyMap<string, ReadonlyMap<SpikeFamily, Tally>>;
}

export function measureSpikeBench(
  traces: readonly LabelledTrace[] = generateSpikeTraces(),
  detectors: readonly SpikeDetector[] = BENCH_DETECTORS,
): BenchResult {
  const overall = new Map<string, Tally>();
  const byFamily = new Map<string, Map<SpikeFamily, Tally>>();
  for (const detector of detectors) {
    const all = emptyTally();
    const families = new Map<SpikeFamily, Tally>();
    for (const trace of traces) {
      const family = families.get(trace.family) ?? emptyTally();
      families.set(trace.family, family);
      const one = scoreTrace(trace, detector);
      for (const tally of [all, family]) merge(tally, one);
    }
    overall.set(detector.name, all);
    byFamily.set(detector.name, families);
  }
  return { traces, overall, byFamily };
}

function merge(into: Tally, from: Tally): void {
  into.traces += from.traces;
  into.weeks += from.weeks;
  into.truths += from.truths;
  into.matchedTruths += from.matchedTruths;
  into.detections += from.detections;
  into.truePositives += from.truePositives;
  into.delays.push(...from.delays);
  into.missedOnline += from.missedOnline;
}

const fixed = (x: number, digits = 2) => (Number.isNaN(x) ? "-" : x.toFixed(digits));
const hours = (x: number) => (Number.isNaN(x) ? "-" : `${Number.isInteger(x) ? x : x.toFixed(2)} h`);

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "))
    .join("\n");
}

const HEADER = ["precision", "recall", "F1", "FP/week", "delay median", "delay max", "within 1 h", "missed online"];

function figureCells(t: Tally): string[] {
  const f = figuresOf(t);
  return [
    fixed(f.precision),
    fixed(f.recall),
    fixed(f.f1),
    fixed(f.falsePositivesPerWeek, 3),
    hours(f.delayMedian),
    hours(f.delayMax),
    fixed(f.withinHour),
    String(t.missedOnline),
  ];
}

/** The benchmark as text: overall figures side by side, then one per-family table per detector. */
export function formatSpikeBench(result: BenchResult): string {
  const { traces } = result;
  const any = result.overall.values().next().value ?? emptyTally();
  const lines = [
    `GPU spike detection quality: ${traces.length} labelled synthetic hourly traces, ${SPIKE_FAMILIES.length} families, ` +
      `${fixed(any.weeks, 1)} trace-weeks, ${any.truths} true spike windows.`,
    "Event level (a detection overlapping a true window is a true positive); FP/week = unmatched detections per week of trace;",
    "delay = hours from a true window's start to the first 15-minute timer tick whose answer overlaps it (points visible from their own time).",
    "",
    table([["detector", ...HEADER], ...[...result.overall].map(([name, t]) => [name, ...figureCells(t)])]),
  ];
  for (const [name, families] of result.byFamily) {
    lines.push("", `${name}, per family:`);
    lines.push(
      table([
        ["family", "traces", "truths", ...HEADER],
        ...SPIKE_FAMILIES.map(({ family }) => {
          const t = families.get(family) ?? emptyTally();
          return [family, String(t.traces), String(t.truths), ...figureCells(t)];
        }),
      ]),
    );
  }
  return lines.join("\n");
}

/** Runs the spike benchmark and returns the text it prints. Deterministic: same traces, same figures. */
export function runSpikeBench(): string {
  return formatSpikeBench(measureSpikeBench());
}
