import { describe, expect, it } from "vitest";
import type { Collector } from "../../shared/engine/ports.js";
import { type AuditDeps, runAudit, summarizeRun } from "../../shared/engine/run-audit.js";
import type { InventoryPart } from "../../shared/model/inventory.js";
import type { Rule } from "../../shared/model/rule.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { cluster } from "../support/helpers.js";
import { memoryStore, recordingNotifier } from "../support/memory-store.js";

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

function collectorOf(part: Partial<InventoryPart>): Collector & { part: InventoryPart } {
  const c = {
    cloud: "azure" as const,
    part: { clusters: [], exposures: [], workloads: [], gaps: [], ...part },
    collect: async () => c.part,
  };
  return c;
}

function deps(overrides: Partial<AuditDeps> = {}): AuditDeps {
  return {
    collectors: [
      collectorOf({
        clusters: [
          cluster({ id: "a", name: "public-a" }),
          cluster({
            id: "b",
            name: "private-b",
            apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null },
          }),
        ],
      }),
    ],
    rules: ALL_RULES,
    store: memoryStore(),
    notifiers: [],
    minNotifySeverity: "high",
    clock: () => new Date("2026-11-28T12:00:00Z"),
    log: quietLog,
    ...overrides,
  };
}

describe("runAudit", () => {
  it("reports every evaluated pair with the contract's fields and counts", async () => {
    const report = await runAudit(deps(), { trigger: "test", notify: true });
    expect(report.findings.map((f) => [f.clusterName, f.status])).toEqual([
      ["public-a", "fail"],
      ["private-b", "pass"],
    ]);
    const [f] = report.findings;
    expect(Object.keys(f ?? {}).sort()).toEqual(
      [
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
      ].sort(),
    );
    expect(report.run.counts).toMatchObject({ clusters: 2, fail: 1, pass: 1, unknown: 0, new: 1, gaps: 0 });
    expect(report.run.delivered).toBe(true);
    expect(summarizeRun(report)).toMatch(
      /^audit run .*: 2 clusters; 1 fail, 0 unknown, 1 pass; 1 new, 0 resolved; 0 gaps; memory=ok$/,
    );
  });

  it("turns a collection gap into an unknown audit-blind-spot finding", async () => {
    const report = await runAudit(deps({ collectors: [collectorOf({ gaps: [gap] })] }), {
      trigger: "test",
      notify: true,
    });
    expect(report.findings).toEqual([
      expect.objectContaining({ ruleId: "audit-blind-spot", status: "unknown", scope: "sub-x", clusterId: null }),
    ]);
    expect(report.run.gaps).toEqual([gap]);
  });

  it("tells chat about a new blind spot once, when the threshold lets it through", async () => {
    const slack = recordingNotifier("slack");
    const d = deps({
      collectors: [collectorOf({ gaps: [gap] })],
      notifiers: [slack],
      minNotifySeverity: "medium",
      store: memoryStore(),
    });
    await runAudit(d, { trigger: "test", notify: true });
    await runAudit(d, { trigger: "test", notify: true });
    expect(slack.sent.map((b) => b.map((f) => [f.ruleId, f.status]))).toEqual([[["audit-blind-spot", "unknown"]]]);
  });

  it("survives a collector that throws and a rule that throws", async () => {
    const broken: Collector = { cloud: "aws", collect: async () => Promise.reject(new Error("boom Bearer abc.def")) };
    const badRule: Rule = {
      metadata: ALL_RULES[0]?.metadata ?? ({} as Rule["metadata"]),
      evaluate: () => {
        throw new Error("bad rule");
      },
    };
    const report = await runAudit(deps({ collectors: [broken], rules: [badRule, ...ALL_RULES.slice(1)] }), {
      trigger: "test",
      notify: true,
    });
    const gapFinding = report.findings.find((f) => f.ruleId === "audit-blind-spot");
    expect(gapFinding?.detail).toContain("boom");
    expect(gapFinding?.detail).not.toContain("abc.def");
    expect(report.findings.some((f) => f.status === "unknown" && f.detail.includes("failed to evaluate"))).toBe(true);
  });

  it("notifies once, then stays quiet, then announces the resolution", async () => {
    const store = memoryStore();
    const slack = recordingNotifier("slack");
    const collector = collectorOf({ clusters: [cluster({ id: "a", name: "public-a" })] });
    const d = deps({ store, notifiers: [slack], collectors: [collector] });
    await runAudit(d, { trigger: "test", notify: true });
    await runAudit(d, { trigger: "test", notify: true });
    expect(slack.sent.map((batch) => batch.map((f) => f.state))).toEqual([["new"]]);
    collector.part = {
      ...collector.part,
      clusters: [
        cluster({
          id: "a",
          name: "public-a",
          apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null },
        }),
      ],
    };
    const third = await runAudit(d, { trigger: "test", notify: true });
    expect(third.run.counts.resolved).toBe(1);
    expect(slack.sent[1]?.map((f) => [f.state, f.status])).toEqual([["resolved", "pass"]]);
    expect(store.rows.size).toBe(1);
  });

  it("keeps an undelivered alert pending and sends it on the next run, on that channel only", async () => {
    const store = memoryStore();
    const slack = recordingNotifier("slack");
    const teams = recordingNotifier("teams");
    teams.failing = true;
    const d = deps({ store, notifiers: [slack, teams] });
    const first = await runAudit(d, { trigger: "test", notify: true });
    expect(first.run.delivered).toBe(false);
    expect([...store.rows.values()].find((r) => r.status === "fail")?.pendingChannels).toEqual(["teams"]);
    teams.failing = false;
    await runAudit(d, { trigger: "test", notify: true });
    expect(slack.sent).toHaveLength(1);
    expect(teams.sent.map((b) => b.map((f) => f.clusterName))).toEqual([["public-a"]]);
    expect([...store.rows.values()].every((r) => r.pendingChannels.length === 0)).toBe(true);
  });

  it("with --no-notify sends nothing and leaves the alerts owed to a later run", async () => {
    const store = memoryStore();
    const slack = recordingNotifier("slack");
    const d = deps({ store, notifiers: [slack] });
    await runAudit(d, { trigger: "cli", notify: false });
    expect(slack.sent).toHaveLength(0);
    await runAudit(d, { trigger: "timer", notify: true });
    expect(slack.sent.map((b) => b.length)).toEqual([1]);
  });

  it("stays quiet and reports the failure when the history cannot be read", async () => {
    const store = memoryStore();
    store.failLoad = true;
    const slack = recordingNotifier("slack");
    const report = await runAudit(deps({ store, notifiers: [slack] }), { trigger: "test", notify: true });
    expect(slack.sent).toHaveLength(0);
    expect(report.run.delivered).toBe(false);
    expect(report.run.sinks[0]).toMatchObject({ sink: "memory-history", ok: false, error: "store offline" });
    // Rows are not overwritten with lifecycle fields guessed without history...
    expect(store.rows.size).toBe(0);
    // ...and the alert goes out once the store is back.
    store.failLoad = false;
    await runAudit(deps({ store, notifiers: [slack] }), { trigger: "test", notify: true });
    expect(slack.sent.map((b) => b.map((f) => f.clusterName))).toEqual([["public-a"]]);
  });
});
