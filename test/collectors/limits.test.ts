import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { describe, expect, inject, it } from "vitest";
import { armLimitPolicy } from "../../shared/collectors/azure/limit-policy.js";
import { createResourceGraphReader } from "../../shared/collectors/azure/resource-graph.js";
import { createLimiterRegistry, DEFAULT_CONCURRENCY, retryAfterMs } from "../../shared/collectors/limits.js";
import { AZURE_CLOUDS } from "../../shared/config/azure-clouds.js";
import { startArmFake } from "../../shared/fakes/arm-fake.js";
import { estateSchema } from "../../shared/fakes/estate.js";
import { staticCredential } from "../support/helpers.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `count` calls of `ms` each through `run`, counting how many were in flight at once per key. */
function counter() {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const call =
    (keys: readonly string[], ms = 5) =>
    async () => {
      for (const k of keys) {
        inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
        peak.set(k, Math.max(peak.get(k) ?? 0, inFlight.get(k) ?? 0));
      }
      await pause(ms);
      for (const k of keys) inFlight.set(k, (inFlight.get(k) ?? 0) - 1);
    };
  return { call, peak };
}

describe("the limiter registry", () => {
  it("keeps each subscription's bucket and the ARM total within their limits at once", async () => {
    const limiters = createLimiterRegistry({ arm: 3, armPerSubscription: 2 });
    const { call, peak } = counter();
    await Promise.all(
      ["A", "B", "C"].flatMap((s) => Array.from({ length: 6 }, () => limiters.arm(s).run(call([`sub ${s}`, "arm"])))),
    );
    expect(peak.get("arm")).toBe(3);
    for (const s of ["A", "B", "C"]) expect(peak.get(`sub ${s}`)).toBeLessThanOrEqual(2);
    expect(limiters.peaks().get("arm")).toBe(3);
    expect(Math.max(...["a", "b", "c"].map((s) => limiters.peaks().get(`arm|${s}`) ?? 0))).toBe(2);
  });

  it("lets the EKS and load-balancer calls of one account-region share that bucket", async () => {
    const limiters = createLimiterRegistry({ awsPerAccountRegion: 2 });
    const { call, peak } = counter();
    await Promise.all([
      ...Array.from({ length: 5 }, () => limiters.aws("eks", "111111111111", "us-east-1").run(call(["bucket"]))),
      ...Array.from({ length: 5 }, () => limiters.aws("elb", "111111111111", "us-east-1").run(call(["bucket"]))),
      // Another region has a bucket of its own.
      ...Array.from({ length: 2 }, () => limiters.aws("eks", "111111111111", "eu-west-1").run(call(["other"]))),
    ]);
    expect(peak.get("bucket")).toBe(2);
    expect(peak.get("other")).toBe(2);
    expect(limiters.peaks().get("aws|111111111111|us-east-1")).toBe(2);
  });

  it("gives ELBv2 and classic ELB a slot each (separate AWS buckets), with the same limit", async () => {
    const limiters = createLimiterRegistry({ elb: 1 });
    const { call, peak } = counter();
    await Promise.all([
      ...Array.from({ length: 3 }, () => limiters.aws("elbv2", "111111111111", "us-east-1").run(call(["all", "v2"]))),
      ...Array.from({ length: 3 }, () => limiters.aws("elb", "111111111111", "eu-west-1").run(call(["all", "v1"]))),
    ]);
    expect([peak.get("v2"), peak.get("v1"), peak.get("all")]).toEqual([1, 1, 2]);
  });

  it("holds a bucket's new calls until the hold ends, and no other bucket", async () => {
    const limiters = createLimiterRegistry();
    limiters.arm("A").holdUntil(Date.now() + 80);
    const started = Date.now();
    const [held, free] = await Promise.all([
      limiters.arm("A").run(async () => Date.now() - started),
      limiters.arm("B").run(async () => Date.now() - started),
    ]);
    expect(held).toBeGreaterThanOrEqual(75);
    expect(free).toBeLessThan(50);
  });

  it("refuses a limit that would stop every call, and documents its defaults", () => {
    expect(() => createLimiterRegistry({ eks: 0 })).toThrow(/eks/);
    expect(DEFAULT_CONCURRENCY.logAnalytics).toBe(5);
  });

  it("reads Retry-After in seconds, as a date, and the millisecond variants", () => {
    const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;
    expect(retryAfterMs(headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(headers({ "x-ms-retry-after-ms": "40" }))).toBe(40);
    expect(retryAfterMs(headers({ "retry-after": new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(headers({}))).toBeNull();
  });
});

describe("the Azure limit policy", () => {
  it("holds the throttled subscription for its Retry-After, so its next call waits and others do not", async () => {
    const limiters = createLimiterRegistry();
    const policy = armLimitPolicy(limiters);
    const answer =
      (status: number, headers: Record<string, string> = {}) =>
      async (): Promise<PipelineResponse> => ({
        status,
        headers: createHttpHeaders(headers),
        request: createPipelineRequest({ url: "https://x" }),
      });
    const url = (s: string) => `https://management.example/subscriptions/${s}/providers/x?api-version=1`;
    await policy.sendRequest(createPipelineRequest({ url: url("A") }), answer(429, { "retry-after-ms": "80" }));
    const started = Date.now();
    const times = await Promise.all(
      ["A", "B"].map(async (s) => {
        await policy.sendRequest(createPipelineRequest({ url: url(s) }), answer(200));
        return Date.now() - started;
      }),
    );
    expect(times[0]).toBeGreaterThanOrEqual(70);
    expect(times[1]).toBeLessThan(50);
  });

  it("shares one Resource Graph quota between readers: a spent quota holds the other reader too", async () => {
    const sub = "00000000-0000-4000-8000-000000000001";
    const estate = estateSchema.parse({
      description: "quota",
      tenantId: "t",
      azure: { subscriptions: [{ subscriptionId: sub, displayName: "s" }] },
    });
    // Three queries per window: the first reader spends the quota, the second must wait rather than collect a 429.
    const fake = await startArmFake(estate, inject("tls"), { resourceGraphQuota: { limit: 3, windowMs: 1500 } });
    try {
      const limiters = createLimiterRegistry();
      const options = {
        endpoint: fake.url,
        audience: AZURE_CLOUDS.AzurePublicCloud.armAudience,
        retryOptions: { maxRetries: 0 },
        limiters,
      };
      const aks = createResourceGraphReader(staticCredential(), options);
      const logs = createResourceGraphReader(staticCredential(), options);
      const drain = async (rows: AsyncIterable<unknown>) => {
        for await (const _ of rows);
      };
      for (let i = 0; i < 3; i++) await drain(aks("resources | project id", [sub]));
      await drain(logs("resources | project id", [sub]));
      expect(fake.resourceGraphRequests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await fake.close();
    }
  });
});
