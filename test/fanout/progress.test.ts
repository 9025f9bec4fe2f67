import { describe, expect, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { planSweep, scopeDelays } from "../../shared/fanout/orchestrator.js";
import {
  advancePlan,
  allScopesReported,
  plannedScopes,
  readProgress,
  reportScope,
  writePlan,
} from "../../shared/fanout/progress.js";
import type { ScopeSpec } from "../../shared/fanout/scopes.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";

const RUN = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const scopes: ScopeSpec[] = ["us-east-1", "us-west-2", "eu-west-1"].map((region) => ({
  kind: "aws",
  roleArn: null,
  region,
}));
const report = (key: string) => ({
  key,
  state: "done" as const,
  counts: { clusters: 1 },
  gaps: [],
  coverage: 1,
  sinksOk: true,
  error: null,
  attempts: 1,
  finishedAt: "2026-12-01T10:00:00.000Z",
});

describe("the completion check each worker makes", () => {
  it("is true once every planned scope reported, whatever the order or repeats, and never after the claim", async () => {
    const runs = await createMemoryTable("runs");
    const planned = plannedScopes(scopes);
    await writePlan(runs, {
      runId: RUN,
      trigger: "test",
      startedAt: "2026-12-01T10:00:00.000Z",
      deadline: "2026-12-01T10:10:00.000Z",
      scopes: planned,
      discovery: "not-needed",
      discoveryError: null,
    });
    const [a, b, c] = planned.map((p) => p.key);
    expect(await allScopesReported(runs, RUN)).toBe(false);
    await reportScope(runs, RUN, report(a ?? ""));
    await reportScope(runs, RUN, report(b ?? ""));
    // A duplicate delivery upserts the same row: still two of three.
    await reportScope(runs, RUN, report(b ?? ""));
    expect(await allScopesReported(runs, RUN)).toBe(false);
    await reportScope(runs, RUN, report(c ?? ""));
    expect(await allScopesReported(runs, RUN)).toBe(true);
    // It agrees with the full read the finishing step makes.
    const { plan, reports } = await readProgress(runs, RUN);
    expect(plan?.scopes.every((s) => reports.has(s.key))).toBe(true);
    if (!plan) throw new Error("no plan");
    await advancePlan(runs, plan, "finishing", new Date());
    expect(await allScopesReported(runs, RUN)).toBe(false);
    expect(await allScopesReported(runs, "00000000-0000-4000-8000-000000000000")).toBe(false);
  });
});

describe("the planner's pacing of Azure scopes", () => {
  it("lets out three Azure scopes per Resource Graph quota window (five queries each), AWS scopes at once", () => {
    const azure = (i: number): ScopeSpec => ({
      kind: "azure",
      subscriptions: [`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`],
    });
    const aws: ScopeSpec = { kind: "aws", roleArn: null, region: "us-east-1" };
    expect(scopeDelays([...Array.from({ length: 7 }, (_, i) => azure(i)), aws, aws])).toEqual([
      0, 0, 0, 5, 5, 5, 10, 0, 0,
    ]);
  });

  it("sends each scope message with its delay, and the deadline's last", async () => {
    const sent: { kind: string; delay: number }[] = [];
    const subscriptions = Array.from(
      { length: 4 },
      (_, i) => `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`,
    );
    const settings = loadSettings(
      {
        AUDIT_CLOUDS: "azure",
        AUDIT_AZURE_SUBSCRIPTIONS: subscriptions.join(","),
        AUDIT_FANOUT_MIN_SCOPES: "1",
        AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: "1",
        AUDIT_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true",
      },
      { localStoreDirectory: "/nonexistent" },
    );
    const plan = await planSweep(
      {
        settings,
        queue: { target: "memory", send: async (m, delay = 0) => void sent.push({ kind: m.kind, delay }) },
        runs: await createMemoryTable("runs"),
        compose: () => Promise.reject(new Error("the planner composes nothing")),
        clock: () => new Date("2026-12-01T10:00:00Z"),
        log: { info: () => {}, warn: () => {}, error: () => {} },
      },
      "test",
    );
    expect(plan.mode).toBe("fan-out");
    expect(
      sent
        .filter((m) => m.kind === "scope")
        .map((m) => m.delay)
        .sort(),
    ).toEqual([0, 0, 0, 5]);
    expect(sent.at(-1)).toEqual({ kind: "finish", delay: settings.fanOut.deadlineMinutes * 60 });
  });
});
