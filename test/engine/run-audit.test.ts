import { describe, expect, it } from "vitest";
import { type Collector, STAGES } from "../../shared/engine/ports.js";
import { type AuditDeps, runAudit, summarizeRun } from "../../shared/engine/run-audit.js";
import type { CoverageEntry, InventoryPart } from "../../shared/model/inventory.js";
import type { Rule } from "../../shared/model/rule.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { auditBlindSpot } from "../../shared/rules/audit-blind-spot/audit-blind-spot.js";

/** The engine is tested with two rules: the lifecycle, not the rule catalogue, is under test. */
const ALL_RULES = [apiServerPublic, auditBlindSpot];

import { istioIngressPublic } from "../../shared/rules/istio-ingress-public/istio-ingress-public.js";
import { cluster, exposure } from "../support/helpers.js";
import { memoryStore, recordingNotifier } from "../support/memory-store.js";

const SUB = "11111111-1111-1111-1111-111111111111";
const covered: CoverageEntry = { cloud: "azure", scope: SUB, region: null, clusterId: null, source: "clusters" };
const gap = {
  cloud: "azure" as const,
  scope: "sub-x",
  region: null,
  clusterId: null,
  clusterName: null,
  operation: "list-managed-clusters",
  reason: "access denied",
  code: "AuthorizationFailed",
};
const quietLog = { info: () => {}, warn: () => {}, error: () => {} };
const privateApi = { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null };

function collectorOf(part: InventoryPart): Collector & { part: InventoryPart } {
  const c = {
    id: "test",
    cloud: "azure" as const,
    stage: STAGES.primary,
    part: { coverage: [covered], ...part },
    collect: async () => c.part,
  };
  return c;
}

async function setup(overrides: Partial<AuditDeps> = {}) {
  const memory = await memoryStore();
  let tick = 0;
  const deps = (extra: Partial<AuditDeps> = {}): AuditDeps => ({
    collectors: [
      collectorOf({
        clusters: [
          cluster({ id: "a", name: "public-a" }),
          cluster({ id: "b", name: "private-b", apiServer: privateApi }),
        ],
      }),
    ],
    rules: ALL_RULES,
    store: memory.store(),
    notifiers: [],
    minNotifySeverity: "high",
    // Each run a quarter of an hour later, as the timer ticks.
    clock: () => new Date(Date.parse("2026-11-28T12:00:00Z") + tick * 60_000),
    log: quietLog,
    ...overrides,
    ...extra,
  });
  const run = async (extra: Partial<AuditDeps> = {}, notify = true) => {
    tick += 15;
    return runAudit(deps(extra), { trigger: "test", notify });
  };
  return { memory, run };
}

const sentKinds = (notifier: ReturnType<typeof recordingNotifier>) =>
  notifier.sent.map((batch) => batch.map((n) => `${n.intent.kind}:${n.finding.clusterName}`));

