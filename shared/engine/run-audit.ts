import { randomUUID } from "node:crypto";
import { describeError } from "../errors.js";
import type { Finding, MuteRecord, Severity } from "../model/finding.js";
import { type CollectionGap, type Inventory, type InventoryPart, mergeInventory } from "../model/inventory.js";
import type { Rule } from "../model/rule.js";
import { evaluateRules } from "./evaluate.js";
import type { LifecycleFinding, LifecycleOptions } from "./lifecycle.js";
import type { MuteMatcher } from "./mutes.js";
import { applyMutes } from "./mutes.js";
import { dueNotifications, planOutbox } from "./outbox.js";
import type {
  AuditTrigger,
  Collector,
  DeliveryResult,
  FindingStore,
  History,
  Logger,
  Notifier,
  ProgressSink,
  ReportSink,
  RunInfo,
  SinkResult,
} from "./ports.js";
import { reconcile } from "./reconcile.js";

export interface AuditDeps {
  readonly collectors: readonly Collector[];
  readonly rules: readonly Rule[];
  /** Each rule's parsed config (`AUDIT_RULE_CONFIG` over the defaults). */
  readonly ruleConfigs?: ReadonlyMap<string, unknown>;
  readonly store: FindingStore;
  readonly notifiers: readonly Notifier[];
  /** Written after the findings: the FinOps GPU anomaly table. */
  readonly reportSinks?: readonly ReportSink[];
  readonly mutes?: MuteMatcher;
  readonly minNotifySeverity: Severity;
  readonly lifecycle?: LifecycleOptions;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly progress?: ProgressSink;
}

export interface AuditRequest {
  readonly trigger: AuditTrigger;
  /** False keeps chat quiet; due notifications stay in the outbox for a later run. */
  readonly notify: boolean;
  /** The run's ID when it is one part of a fanned-out sweep (every scope writes under the sweep's ID). */
  readonly runId?: string;
  /** False for the parts of a fanned-out sweep: its finishing step writes the one run record. Default true. */
  readonly recordRun?: boolean;
  /** Read only these partitions' history (a worker's scope); all when absent. */
  readonly historyScopes?: readonly { readonly cloud: "azure" | "aws"; readonly scope: string }[];
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
  readonly escalated: number;
  readonly gaps: number;
  /** Intents delivered to chat in this run (all channels). */
  readonly notified: number;
  /** Intents still owed to chat after this run (all channels). */
  readonly owed: number;
}

export interface RunReport {
  readonly run: {
    readonly id: string;
    readonly trigger: AuditTrigger;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly clouds: readonly string[];
    readonly counts: RunCounts;
    readonly coverage: Inventory["coverage"];
    readonly gaps: readonly CollectionGap[];
    readonly sinks: readonly SinkResult[];
    /** Mutelist entries in force, and those that expired (their findings are live again). */
    readonly mutes?: { readonly active: number; readonly expired: readonly MuteRecord[] };
    /** False when a sink or the store failed: the run's output did not all land. */
    readonly delivered: boolean;
  };
  readonly findings: readonly Finding[];
}

const DEFAULT_LIFECYCLE: LifecycleOptions = { reminderAfterHours: null };

async function collectSafely(collector: Collector, inventory: Inventory, deps: AuditDeps): Promise<InventoryPart> {
  try {
    return await collector.collect({ progress: deps.progress ?? (() => {}), inventory, now: deps.clock() });
  } catch (error) {
    // A collector should turn failures into gaps itself; this is the backstop.
    return {
      gaps: [
        {
          cloud: collector.cloud,
          scope: "*",
          region: null,
          clusterId: null,
          clusterName: null,
          operation: `collect-${collector.id}`,
          reason: describeError(error),
          code: null,
        },
      ],
    };
  }
}

