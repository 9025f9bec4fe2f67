import { randomUUID } from "node:crypto";
import { describeError } from "../errors.js";
import type { Finding, Severity } from "../model/finding.js";
import { type CollectionGap, type InventoryPart, mergeInventory } from "../model/inventory.js";
import type { Rule } from "../model/rule.js";
import { evaluateRules } from "./evaluate.js";
import { applyHistory, isProblem, planNotifications } from "./lifecycle.js";
import type {
  AuditTrigger,
  ChatChannel,
  Collector,
  FindingStore,
  HistoryRecord,
  Logger,
  Notifier,
  ProgressSink,
  RunInfo,
  SinkResult,
  StoredFinding,
} from "./ports.js";

export interface AuditDeps {
  readonly collectors: readonly Collector[];
  readonly rules: readonly Rule[];
  readonly store: FindingStore;
  readonly notifiers: readonly Notifier[];
  readonly minNotifySeverity: Severity;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly progress?: ProgressSink;
}

export interface AuditRequest {
  readonly trigger: AuditTrigger;
  /** False keeps chat quiet; due notifications stay pending for a later run. */
  readonly notify: boolean;
}

export interface RunCounts {
  readonly clusters: number;
  readonly findings: number;
  readonly fail: number;
  readonly pass: number;
  readonly unknown: number;
  readonly muted: number;
  readonly new: number;
  readonly resolved: number;
  readonly gaps: number;
}

export interface RunReport {
  readonly run: {
    readonly id: string;
    readonly trigger: AuditTrigger;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly clouds: readonly string[];
    readonly counts: RunCounts;
    readonly gaps: readonly CollectionGap[];
    readonly sinks: readonly SinkResult[];
    /** False when a sink or the store failed: the run's output did not all land. */
    readonly delivered: boolean;
  };
  readonly findings: readonly Finding[];
}

async function collectSafely(collector: Collector, progress: ProgressSink): Promise<InventoryPart> {
  try {
    return await collector.collect(progress);
  } catch (error) {
    // A collector should turn failures into gaps itself; this is the backstop.
    return {
      clusters: [],
      exposures: [],
      workloads: [],
      gaps: [
        {
          cloud: collector.cloud,
          scope: "*",
          region: null,
          clusterId: null,
          clusterName: null,
          operation: "collect-inventory",
          reason: describeError(error),
          code: null,
        },
      ],
    };
  }
}

export async function runAudit(deps: AuditDeps, request: AuditRequest): Promise<RunReport> {
  const startedAt = deps.clock();
  const run: RunInfo = { runId: randomUUID(), trigger: request.trigger, startedAt };
  const progress = deps.progress ?? (() => {});
  const sinks: SinkResult[] = [];

  const historyPromise = deps.store.loadHistory().then(
    (history) => ({ ok: true as const, history }),
    (error: unknown) => ({ ok: false as const, error: describeError(error) }),
  );
  const parts = await Promise.all(deps.collectors.map((c) => collectSafely(c, progress)));
  const inventory = mergeInventory(parts, deps.clock());
  progress(`collected ${inventory.clusters.length} clusters, ${inventory.gaps.length} gaps`);

  const loaded = await historyPromise;
  if (!loaded.ok) {
    deps.log.error(`findings history unavailable from ${deps.store.target}: ${loaded.error}`);
    sinks.push({
      sink: `${deps.store.name}-history`,
      ok: false,
      delivered: 0,
      failed: 0,
      error: loaded.error,
      target: deps.store.target,
    });
  }
  const history: ReadonlyMap<string, HistoryRecord> = loaded.ok ? loaded.history : new Map();

  const now = deps.clock();
  const findings = applyHistory(evaluateRules(deps.rules, inventory, { now }), history, now);

  // Chat first, then the store, so the store can remember which deliveries still owe.
  const channels = deps.notifiers.map((n) => n.channel);
  const plan = planNotifications(findings, history, channels, deps.minNotifySeverity);
  const undelivered = new Map<ChatChannel, Set<string>>();
  // Channels are independent: each paces itself, and one outage never delays the other.
  const chatResults = await Promise.all(
    deps.notifiers.map(async (notifier) => {
      const due = plan.get(notifier.channel) ?? [];
      const owed = new Set(due.filter(isProblem).map((f) => f.fingerprint));
      undelivered.set(notifier.channel, owed);
      // Without history every finding looks new; stay quiet rather than repeat alerts.
      if (!request.notify || !loaded.ok || due.length === 0) return null;
      progress(`sending ${due.length} finding(s) to ${notifier.channel}`);
      const result = await notifier.send(due, run);
      if (result.ok) owed.clear();
      return result;
    }),
  );
  for (const result of chatResults) if (result) sinks.push(result);

  const stored: StoredFinding[] = findings.map((f) => ({
    ...f,
    pendingChannels: channels.filter((c) => undelivered.get(c)?.has(f.fingerprint) ?? false),
  }));
  if (loaded.ok) {
    progress(`writing ${stored.length} finding(s) to ${deps.store.target}`);
    sinks.push(await deps.store.save(stored, run));
  } else {
    // Writing lifecycle fields computed without history would overwrite firstSeen and state.
    sinks.push({
      sink: deps.store.name,
      ok: false,
      delivered: 0,
      failed: stored.length,
      error: "not written: history unavailable",
      target: deps.store.target,
    });
  }

  const count = (predicate: (f: Finding) => boolean): number => findings.filter(predicate).length;
  const counts: RunCounts = {
    clusters: inventory.clusters.length,
    findings: findings.length,
    fail: count((f) => f.status === "fail"),
    pass: count((f) => f.status === "pass"),
    unknown: count((f) => f.status === "unknown"),
    muted: count((f) => f.status === "muted"),
    new: count((f) => f.state === "new" && f.status !== "pass"),
    resolved: count((f) => f.state === "resolved"),
    gaps: inventory.gaps.length,
  };
  return {
    run: {
      id: run.runId,
      trigger: run.trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: deps.clock().toISOString(),
      clouds: [...new Set(deps.collectors.map((c) => c.cloud))],
      counts,
      gaps: inventory.gaps,
      sinks,
      delivered: sinks.every((s) => s.ok),
    },
    findings,
  };
}

/** The one-line summary the timer function logs. */
export function summarizeRun(report: RunReport): string {
  const { counts, sinks } = report.run;
  const sinkText = sinks.map((s) => `${s.sink}=${s.ok ? "ok" : "FAILED"}`).join(" ");
  return `audit run ${report.run.id}: ${counts.clusters} clusters; ${counts.fail} fail, ${counts.unknown} unknown, ${counts.pass} pass; ${counts.new} new, ${counts.resolved} resolved; ${counts.gaps} gaps; ${sinkText || "no sinks"}`;
}
