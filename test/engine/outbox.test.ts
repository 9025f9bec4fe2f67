import { describe, expect, it } from "vitest";
import type { LifecycleFinding } from "../../shared/engine/lifecycle.js";
import { dueNotifications, planOutbox } from "../../shared/engine/outbox.js";
import { runAudit } from "../../shared/engine/run-audit.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { clusterCollector, finding } from "../support/helpers.js";
import { memoryStore, recordingNotifier } from "../support/memory-store.js";

const now = new Date("2026-11-28T12:00:00Z");
const lifecycle = (overrides: Partial<LifecycleFinding> = {}): LifecycleFinding => ({
  ...finding(),
  sources: ["clusters"],
  peakSeverity: "high",
  episode: 1,
  episodeStartedAt: now.toISOString(),
  failedInEpisode: true,
  lastRemindedAt: null,
  silenced: false,
  transition: "new",
  transitionKey: "new:1:fail",
  ...overrides,
});

describe("the outbox plan", () => {
  it("owes a transition to every channel when it reaches the threshold, and nothing below it", () => {
    const [row] = planOutbox([lifecycle()], new Map(), ["slack", "teams"], "high", now);
    expect(row?.outbox.slack?.map((i) => i.key)).toEqual(["new:1:fail"]);
    expect(row?.outbox.teams?.map((i) => i.key)).toEqual(["new:1:fail"]);
    const [quiet] = planOutbox([lifecycle({ severity: "medium" })], new Map(), ["slack"], "high", now);
    expect(quiet?.outbox).toEqual({});
  });

  it("judges a resolution by the episode's peak, so a resolved critical reaches a critical-only channel", () => {
    const [row] = planOutbox(
      [lifecycle({ transition: "resolved", transitionKey: "resolved:1", severity: "high", peakSeverity: "critical" })],
      new Map(),
      ["slack"],
      "critical",
      now,
    );
    expect(row?.outbox.slack?.[0]).toMatchObject({ kind: "resolved", severity: "critical" });
  });

  it("sends nothing of a muted finding, not even what an earlier run still owed", () => {
    const history = new Map([[finding().fingerprint, { outbox: { slack: [{ key: "new:1:fail" }] } } as never]]);
    const [row] = planOutbox(
      [lifecycle({ silenced: true, transition: null, transitionKey: null })],
      history,
      ["slack"],
      "info",
      now,
    );
    expect(row?.outbox).toEqual({});
  });

  it("sends only intents whose rows landed", () => {
    const rows = planOutbox(
      [lifecycle(), lifecycle({ fingerprint: "b".repeat(40) })],
      new Map(),
      ["slack"],
      "high",
      now,
    );
    const due = dueNotifications(rows, new Map([["b".repeat(40), "W/1"]]), new Map(), "slack");
    expect(due.map((n) => n.finding.fingerprint)).toEqual(["b".repeat(40)]);
  });
});

describe("overlapping runs", () => {
  it("send an alert once: the run whose conditional write loses leaves the row and its intents to the other", async () => {
    const memory = await memoryStore();
    const slack = recordingNotifier("slack");
    const deps = () => ({
      collectors: [clusterCollector()],
      rules: [apiServerPublic],
      store: memory.store(),
      notifiers: [slack],
      minNotifySeverity: "high" as const,
      clock: () => now,
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const [a, b] = await Promise.all([
      runAudit(deps(), { trigger: "timer", notify: true }),
      runAudit(deps(), { trigger: "cli", notify: true }),
    ]);
    expect(slack.sent.flat().map((n) => n.intent.key)).toEqual(["new:1:fail"]);
    const conflicts = [a, b]
      .flatMap((r) => r.run.sinks)
      .filter((s) => s.sink === "table" && s.error?.includes("another run"));
    expect(conflicts).toHaveLength(1);
  });
});
