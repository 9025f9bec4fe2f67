import { describe, expect, it } from "vitest";
import { DEFAULT_SPIKE_OPTIONS, detectSpikes, type Spike, type SpikePoint } from "../../shared/detect/spikes.js";

const HOUR = 3_600_000;
// A Monday, 00:00 UTC.
const T0 = Date.UTC(2026, 9, 5);

/** `hours` hourly points from `start`, valued by `value(h)` (h = hours since start). */
function hourly(hours: number, value: (h: number) => number, start = T0): SpikePoint[] {
  return Array.from({ length: hours }, (_, h) => ({ time: new Date(start + h * HOUR), value: value(h) }));
}

const at = (h: number, start = T0) => new Date(start + h * HOUR);
const inRange = (h: number, from: number, hours: number) => h >= from && h < from + hours;

/** A small deterministic churn pattern: +1 or −1 for an hour or two, a few times a day. */
function churn(h: number): number {
  const x = Math.sin(h * 12.9898) * 43758.5453;
  const r = x - Math.floor(x);
  if (r < 0.06) return 1;
  if (r < 0.1) return -1;
  return 0;
}

function expectWellFormed(spikes: readonly Spike[]): void {
  let previousEnd = Number.NEGATIVE_INFINITY;
  for (const s of spikes) {
    expect(s.start).toBeInstanceOf(Date);
    expect(s.end).toBeInstanceOf(Date);
    expect(s.start.getTime()).toBeLessThanOrEqual(s.end.getTime());
    expect(s.start.getTime()).toBeGreaterThan(previousEnd);
    expect(s.peak).toBeGreaterThanOrEqual(s.baseline);
    expect(Number.isFinite(s.score)).toBe(true);
    expect(s.score).toBeGreaterThanOrEqual(1);
    previousEnd = s.end.getTime();
  }
}

describe("detectSpikes: what history explains", () => {
  it("finds nothing in a steady pool, of any size", () => {
    for (const size of [0, 1, 2, 5, 40]) expect(detectSpikes(hourly(21 * 24, () => size))).toEqual([]);
  });

  it("finds nothing in a diurnal batch cluster at its daily peak, in several timezones", () => {
    // The local peak is 09:00-17:00; the trace opens at the first peak, so the trace itself holds the history.
    for (const utcOffset of [-8, -5, 0, 1, 5.5, 9, 11]) {
      const peakStartUtc = (((9 - utcOffset) % 24) + 24) % 24;
      const start = T0 + peakStartUtc * HOUR;
      const points = hourly(21 * 24 + 3, (h) => (h % 24 < 8 ? 10 + (Math.floor(h / 24) % 3) : 1), start);
      expect(points.at(-1)?.value, "the series ends at today's peak").toBeGreaterThanOrEqual(10);
      expect(detectSpikes(points), `UTC${utcOffset >= 0 ? "+" : ""}${utcOffset}`).toEqual([]);
    }
  });

  it("finds nothing when the daily peak starts up to an hour earlier or later than the days before", () => {
    const shift = [0, 1, -1, 0, 1, 0, -1];
    // Opens at the first peak, 06:00.
    const points = hourly(21 * 24, (k) => {
      const h = k + 6;
      const day = Math.floor(h / 24);
      const from = 6 + (shift[day % shift.length] as number);
      return inRange(h % 24, from, 6) ? 14 : 2;
    });
    expect(detectSpikes(points)).toEqual([]);
  });

  it("finds nothing in a weekly job (every Monday 02:00 the pool goes 2 to 20)", () => {
    // The trace opens on a run: the previous week's run is in the history.
    const start = T0 + 2 * HOUR;
    const points = hourly(4 * 7 * 24, (h) => (h % (7 * 24) < 5 ? 20 : 2), start);
    expect(detectSpikes(points)).toEqual([]);
  });

  it("still flags a weekly job the first time it runs", () => {
    const points = hourly(3 * 7 * 24, (h) => (h >= 7 * 24 + 2 && h % (7 * 24) >= 2 && h % (7 * 24) < 7 ? 20 : 2));
    const spikes = detectSpikes(points);
    // The first run is news; with earlier detections kept out of the baseline, so are the next ones.
    expect(spikes.map((s) => s.start)).toEqual([at(7 * 24 + 2), at(14 * 24 + 2)]);
  });

  it("learns a weekly job from a week of warm-up, and still finds a miner after it", () => {
    const job = (h: number) => (h >= 50 && (h - 50) % (7 * 24) < 5 ? 20 : 2);
    expect(detectSpikes(hourly(4 * 7 * 24, job), { warmUpHours: 7 * 24 })).toEqual([]);
    const miner = hourly(4 * 7 * 24, (h) => job(h) + (inRange(h, 20 * 24 + 9, 4) ? 10 : 0));
    expect(detectSpikes(miner, { warmUpHours: 7 * 24 }).map((s) => s.start)).toEqual([at(20 * 24 + 9)]);
  });

  it("finds nothing in one-node churn", () => {
    expect(detectSpikes(hourly(28 * 24, (h) => 6 + churn(h)))).toEqual([]);
    expect(detectSpikes(hourly(28 * 24, (h) => 1 + churn(h)))).toEqual([]);
  });

  it("finds nothing in slow growth (10 % a week), steady or diurnal", () => {
    const growth = (h: number) => 1.1 ** (h / (7 * 24));
    expect(detectSpikes(hourly(28 * 24, (h) => Math.round(12 * growth(h))))).toEqual([]);
    expect(detectSpikes(hourly(28 * 24, (h) => Math.round((h % 24 < 10 ? 20 : 4) * growth(h))))).toEqual([]);
  });

  it("finds nothing in an upgrade surge (+3 nodes at one hourly sample, under an hour)", () => {
    expect(detectSpikes(hourly(15 * 24, (h) => (h === 10 * 24 + 5 ? 5 : 2)))).toEqual([]);
  });
});

