import { describe, expect, it } from "vitest";
import {
  emptyTally,
  figuresOf,
  onlineDelays,
  overlaps,
  runSpikeBench,
  type SpikeDetector,
  scoreTrace,
} from "../../shared/bench/spike-quality.js";
import { generateSpikeTraces, type LabelledTrace, SPIKE_FAMILIES } from "../../shared/bench/spike-traces.js";
import { tukeySpikes } from "../../shared/bench/tukey-fence.js";
import { detectSpikes, type SpikePoint } from "../../shared/detect/spikes.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 5);
const hourly = (hours: number, value: (h: number) => number): SpikePoint[] =>
  Array.from({ length: hours }, (_, h) => ({ time: new Date(T0 + h * HOUR), value: value(h) }));
const at = (h: number) => new Date(T0 + h * HOUR);

describe("spike traces", () => {
  const traces = generateSpikeTraces(7, 6);

  it("are the same for the same seed and differ for another", () => {
    expect(generateSpikeTraces(7, 6)).toEqual(traces);
    expect(generateSpikeTraces(8, 6)).not.toEqual(traces);
  });

  it("cover every family, with the lengths the benchmark promises", () => {
    for (const { family } of SPIKE_FAMILIES) {
      const ofFamily = traces.filter((t) => t.family === family);
      expect(ofFamily, family).toHaveLength(6);
      for (const t of ofFamily) {
        const span = ((t.points.at(-1)?.time.getTime() ?? 0) - (t.points[0]?.time.getTime() ?? 0)) / HOUR;
        if (family === "short-history") expect(span).toBeLessThan(48);
        else if (family !== "gaps") expect(span + 1).toBeGreaterThanOrEqual(14 * 24);
        expect(span).toBeLessThan(28 * 24);
      }
    }
  });

  it("label well-formed truth: ordered, inside the trace, at least an hour long", () => {
    for (const t of traces) {
      const first = t.points[0]?.time.getTime() ?? 0;
      const last = t.points.at(-1)?.time.getTime() ?? 0;
      let previous = Number.NEGATIVE_INFINITY;
      for (const w of t.truth) {
        expect(w.end.getTime() - w.start.getTime()).toBeGreaterThanOrEqual(HOUR);
        expect(w.start.getTime()).toBeGreaterThan(previous);
        expect(w.start.getTime()).toBeGreaterThanOrEqual(first);
        expect(w.end.getTime()).toBeLessThanOrEqual(last + 3 * HOUR);
        previous = w.end.getTime();
      }
    }
  });

  it("label legitimate patterns as quiet and miners as spikes", () => {
    const quiet = ["steady", "diurnal", "weekly-job", "growth", "churn", "legit-benign"];
    for (const t of traces) {
      if (quiet.includes(t.family)) expect(t.truth, t.name).toEqual([]);
      if (t.family.startsWith("miner-")) expect(t.truth.length, t.name).toBeGreaterThan(0);
      if (t.family === "miner-returning") expect(t.truth.length, t.name).toBeGreaterThanOrEqual(2);
    }
  });
});

describe("spike scoring", () => {
  const trace: LabelledTrace = {
    name: "hand",
    family: "miner-sudden",
    points: hourly(10 * 24, (h) => (h >= 200 && h < 206 ? 12 : 2)),
    truth: [{ start: at(200), end: at(205) }],
  };

  it("matches windows by overlap", () => {
    expect(overlaps({ start: at(1), end: at(3) }, { start: at(3), end: at(5) })).toBe(true);
    expect(overlaps({ start: at(1), end: at(2) }, { start: at(3), end: at(5) })).toBe(false);
  });

  it("counts true and false positives, misses and false positives per week", () => {
    const noisy: SpikeDetector = {
      name: "noisy",
      detect: (points) => {
        const end = points.at(-1)?.time.getTime() ?? 0;
        return end < at(201).getTime()
          ? []
          : [
              { start: at(10), end: at(11) },
              { start: at(199), end: at(201) },
            ];
      },
    };
    const tally = scoreTrace(trace, noisy);
    expect(tally).toMatchObject({ detections: 2, truePositives: 1, truths: 1, matchedTruths: 1 });
    const f = figuresOf(tally);
    expect(f.precision).toBe(0.5);
    expect(f.recall).toBe(1);
    expect(f.f1).toBeCloseTo(2 / 3, 10);
    expect(f.falsePositivesPerWeek).toBeCloseTo(1 / (240 / 168), 10);
    // Its answer appears once the 201:00 point is visible.
    expect(tally.delays).toEqual([1]);
  });

  it("measures online delay as a 15-minute timer sees the points", () => {
    const detector: SpikeDetector = { name: "detectSpikes", detect: (p) => detectSpikes(p) };
    expect(onlineDelays(trace, detector)).toEqual([1]);
    const never: SpikeDetector = { name: "never", detect: () => [] };
    expect(onlineDelays(trace, never)).toEqual([null]);
    const tally = scoreTrace(trace, never);
    expect(tally.missedOnline).toBe(1);
    expect(figuresOf(tally).f1).toBe(0);
    expect(Number.isNaN(figuresOf(emptyTally()).precision)).toBe(true);
  });
});

describe("Tukey-fence baseline", () => {
  it("explains a clean daily pattern and flags a rise far outside it", () => {
    const daily = (h: number) => (h % 24 < 8 ? 10 : 2);
    expect(tukeySpikes(hourly(14 * 24, daily))).toEqual([]);
    const spiked = tukeySpikes(hourly(14 * 24, (h) => daily(h) + (h >= 250 && h < 253 ? 30 : 0)));
    expect(spiked.map((s) => s.start)).toEqual([at(250)]);
    expect(spiked[0]?.end).toEqual(at(252));
  });

  it("flags one-node churn on a flat pool, as a fence with a zero range does", () => {
    const flagged = tukeySpikes(hourly(14 * 24, (h) => (h === 100 ? 5 : 4)));
    expect(flagged.map((s) => s.start)).toEqual([at(100)]);
  });

  it("uses the classic quartiles when asked", () => {
    const points = hourly(14 * 24, (h) => 4 + (h % 10 === 0 ? 1 : 0) + (h % 25 === 0 ? 2 : 0));
    expect(tukeySpikes(points, { kind: "tukey" }).length).toBeGreaterThan(tukeySpikes(points).length);
  });
});

describe("spike benchmark", () => {
  it("prints every detector and family, and scores detectSpikes ahead of the baseline", () => {
    const text = runSpikeBench();
    for (const name of ["detectSpikes", "Tukey, KQL defaults (ctukey)", "Tukey, classic Q1-Q3"])
      expect(text).toContain(name);
    for (const { family } of SPIKE_FAMILIES) expect(text).toContain(family);
    const f1 = (name: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(name))
          ?.split(/\s{2,}/)[3],
      );
    expect(f1("detectSpikes")).toBeGreaterThan(f1("Tukey, KQL defaults (ctukey)"));
  });
});