/** Stage by stage: the collectors of one stage run together and see everything the earlier stages found. */
export async function collectInStages(collectors: readonly Collector[], deps: AuditDeps): Promise<Inventory> {
  let inventory = mergeInventory([], deps.clock());
  const stages = [...new Set(collectors.map((c) => c.stage))].sort((a, b) => a - b);
  for (const stage of stages) {
    const snapshot = inventory;
    const parts = await Promise.all(
      collectors.filter((c) => c.stage === stage).map((c) => collectSafely(c, snapshot, deps)),
    );
    inventory = mergeInventory([inventory, ...parts], deps.clock());
  }
  return inventory;
}

/** The report's view of a finding: the contract's fields, plus the transition and links when there are any. */
function reportFinding(f: LifecycleFinding): Finding {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    status: f.status,
    state: f.state,
    cloud: f.cloud,
    scope: f.scope,
    region: f.region,
    clusterId: f.clusterId,
    clusterName: f.clusterName,
    title: f.title,
    detail: f.detail,
    evidence: f.evidence,
    fingerprint: f.fingerprint,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    transition: f.transition ?? null,
    peakSeverity: f.peakSeverity,
    ...(f.previousSeverity ? { previousSeverity: f.previousSeverity } : {}),
    ...(f.resourceId ? { resourceId: f.resourceId } : {}),
    ...(f.status === "muted" ? { mutedStatus: f.mutedStatus ?? null, mute: f.mute ?? null } : {}),
  };
}

export async function runAudit(deps: AuditDeps, request: AuditRequest): Promise<RunReport> {
  const startedAt = deps.clock();
  const run: RunInfo = { runId: request.runId ?? randomUUID(), trigger: request.trigger, startedAt };
  const progress = deps.progress ?? (() => {});
  const sinks: SinkResult[] = [];

  const historyPromise = deps.store.loadHistory(request.historyScopes ? { scopes: request.historyScopes } : {}).then(
    (history) => ({ ok: true as const, history }),
    (error: unknown) => ({ ok: false as const, error: describeError(error) }),
  );
  const inventory = await collectInStages(deps.collectors, deps);
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
  const history: History = loaded.ok ? loaded.history : new Map();

  const now = deps.clock();
  const evaluation = evaluateRules(deps.rules, inventory, { now, configs: deps.ruleConfigs ?? new Map() });
  const drafts = deps.mutes ? applyMutes(evaluation.drafts, deps.mutes, now, inventory) : evaluation.drafts;
  const findings = reconcile(
    drafts,
    history,
    inventory,
    evaluation.failedRules,
    now,
    deps.lifecycle ?? DEFAULT_LIFECYCLE,
  );
  const channels = deps.notifiers.map((n) => n.channel);
  const rows = planOutbox(findings, history, channels, deps.minNotifySeverity, now);

  let notified = 0;
  const deliveredKeys = new Set<string>();
  // One report view of the findings, for the report sinks and the returned report (a large sweep has tens of thousands).
  const reportFindings = findings.map(reportFinding);
  if (loaded.ok) {
    // The intents land with the rows before anything is sent: a crash after this point loses nothing.
    progress(`writing ${rows.length} finding(s) to ${deps.store.target}`);
    const saved = await deps.store.saveFindings(rows, run);
    sinks.push(saved);
    const reports = Promise.all(
      (deps.reportSinks ?? []).map((sink) =>
        sink.write({ findings: reportFindings, inventory, run }).catch(
          (error: unknown): SinkResult => ({
            sink: sink.name,
            target: sink.target,
            ok: false,
            delivered: 0,
            failed: 0,
            error: describeError(error),
          }),
        ),
      ),
    );
    if (request.notify) {
      // Channels are independent: each paces itself, and one outage never delays the other.
      const results = await Promise.all(
        deps.notifiers.map(async (notifier): Promise<DeliveryResult | null> => {
          const due = dueNotifications(rows, saved.written, history, notifier.channel);
          if (due.length === 0) return null;
          progress(`sending ${due.length} notification(s) to ${notifier.channel}`);
          return notifier.deliver(due, run, async (carried) => {
            for (const c of carried) deliveredKeys.add(`${notifier.channel}|${c.fingerprint}|${c.key}`);
            const byFingerprint = new Map<string, string[]>();
            for (const c of carried)
              byFingerprint.set(c.fingerprint, [...(byFingerprint.get(c.fingerprint) ?? []), c.key]);
            await deps.store.markDelivered(
              [...byFingerprint].map(([fingerprint, keys]) => ({ fingerprint, channel: notifier.channel, keys })),
            );
          });
        }),
      );
      for (const result of results) {
        if (!result) continue;
        sinks.push(result);
        notified += result.deliveredKeys.length;
      }
    }
    sinks.push(...(await reports));
  } else {
    // Lifecycle fields computed without history would overwrite firstSeen and state, and every alert would repeat.
    sinks.push({
      sink: deps.store.name,
      ok: false,
      delivered: 0,
      failed: rows.length,
      error: "not written: history unavailable",
      target: deps.store.target,
    });
  }

  let owed = 0;
  for (const row of rows)
    for (const channel of channels)
      for (const intent of row.outbox[channel] ?? [])
        if (!deliveredKeys.has(`${channel}|${row.fingerprint}|${intent.key}`)) owed += 1;

  const count = (predicate: (f: LifecycleFinding) => boolean): number => findings.filter(predicate).length;
  const counts: RunCounts = {
    clusters: inventory.clusters.length,
    findings: findings.length,
    fail: count((f) => f.status === "fail"),
    pass: count((f) => f.status === "pass"),
    unknown: count((f) => f.status === "unknown"),
    muted: count((f) => f.status === "muted"),
    new: count((f) => f.transition === "new"),
    resolved: count((f) => f.transition === "resolved"),
    escalated: count((f) => f.transition === "escalated"),
    gaps: inventory.gaps.length,
    notified,
    owed,
  };
  const finishedAt = deps.clock();
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  if (loaded.ok && request.recordRun !== false) {
    const record = {
      runId: run.runId,
      trigger: run.trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs,
      counts: { ...counts },
      coverage: inventory.coverage,
      gaps: inventory.gaps,
      sinks,
    };
    const runResult = await deps.store.saveRun(record);
    if (!runResult.ok) deps.log.warn(`run record not written to ${runResult.target}: ${runResult.error ?? "unknown"}`);
  }
  return {
    run: {
      id: run.runId,
      trigger: run.trigger,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs,
      clouds: [...new Set(deps.collectors.map((c) => c.cloud))],
      counts,
      coverage: inventory.coverage,
      gaps: inventory.gaps,
      sinks,
      ...(deps.mutes?.status ? { mutes: deps.mutes.status(now) } : {}),
      delivered: sinks.every((s) => s.ok),
    },
    findings: reportFindings,
  };
}