describe("detectSpikes: spikes", () => {
  it("finds a sudden miner (2 to 12 nodes after two steady weeks) with its start, end, peak and baseline", () => {
    const from = 14 * 24 + 3;
    const points = hourly(16 * 24, (h) => (inRange(h, from, 6) ? 12 : 2));
    const spikes = detectSpikes(points);
    expect(spikes).toHaveLength(1);
    const [spike] = spikes as [Spike];
    expect(spike.start).toEqual(at(from));
    expect(spike.end).toEqual(at(from + 5));
    expect(spike.peak).toBe(12);
    expect(spike.baseline).toBeCloseTo(2, 6);
    // 10 nodes over a required rise of 2.
    expect(spike.score).toBeCloseTo(5, 6);
  });

  it("needs max(2 nodes, 50 %) for at least an hour", () => {
    const spikeWith = (base: number, add: number, hours: number) =>
      detectSpikes(hourly(10 * 24, (h) => base + (inRange(h, 8 * 24, hours) ? add : 0))).length;
    expect(spikeWith(2, 1, 6)).toBe(0);
    expect(spikeWith(2, 2, 6)).toBe(1);
    expect(spikeWith(10, 4, 6)).toBe(0);
    expect(spikeWith(10, 5, 6)).toBe(1);
    expect(spikeWith(10, 20, 1)).toBe(0);
    expect(spikeWith(10, 20, 2)).toBe(1);
  });

  it("finds a miner that ramps up over several hours, from the first hour that clears the threshold", () => {
    const ramp = [3, 5, 8, 11, 14];
    const from = 9 * 24 + 20;
    const points = hourly(11 * 24, (h) => {
      if (h < from) return 2;
      return ramp[h - from] ?? (h < from + 12 ? 14 : 2);
    });
    const spikes = detectSpikes(points);
    expect(spikes).toHaveLength(1);
    expect(spikes[0]?.start).toEqual(at(from + 1));
    expect(spikes[0]?.peak).toBe(14);
  });

  it("finds a miner on a pool that sat at 0 nodes", () => {
    const points = hourly(15 * 24, (h) => (inRange(h, 14 * 24 + 1, 5) ? 6 : 0));
    const spikes = detectSpikes(points);
    expect(spikes).toHaveLength(1);
    expect(spikes[0]?.baseline).toBe(0);
    expect(spikes[0]?.peak).toBe(6);
  });

  it("finds a miner that returns a week later at the same hour: the first visit never becomes the baseline", () => {
    const visit = (h: number) => inRange(h, 8 * 24 + 3, 5) || inRange(h, 15 * 24 + 3, 5);
    const spikes = detectSpikes(hourly(17 * 24, (h) => (visit(h) ? 12 : 2)));
    expect(spikes.map((s) => s.start)).toEqual([at(8 * 24 + 3), at(15 * 24 + 3)]);
    expect(spikes[1]?.baseline).toBe(2);
  });

  it("keeps an ongoing miner in one window that ends at the latest point", () => {
    const from = 9 * 24;
    const points = hourly(20 * 24, (h) => (h >= from ? 12 : 2));
    const spikes = detectSpikes(points);
    expect(spikes).toHaveLength(1);
    expect(spikes[0]?.start).toEqual(at(from));
    expect(spikes[0]?.end).toEqual(points.at(-1)?.time);
  });

  it("finds a miner during a diurnal peak when it clears the peak by 50 %", () => {
    const base = (h: number) => (h % 24 < 8 ? 10 : 1);
    const from = 15 * 24 + 2;
    expect(detectSpikes(hourly(17 * 24, (h) => base(h) + (inRange(h, from, 4) ? 8 : 0)))).toHaveLength(1);
    expect(detectSpikes(hourly(17 * 24, (h) => base(h) + (inRange(h, from, 4) ? 3 : 0)))).toEqual([]);
  });
});

