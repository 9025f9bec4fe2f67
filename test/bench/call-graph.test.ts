import { describe, expect, inject, it } from "vitest";
import { BENCH_PAGE_SIZES, benchEnvironment, callsAtFakes, startBenchFakes } from "../../shared/bench/bench-fakes.js";
import {
  type CallGraph,
  type CallNode,
  callsByApi,
  fanOutCallsByApi,
  fanOutGraph,
  fanOutLowerBound,
  inProcessGraph,
  lowerBound,
} from "../../shared/bench/call-graph.js";
import { type Scale, scaledEstate } from "../../shared/bench/scaled-estate.js";
import { runSweep } from "../../shared/bench/sweep-child.js";
import { DEFAULT_CONCURRENCY } from "../../shared/collectors/limits.js";
import { loadTelemetry } from "../../shared/fakes/telemetry.js";
import { DEMO_TELEMETRY_PATH } from "../../shared/paths.js";
import { withEnvironment } from "../support/simulated.js";

const node = (api: string, limiters: string[], stage: number, after: number[] = []): CallNode => ({
  api,
  limiters,
  stage,
  after,
});

describe("the lower-bound model of the bench", () => {
  it("takes, per stage, the critical path or the waves of the busiest limiter, and sums the stages", () => {
    // Stage 0: a subscription page, then three permission checks; one ARM call at a time makes four waves.
    // Stage 1: a chain of two.
    const graph: CallGraph = {
      nodes: [
        node("arm.subscriptions", ["arm"], 0),
        node("arm.permissions", ["arm|a", "arm"], 0, [0]),
        node("arm.permissions", ["arm|b", "arm"], 0, [0]),
        node("arm.permissions", ["arm|c", "arm"], 0, [0]),
        node("eks.ListClusters", ["aws|1|r", "eks"], 0),
        node("elbv2.DescribeLoadBalancers", ["aws|1|r", "elb"], 1),
        node("elbv2.DescribeTags", ["aws|1|r", "elb"], 1, [5]),
      ],
    };
    const bound = lowerBound(graph, { ...DEFAULT_CONCURRENCY, arm: 1 }, 100);
    expect(bound.stages.map((s) => [s.criticalPath, s.roundTrips])).toEqual([
      [2, 4],
      [2, 2],
    ]);
    expect(bound.stages[0]?.binding).toBe("arm (4 calls, 1 at once)");
    expect(bound).toMatchObject({ roundTrips: 6, ms: 600 });
    // Two at once: the model says 2 (four ARM calls in two waves, or the chain of two) where a schedule needs 3:
    // a lower bound, not a schedule.
    expect(lowerBound(graph, { ...DEFAULT_CONCURRENCY, arm: 2 }, 100).stages[0]?.roundTrips).toBe(2);
    expect(callsByApi(graph).get("arm.permissions")).toBe(3);
  });

  it("counts a limiter's head: calls that can only start after others add their depth", () => {
    // Ten calls that all wait for one page, three at a time: 1 + ⌈10/3⌉ = 5 round trips.
    const graph: CallGraph = {
      nodes: [
        node("arm.subscriptions", ["sts"], 0),
        ...Array.from({ length: 10 }, () => node("eks.DescribeCluster", ["eks"], 0, [0])),
      ],
    };
    expect(lowerBound(graph, { ...DEFAULT_CONCURRENCY, eks: 3 }, 100).roundTrips).toBe(5);
  });

  it("holds Resource Graph to its quota of 15 queries per 5 seconds", () => {
    const graph: CallGraph = { nodes: Array.from({ length: 31 }, () => node("resourceGraph", ["resource-graph"], 0)) };
    const bound = lowerBound(graph, DEFAULT_CONCURRENCY, 100);
    // Two full windows before the third can open, then one round trip.
    expect(bound.ms).toBe(10_100);
    expect(bound.binding).toMatch(/quota/);
  });

  it("puts the scopes of a fanned-out sweep on N workers after the planner", () => {
    const chain = (length: number): CallGraph => ({
      nodes: Array.from({ length }, (_, i) => node("eks.ListClusters", ["eks"], 0, i > 0 ? [i - 1] : [])),
    });
    const graph = { planner: chain(1), scopes: [chain(2), chain(2), chain(4)] };
    // The scopes' sum (8 round trips) on 2 workers is 4, as long as the longest scope.
    expect(fanOutLowerBound(graph, DEFAULT_CONCURRENCY, 100, 2)).toMatchObject({ ms: 500, plannerMs: 100 });
    expect(fanOutLowerBound(graph, DEFAULT_CONCURRENCY, 100, 1).ms).toBe(900);
  });
});

const TINY: Scale = {
  subscriptions: 8,
  aksClusters: 40,
  awsAccounts: 2,
  awsRegions: 3,
  eksClusters: 10,
  workspaces: 2,
};

describe("a tiny scaled estate, swept by the real engine", () => {
  it.each(["in-process", "fan-out"] as const)(
    "makes exactly the minimum calls per API (%s): no call twice",
    async (mode) => {
      const now = new Date("2026-12-01T10:05:00Z");
      const scaled = scaledEstate(TINY, await loadTelemetry(DEMO_TELEMETRY_PATH()));
      const fakes = await startBenchFakes(scaled, inject("tls"), { now, latencyMs: 0 });
      try {
        const env = benchEnvironment(fakes, scaled, mode === "fan-out" ? { subscriptionsPerScope: 3 } : null);
        const result = await withEnvironment(env, () => runSweep({ mode, workers: 3, concurrency: {} }, process.env));
        expect(result.counts.clusters).toBe(TINY.aksClusters + TINY.eksClusters);
        const minimum =
          mode === "in-process"
            ? callsByApi(inProcessGraph(scaled, BENCH_PAGE_SIZES))
            : fanOutCallsByApi(fanOutGraph(scaled, { ...BENCH_PAGE_SIZES, subscriptionsPerScope: 3 }));
        // One token per audience for the whole sweep, however many scopes.
        minimum.set("token.arm", 1);
        minimum.set("token.logs", 1);
        const { calls, failed } = callsAtFakes(fakes, result.tokens);
        expect(Object.fromEntries([...calls].sort())).toEqual(Object.fromEntries([...minimum].sort()));
        expect([...failed]).toEqual([]);
      } finally {
        await fakes.close();
      }
    },
  );
});