/** The prefix of the structured run-summary event the deploy trees' heartbeat alert looks for. */
export const RUN_SUMMARY_PREFIX = "cluster-audit run-summary ";

/**
 * One structured line per run for Application Insights: the heartbeat alert fires when
 * none with `delivered: true` arrives for two schedule intervals. Our own fields only.
 */
export function runSummaryEvent(report: RunReport): string {
  const { run } = report;
  return `${RUN_SUMMARY_PREFIX}${JSON.stringify({
    runId: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    delivered: run.delivered,
    counts: run.counts,
    coverage: run.coverage.length,
    gaps: run.gaps.length,
    sinks: run.sinks.map((s) => ({ sink: s.sink, ok: s.ok })),
  })}`;
}

/** The one-line summary the timer function logs. */
export function summarizeRun(report: RunReport): string {
  const { counts, sinks } = report.run;
  const sinkText = sinks.map((s) => `${s.sink}=${s.ok ? "ok" : "FAILED"}`).join(" ");
  return `audit run ${report.run.id}: ${counts.clusters} clusters; ${counts.fail} fail, ${counts.unknown} unknown, ${counts.pass} pass; ${counts.new} new, ${counts.resolved} resolved; ${counts.gaps} gaps; ${sinkText || "no sinks"}`;
}