describe("detectSpikes: gaps", () => {
  it("finds nothing in a steady or diurnal pool with missing hours and NaN values", () => {
    const holes = (h: number) => h % 37 === 5 || (h >= 200 && h < 230);
    const steady = hourly(21 * 24, () => 4).filter((_, h) => !holes(h));
    expect(detectSpikes(steady)).toEqual([]);
    const diurnal = hourly(21 * 24, (h) => (h % 67 === 3 ? Number.NaN : h % 24 < 8 ? 10 : 1));
    expect(detectSpikes(diurnal)).toEqual([]);
  });

  it("keeps one window across a short hole inside a spike, and splits it across a long one", () => {
    const from = 10 * 24;
    const miner = (h: number) => (inRange(h, from, 10) ? 12 : 2);
    const withNaN = hourly(12 * 24, (h) => (h === from + 3 ? Number.NaN : miner(h)));
    const bridged = detectSpikes(withNaN);
    expect(bridged).toHaveLength(1);
    expect(bridged[0]?.start).toEqual(at(from));
    expect(bridged[0]?.end).toEqual(at(from + 9));
    const missing = hourly(12 * 24, miner).filter((_, h) => !inRange(h, from + 3, 2));
    expect(detectSpikes(missing)).toHaveLength(1);
    const longHole = hourly(12 * 24, miner).filter((_, h) => !inRange(h, from + 3, 4));
    expect(detectSpikes(longHole).map((s) => s.start)).toEqual([at(from), at(from + 7)]);
  });

  it("works on a 15-minute step: an hour of spike is five points", () => {
    const quarter = (n: number, value: (q: number) => number) =>
      Array.from({ length: n }, (_, q) => ({ time: new Date(T0 + q * 900_000), value: value(q) }));
    const from = 10 * 96;
    expect(detectSpikes(quarter(11 * 96, (q) => (inRange(q, from, 5) ? 12 : 2)))).toHaveLength(1);
    expect(detectSpikes(quarter(11 * 96, (q) => (inRange(q, from, 4) ? 12 : 2)))).toEqual([]);
  });
});

describe("detectSpikes: short history", () => {
  const short = (before: number, after: number) =>
    detectSpikes(hourly(36, (h) => (inRange(h, 20, 5) ? after : before)));

  it("counts only a large jump from a near-zero pool", () => {
    expect(short(1, 9)).toHaveLength(1);
    expect(short(0, 20)[0]?.start).toEqual(at(20));
    expect(short(2, 10)).toHaveLength(1);
    expect(short(1, 4)).toEqual([]);
    expect(short(2, 9)).toEqual([]);
    expect(short(5, 15)).toEqual([]);
  });

  it("takes the jump thresholds as options", () => {
    const points = hourly(36, (h) => (inRange(h, 20, 5) ? 4 : 1));
    expect(detectSpikes(points, { shortHistoryMinJump: 3 })).toHaveLength(1);
    expect(
      detectSpikes(
        hourly(36, (h) => (inRange(h, 20, 5) ? 15 : 5)),
        { shortHistoryMaxFrom: 5 },
      ),
    ).toHaveLength(1);
  });

  it("flags the first daily rise of a series that opens at a trough, unless the caller sets a warm-up", () => {
    const points = hourly(10 * 24, (h) => (inRange(h % 24, 9, 8) ? 10 : 0));
    expect(detectSpikes(points).length).toBeGreaterThan(0);
    expect(detectSpikes(points, { warmUpHours: 48 })).toEqual([]);
  });
});