describe("runAudit", () => {
  it("reports every evaluated pair with the contract's fields and counts", async () => {
    const { run } = await setup();
    const report = await run();
    expect(report.findings.map((f) => [f.clusterName, f.status])).toEqual([
      ["public-a", "fail"],
      ["private-b", "pass"],
    ]);
    for (const key of [
      "ruleId",
      "severity",
      "status",
      "state",
      "cloud",
      "scope",
      "region",
      "clusterId",
      "clusterName",
      "title",
      "detail",
      "evidence",
      "fingerprint",
      "firstSeen",
      "lastSeen",
    ])
      expect(report.findings[0]).toHaveProperty(key);
    expect(report.run.counts).toMatchObject({ clusters: 2, fail: 1, pass: 1, unknown: 0, new: 1, gaps: 0 });
    expect(report.run.delivered).toBe(true);
    expect(summarizeRun(report)).toMatch(
      /^audit run .*: 2 clusters; 1 fail, 0 unknown, 1 pass; 1 new, 0 resolved; 0 gaps; table=ok$/,
    );
  });

  it("writes one run row with coverage, counts and sink results", async () => {
    const { run, memory } = await setup();
    const report = await run();
    const [row] = memory.runs.rows();
    expect(row).toMatchObject({ runId: report.run.id, trigger: "test", coverageEntries: 1, ok: true });
    expect(JSON.parse(String(row?.counts))).toMatchObject({ fail: 1, pass: 1 });
  });

  it("notifies once, stays quiet, then announces the resolution", async () => {
    const slack = recordingNotifier("slack");
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const { run, memory } = await setup({ notifiers: [slack], collectors: [collector] });
    await run();
    await run();
    expect(sentKinds(slack)).toEqual([["new:public-a"]]);
    collector.part = { ...collector.part, clusters: [cluster({ id: "a", name: "public-a", apiServer: privateApi })] };
    const third = await run();
    expect(third.run.counts.resolved).toBe(1);
    expect(sentKinds(slack)[1]).toEqual(["resolved:public-a"]);
    expect(memory.rows().size).toBe(1);
  });

  it("resolves a finding whose resource disappeared from an audited scope, and alerts again when it returns", async () => {
    const slack = recordingNotifier("slack");
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const { run } = await setup({ notifiers: [slack], collectors: [collector] });
    const first = await run();
    const firstSeen = first.findings[0]?.firstSeen;
    collector.part = { ...collector.part, clusters: [] };
    const gone = await run();
    expect(gone.findings).toEqual([
      expect.objectContaining({ state: "resolved", status: "pass", clusterName: "public-a" }),
    ]);
    expect(gone.findings[0]?.detail).toMatch(/^No longer found/);
    collector.part = { ...collector.part, clusters: [cluster({ id: "a", name: "public-a" })] };
    const back = await run();
    expect(back.findings[0]).toMatchObject({ state: "new", status: "fail", firstSeen });
    expect(sentKinds(slack)).toEqual([["new:public-a"], ["resolved:public-a"], ["new:public-a"]]);
  });

  it("resolves a deleted Service's exposure, and alerts again when it is recreated; an unread network resolves nothing", async () => {
    const slack = recordingNotifier("slack");
    const network: CoverageEntry = { ...covered, source: "service-exposure" };
    const gateway = exposure();
    const collector = collectorOf({ clusters: [cluster()], exposures: [gateway], coverage: [covered, network] });
    const { run } = await setup({ notifiers: [slack], collectors: [collector], rules: [istioIngressPublic] });
    expect((await run()).findings.map((f) => [f.status, f.state])).toEqual([["fail", "new"]]);
    // The network of the subscription could not be read: the gateway's finding stays as it was.
    collector.part = { clusters: [cluster()], coverage: [covered] };
    const unread = await run();
    expect(unread.run.counts.resolved).toBe(0);
    // Read again, the Service is gone: resolved.
    collector.part = { clusters: [cluster()], coverage: [covered, network] };
    const gone = await run();
    expect(gone.findings.some((f) => f.state === "resolved" && f.detail.startsWith("No longer found"))).toBe(true);
    collector.part = { clusters: [cluster()], exposures: [gateway], coverage: [covered, network] };
    await run();
    expect(slack.sent.map((b) => b.map((n) => `${n.intent.kind}:${n.finding.ruleId}`))).toEqual([
      ["new:istio-ingress-public"],
      ["resolved:istio-ingress-public"],
      ["new:istio-ingress-public"],
    ]);
  });

  it("resolves nothing in a scope that was a blind spot in this run", async () => {
    const slack = recordingNotifier("slack");
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const { run } = await setup({ notifiers: [slack], collectors: [collector] });
    await run();
    // The listing of the subscription fails: no coverage, a gap instead.
    collector.part = { clusters: [], coverage: [], gaps: [{ ...gap, scope: SUB }] };
    const blind = await run();
    expect(blind.findings.filter((f) => f.ruleId === "api-server-public")).toEqual([]);
    expect(blind.run.counts.resolved).toBe(0);
    // Coverage without a listing gap, but with a gap on the cluster: still nothing resolves.
    collector.part = {
      clusters: [],
      coverage: [covered],
      gaps: [{ ...gap, scope: SUB, clusterId: "a", clusterName: "public-a", operation: "describe-cluster" }],
    };
    const partly = await run();
    // The listing works again, so its own blind spot resolves; the cluster's finding does not.
    expect(partly.findings.filter((f) => f.state === "resolved").map((f) => f.ruleId)).toEqual(["audit-blind-spot"]);
    expect(sentKinds(slack)).toEqual([["new:public-a"]]);
  });

  it("turns a rule that throws into blind spots for its clusters, never into resolutions", async () => {
    const slack = recordingNotifier("slack");
    const { run } = await setup({ notifiers: [slack], minNotifySeverity: "medium" });
    await run();
    const broken: Rule = {
      metadata: ALL_RULES[0]?.metadata ?? ({} as Rule["metadata"]),
      evaluate: () => {
        throw new Error("bad rule Bearer abc.def");
      },
    };
    const report = await run({ rules: [broken, ...ALL_RULES.slice(1)] });
    expect(report.run.counts.resolved).toBe(0);
    const spots = report.findings.filter((f) => f.ruleId === "audit-blind-spot");
    expect(spots.map((f) => f.clusterName).sort()).toEqual(["private-b", "public-a"]);
    expect(spots[0]?.detail).toContain("could not evaluate");
    expect(spots[0]?.detail).not.toContain("abc.def");
    // Fixed again: the failure is still open (no new alert), the blind spots resolve.
    const fixed = await run();
    expect(fixed.findings.find((f) => f.clusterName === "public-a" && f.ruleId === "api-server-public")?.state).toBe(
      "open",
    );
    expect(fixed.findings.filter((f) => f.state === "resolved").map((f) => f.ruleId)).toEqual([
      "audit-blind-spot",
      "audit-blind-spot",
    ]);
  });

  it("survives a collector that throws, as a blind spot", async () => {
    const broken: Collector = {
      id: "broken",
      cloud: "aws",
      stage: STAGES.primary,
      collect: async () => Promise.reject(new Error("boom Bearer abc.def")),
    };
    const { run } = await setup({ collectors: [broken] });
    const report = await run();
    const spot = report.findings.find((f) => f.ruleId === "audit-blind-spot");
    expect(spot?.detail).toContain("boom");
    expect(spot?.detail).not.toContain("abc.def");
  });

  it("gives an enrichment stage the inventory of the primary stage", async () => {
    const seen: number[] = [];
    const enrich: Collector = {
      id: "enrich",
      cloud: "azure",
      stage: STAGES.enrichment,
      collect: async ({ inventory }) => {
        seen.push(inventory.clusters.length);
        return {};
      },
    };
    const { run } = await setup();
    await run({
      collectors: [enrich, collectorOf({ clusters: [cluster({ id: "a" }), cluster({ id: "b" })] })],
    });
    expect(seen).toEqual([2]);
  });

  it("notifies an escalation once", async () => {
    const slack = recordingNotifier("slack");
    const escalating: Rule = {
      metadata: { ...(ALL_RULES[0]?.metadata as Rule["metadata"]) },
      evaluate: (inventory, context) =>
        inventory.clusters.map((c) => ({
          status: "fail" as const,
          cloud: c.cloud,
          scope: c.scope,
          region: c.region,
          clusterId: c.id,
          clusterName: c.name,
          subject: "",
          detail: "x",
          evidence: {},
          severity: (context.config as { severity?: "high" | "critical" } | undefined)?.severity ?? "high",
        })),
    };
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const { run } = await setup({ notifiers: [slack], collectors: [collector], rules: [escalating] });
    const critical = new Map([["api-server-public", { severity: "critical" }]]);
    await run();
    await run({ ruleConfigs: critical });
    await run({ ruleConfigs: critical });
    await run();
    await run({ ruleConfigs: critical });
    expect(sentKinds(slack)).toEqual([["new:public-a"], ["escalated:public-a"]]);
    expect(slack.sent[1]?.[0]?.intent).toMatchObject({ severity: "critical", from: "high" });
  });

  it("keeps an undelivered alert owed and sends it on the next run, on that channel only", async () => {
    const slack = recordingNotifier("slack");
    const teams = recordingNotifier("teams");
    teams.failing = true;
    const { run, memory } = await setup({ notifiers: [slack, teams] });
    const first = await run();
    expect(first.run.delivered).toBe(false);
    expect(first.run.counts.owed).toBe(1);
    const row = [...memory.rows().values()].find((r) => r.status === "fail");
    expect(row?.pendingChannels).toBe("teams");
    teams.failing = false;
    await run();
    expect(slack.sent).toHaveLength(1);
    expect(sentKinds(teams)).toEqual([["new:public-a"]]);
    expect([...memory.rows().values()].every((r) => r.pendingChannels === undefined || r.pendingChannels === "")).toBe(
      true,
    );
  });

  it("with --no-notify owes everything, resolutions included, and a later run sends it", async () => {
    const slack = recordingNotifier("slack");
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const { run } = await setup({ notifiers: [slack], collectors: [collector] });
    await run({}, false);
    collector.part = { ...collector.part, clusters: [cluster({ id: "a", name: "public-a", apiServer: privateApi })] };
    const quiet = await run({}, false);
    expect(quiet.run.counts.owed).toBe(2);
    expect(slack.sent).toHaveLength(0);
    await run();
    expect(sentKinds(slack)).toEqual([["new:public-a", "resolved:public-a"]]);
    await run();
    expect(slack.sent).toHaveLength(1);
  });

  it("stays quiet and writes nothing when the history cannot be read, then alerts once it can", async () => {
    const slack = recordingNotifier("slack");
    const { run, memory } = await setup({ notifiers: [slack] });
    memory.failLoad = true;
    const report = await run();
    expect(slack.sent).toHaveLength(0);
    expect(report.run.delivered).toBe(false);
    expect(report.run.sinks[0]).toMatchObject({ sink: "memory-history", ok: false, error: "store offline" });
    expect(memory.rows().size).toBe(0);
    memory.failLoad = false;
    await run();
    expect(sentKinds(slack)).toEqual([["new:public-a"]]);
  });
});