describe("detectSpikes: contract", () => {
  // Steady, diurnal and weekly parts, a miner that returns a week later, churn, holes, and an ongoing spike at the end.
  const rich = (): SpikePoint[] =>
    hourly(23 * 24, (h) => {
      if (h % 97 === 40) return Number.NaN;
      let v = 3 + (h % 24 < 6 ? 6 : 0) + (h % (7 * 24) >= 30 && h % (7 * 24) < 33 ? 10 : 0) + churn(h);
      if (inRange(h, 9 * 24 + 14, 6) || inRange(h, 16 * 24 + 14, 6)) v += 12;
      if (h >= 23 * 24 - 5) v += 9;
      return v;
    }).filter((_, h) => !inRange(h, 300, 5));

  it("never mutates a frozen input, and returns well-formed windows", () => {
    const points = rich();
    const frozen = Object.freeze(points.map((p) => Object.freeze({ ...p })));
    const before = JSON.stringify(frozen);
    const spikes = detectSpikes(frozen);
    expect(JSON.stringify(frozen)).toBe(before);
    expect(spikes.length).toBeGreaterThanOrEqual(3);
    expectWellFormed(spikes);
    // Output Dates are new objects: changing them cannot reach the input.
    for (const s of spikes) for (const p of frozen) expect(s.start === p.time || s.end === p.time).toBe(false);
  });

  it("is deterministic", () => {
    expect(detectSpikes(rich())).toEqual(detectSpikes(rich()));
  });

  it("is causal: replaying the series hour by hour gives the one-shot windows, cut at each hour", () => {
    const points = rich();
    const full = detectSpikes(points);
    let last: Spike[] = [];
    for (let k = 1; k <= points.length; k++) {
      const prefix = points.slice(0, k);
      const now = prefix.at(-1)?.time.getTime() ?? 0;
      const seen = detectSpikes(prefix);
      for (const s of seen) {
        const whole = full.find((f) => f.start.getTime() === s.start.getTime());
        expect(whole, `a window at ${s.start.toISOString()} seen at ${new Date(now).toISOString()}`).toBeDefined();
        if (!whole) continue;
        if (whole.end.getTime() <= now) expect(s).toEqual(whole);
        else {
          expect(s.end.getTime()).toBeLessThanOrEqual(now);
          expect(s.peak).toBeLessThanOrEqual(whole.peak);
        }
      }
      // Every window that had lasted an hour by now is reported now.
      const due = full.filter((f) => f.start.getTime() + HOUR <= now);
      expect(seen.length).toBeGreaterThanOrEqual(due.length - 1);
      expect(seen.map((s) => s.start)).toEqual(
        full.filter((f) => seen.some((s) => s.start.getTime() === f.start.getTime())).map((f) => f.start),
      );
      last = seen;
    }
    expect(last).toEqual(full);
  });

  it("handles the empty and one-point series", () => {
    expect(detectSpikes([])).toEqual([]);
    expect(detectSpikes([{ time: new Date(T0), value: 50 }])).toEqual([]);
  });

  it("refuses unordered times and bad options", () => {
    const points = hourly(3, () => 1);
    expect(() => detectSpikes([points[1], points[0]] as SpikePoint[])).toThrow(RangeError);
    expect(() => detectSpikes(points, { minRatio: -1 })).toThrow(RangeError);
    expect(() => detectSpikes(points, { weeklyLookbackWeeks: 1.5 })).toThrow(RangeError);
    expect(() => detectSpikes(points, { minIncrease: Number.NaN })).toThrow(RangeError);
    expect(() => detectSpikes(points, { minIncrease: 0 })).toThrow(RangeError);
  });

  it("exports frozen defaults that match the product's definition", () => {
    expect(Object.isFrozen(DEFAULT_SPIKE_OPTIONS)).toBe(true);
    expect(DEFAULT_SPIKE_OPTIONS).toMatchObject({
      minIncrease: 2,
      minRatio: 0.5,
      minDurationHours: 1,
      slackHours: 1,
      shortHistoryHours: 48,
      shortHistoryMaxFrom: 2,
      shortHistoryMinJump: 8,
    });
  });
});
