/**
 * Scale-out on the engine the product already runs on: Azure Functions with a
 * Storage queue. The timer plans the sweep and enqueues one message per scope;
 * a queue-triggered worker audits one scope and writes its findings, their owed
 * notifications and a progress row; a finishing step, once every scope reported
 * or at the deadline, reports the missing and failed scopes as blind spots, then
 * delivers everything owed in one digest per channel and writes the run record.
 * Small sweeps run in-process, as before.
 */
import { randomUUID } from "node:crypto";
import { RESOURCE_GRAPH_QUOTA } from "../collectors/limits.js";
import type { CollectorRegistration } from "../collectors/registry.js";
import type { Settings } from "../config/settings.js";
import type { ComposedAudit } from "../engine/compose.js";
import { type Logger, type SinkResult, STAGES } from "../engine/ports.js";
import { type RunCounts, type RunReport, runAudit } from "../engine/run-audit.js";
import { describeError } from "../errors.js";
import { type CollectionGap, type CoverageEntry, DATA_SOURCES } from "../model/coverage.js";
import type { Rule } from "../model/rule.js";
import { auditBlindSpot } from "../rules/audit-blind-spot/audit-blind-spot.js";
import type { EntityTable } from "../store/entity-table.js";
import type { FanOutMessage } from "./messages.js";
import {
  advancePlan,
  allScopesReported,
  type Plan,
  plannedScopes,
  readProgress,
  reportScope,
  writePlan,
} from "./progress.js";
import type { ScopeQueue } from "./scope-queue.js";
import { historyScopesOf, planScopes, type ScopeSpec, settingsForScope } from "./scopes.js";

export interface FanOutDeps {
  readonly settings: Settings;
  readonly queue: ScopeQueue;
  /** The runs table: progress rows of fanned-out sweeps live beside the run records. */
  readonly runs: EntityTable;
  /** Builds the engine for settings (narrowed to a scope, or the whole estate for the finishing step). */
  readonly compose: (
    settings: Settings,
    overrides?: { readonly collectors?: readonly CollectorRegistration[]; readonly rules?: readonly Rule[] },
  ) => Promise<ComposedAudit>;
  /** Subscription discovery for the planner (one ARM list); absent when subscriptions are configured. */
  readonly listSubscriptions?: () => AsyncIterable<string>;
  readonly clock: () => Date;
  readonly log: Logger;
}

export type SweepPlan =
  | { readonly mode: "in-process"; readonly settings: Settings }
  | { readonly mode: "fan-out"; readonly runId: string; readonly scopes: readonly ScopeSpec[] };

/** A finishing step that claimed the sweep this long ago without finishing is taken to have crashed. */
const STALE_CLAIM_MS = 5 * 60_000;
const MAX_IN_FLIGHT_SENDS = 16;

/** Resource Graph queries one Azure scope's audit makes: the four AKS queries and the workspace lookup. */
const RESOURCE_GRAPH_QUERIES_PER_SCOPE = 5;

/**
 * Seconds before each scope's message becomes visible. The Resource Graph quota (about 15 queries per
 * 5 seconds) belongs to the identity, which every worker shares, on any instance: Azure scopes are let
 * out a quota window's worth at a time (Microsoft's guidance: stagger, do not send all at once), instead
 * of all at once into 429s. AWS scopes have no shared quota and go at once.
 */
export function scopeDelays(scopes: readonly ScopeSpec[]): number[] {
  const perWindow = Math.max(1, Math.floor(RESOURCE_GRAPH_QUOTA.perWindow / RESOURCE_GRAPH_QUERIES_PER_SCOPE));
  let azure = 0;
  return scopes.map((scope) =>
    scope.kind === "azure" ? Math.floor(azure++ / perWindow) * (RESOURCE_GRAPH_QUOTA.windowMs / 1000) : 0,
  );
}

/** Plans the sweep: below the threshold it runs in-process; above it, one queue message per scope. */
export async function planSweep(deps: FanOutDeps, trigger: string): Promise<SweepPlan> {
  const { settings } = deps;
  let subscriptions: string[] | null = [...settings.azure.subscriptions];
  let discovery: Plan["discovery"] = "not-needed";
  let discoveryError: string | null = null;
  if (settings.clouds.includes("azure") && subscriptions.length === 0 && deps.listSubscriptions) {
    try {
      const found = new Set<string>();
      for await (const id of deps.listSubscriptions()) found.add(id.toLowerCase());
      subscriptions = [...found];
      discovery = "covered";
    } catch (error) {
      // The workers would fail the same way; one scope that discovers for itself keeps the gap visible.
      subscriptions = null;
      discovery = "failed";
      discoveryError = describeError(error);
    }
  }
  const scopes = planScopes(settings, subscriptions);
  const threshold = settings.fanOut.minScopes;
  if (threshold === null || scopes.length < threshold) {
    // The subscriptions just listed are reused: no call twice in one run.
    const inProcess: Settings =
      discovery === "covered" && subscriptions
        ? { ...settings, azure: { ...settings.azure, subscriptions, subscriptionsDiscovered: true } }
        : settings;
    return { mode: "in-process", settings: inProcess };
  }
  const runId = randomUUID();
  const now = deps.clock();
  const deadline = new Date(now.getTime() + settings.fanOut.deadlineMinutes * 60_000);
  await writePlan(deps.runs, {
    runId,
    trigger,
    startedAt: now.toISOString(),
    deadline: deadline.toISOString(),
    scopes: plannedScopes(scopes),
    discovery,
    discoveryError,
  });
  const delays = scopeDelays(scopes);
  const queue = scopes.map((scope, i) => ({ scope, delay: delays[i] ?? 0 }));
  await Promise.all(
    Array.from({ length: Math.min(MAX_IN_FLIGHT_SENDS, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift())
        await deps.queue.send({ v: 1, kind: "scope", runId, scope: next.scope }, next.delay);
    }),
  );
  // The deadline: the finishing step runs then whatever the workers did.
  await deps.queue.send({ v: 1, kind: "finish", runId, reason: "deadline" }, settings.fanOut.deadlineMinutes * 60);
  deps.log.info(`audit run ${runId}: fanned out ${scopes.length} scope(s) to ${deps.queue.target}`);
  return { mode: "fan-out", runId, scopes };
}

async function finishIfComplete(deps: FanOutDeps, runId: string): Promise<void> {
  if (await allScopesReported(deps.runs, runId))
    await deps.queue.send({ v: 1, kind: "finish", runId, reason: "complete" });
}

export interface Attempt {
  /** How many times the queue has handed this message over (1 on the first try). */
  readonly dequeueCount: number;
  /** After this many, the host moves the message to the poison queue. */
  readonly maxDequeueCount: number;
}

/** One worker: audits its scope, writes findings and owed notifications (sends nothing), and reports. */
export async function runScope(
  deps: FanOutDeps,
  message: Extract<FanOutMessage, { kind: "scope" }>,
  attempt: Attempt,
): Promise<void> {
  const key = plannedScopes([message.scope])[0]?.key ?? "";
  try {
    const audit = await deps.compose(settingsForScope(deps.settings, message.scope));
    const historyScopes = historyScopesOf(message.scope);
    const report = await runAudit(audit, {
      trigger: "queue",
      notify: false,
      runId: message.runId,
      recordRun: false,
      ...(historyScopes ? { historyScopes } : {}),
    });
    const store = report.run.sinks.find((s) => s.sink === "table" || s.sink.endsWith("-history"));
    // Findings that did not land would be lost to the sweep: retry the message instead.
    if (store && !store.ok) throw new Error(`findings store: ${store.error ?? "write failed"}`);
    await reportScope(deps.runs, message.runId, {
      key,
      state: "done",
      counts: { ...report.run.counts },
      gaps: report.run.gaps,
      coverage: report.run.coverage.length,
      sinksOk: report.run.delivered,
      error: null,
      attempts: attempt.dequeueCount,
      finishedAt: deps.clock().toISOString(),
    });
  } catch (error) {
    if (attempt.dequeueCount < attempt.maxDequeueCount) throw error;
    // The last try: the sweep must hear that this scope failed, or it would read as silence.
    await reportScope(deps.runs, message.runId, {
      key,
      state: "failed",
      counts: {},
      gaps: [],
      coverage: 0,
      sinksOk: false,
      error: describeError(error),
      attempts: attempt.dequeueCount,
      finishedAt: deps.clock().toISOString(),
    });
    await finishIfComplete(deps, message.runId);
    throw error;
  }
  await finishIfComplete(deps, message.runId);
}

/** The gaps a scope that did not report leaves: one per subscription, or per account-region. */
function gapsOfMissing(scope: ScopeSpec, why: string, code: string): CollectionGap[] {
  const base = { clusterId: null, clusterName: null, operation: "audit-scope", reason: why, code } as const;
  if (scope.kind === "azure")
    return scope.subscriptions.length === 0
      ? [{ ...base, cloud: "azure", scope: "tenant", region: null }]
      : scope.subscriptions.map((s) => ({ ...base, cloud: "azure" as const, scope: s, region: null }));
  const account = /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(scope.roleArn ?? "")?.[1] ?? "ambient";
  return [{ ...base, cloud: "aws", scope: account, region: scope.region }];
}

const staticCollector = (
  gaps: readonly CollectionGap[],
  coverage: readonly CoverageEntry[],
): CollectorRegistration => ({
  id: "fan-out-coverage",
  cloud: "azure",
  create: async () => ({
    id: "fan-out-coverage",
    cloud: "azure",
    stage: STAGES.primary,
    collect: async () => ({ gaps, coverage }),
  }),
});

function sumCounts(reports: Iterable<{ counts: Readonly<Record<string, number>> }>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.counts)) total[k] = (total[k] ?? 0) + v;
  return total;
}

/**
 * The finishing step: once, whichever message brings it (every scope done, the deadline,
 * or a duplicate of either). Returns the sweep's summary, or null when there was nothing to do.
 */
export async function finishSweep(
  deps: FanOutDeps,
  message: Extract<FanOutMessage, { kind: "finish" }>,
): Promise<RunReport | null> {
  const now = deps.clock();
  const { plan, reports } = await readProgress(deps.runs, message.runId);
  if (!plan) {
    deps.log.warn(`finishing step for unknown run ${message.runId}: nothing to do`);
    return null;
  }
  if (plan.state === "finished") return null;
  if (plan.state === "finishing" && plan.claimedAt && now.getTime() - Date.parse(plan.claimedAt) < STALE_CLAIM_MS)
    return null;
  const complete = plan.scopes.every((s) => reports.has(s.key));
  if (message.reason === "complete" && !complete) return null;
  const claimed = await advancePlan(deps.runs, plan, "finishing", now);
  if (!claimed) return null;

  // 1. What the sweep could not see becomes blind spots; the tenant's discovery is covered or a gap.
  const gaps: CollectionGap[] = [];
  for (const planned of plan.scopes) {
    const report = reports.get(planned.key);
    if (!report)
      gaps.push(
        ...gapsOfMissing(
          planned.scope,
          `no worker reported on ${planned.description} within ${deps.settings.fanOut.deadlineMinutes} minutes of the sweep's start`,
          "FanOutMissing",
        ),
      );
    else if (report.state === "failed")
      gaps.push(
        ...gapsOfMissing(
          planned.scope,
          `the worker for ${planned.description} failed ${report.attempts} time(s): ${report.error ?? "unknown error"}`,
          "FanOutFailed",
        ),
      );
  }
  const coverage: CoverageEntry[] = [];
  if (plan.discovery === "covered")
    coverage.push({ cloud: "azure", scope: "tenant", region: null, clusterId: null, source: DATA_SOURCES.clusters });
  if (plan.discovery === "failed")
    gaps.push({
      cloud: "azure",
      scope: "tenant",
      region: null,
      clusterId: null,
      clusterName: null,
      operation: "list-subscriptions",
      reason: plan.discoveryError ?? "subscription discovery failed",
      code: null,
    });
  const sinks: SinkResult[] = [];
  if (gaps.length > 0 || coverage.length > 0) {
    const partitions = [
      ...new Map(gaps.map((g) => [`${g.cloud}|${g.scope}`, { cloud: g.cloud, scope: g.scope }] as const)).values(),
      ...(coverage.length > 0 ? [{ cloud: "azure" as const, scope: "tenant" }] : []),
    ];
    const blind = await deps.compose(deps.settings, {
      collectors: [staticCollector(gaps, coverage)],
      rules: [auditBlindSpot],
    });
    const result = await runAudit(blind, {
      trigger: "queue",
      notify: false,
      runId: plan.runId,
      recordRun: false,
      historyScopes: partitions,
    });
    sinks.push(...result.run.sinks);
  }

  // 2. Everything owed goes out now, once per channel for the whole sweep.
  const delivery = await deps.compose(deps.settings, { collectors: [], rules: [] });
  const delivered = await runAudit(delivery, { trigger: "queue", notify: true, runId: plan.runId, recordRun: false });
  sinks.push(...delivered.run.sinks.filter((s) => s.sink !== "table" && s.sink !== "runs"));
  for (const report of reports.values())
    if (report.state === "failed" || !report.sinksOk)
      sinks.push({
        sink: `scope:${report.key}`,
        target: deps.queue.target,
        ok: report.state === "done" && report.sinksOk,
        delivered: 0,
        failed: 1,
        error: report.error ?? "a sink of this scope failed",
      });

  // 3. The one run record of the sweep.
  const finishedAt = deps.clock();
  const scopeCounts = sumCounts([...reports.values()].filter((r) => r.state === "done"));
  const counts: RunCounts = {
    clusters: scopeCounts.clusters ?? 0,
    findings: scopeCounts.findings ?? 0,
    fail: scopeCounts.fail ?? 0,
    pass: scopeCounts.pass ?? 0,
    unknown: (scopeCounts.unknown ?? 0) + gaps.length,
    muted: scopeCounts.muted ?? 0,
    new: scopeCounts.new ?? 0,
    resolved: scopeCounts.resolved ?? 0,
    escalated: scopeCounts.escalated ?? 0,
    gaps: (scopeCounts.gaps ?? 0) + gaps.length,
    notified: delivered.run.counts.notified,
    owed: delivered.run.counts.owed,
  };
  const allGaps = [...[...reports.values()].flatMap((r) => r.gaps), ...gaps];
  const durationMs = finishedAt.getTime() - Date.parse(plan.startedAt);
  await delivery.store.saveRun({
    runId: plan.runId,
    trigger: "queue",
    startedAt: plan.startedAt,
    finishedAt: finishedAt.toISOString(),
    durationMs,
    counts: {
      ...counts,
      scopes: plan.scopes.length,
      scopesMissing: gaps.filter((g) => g.code === "FanOutMissing").length,
    },
    coverage: [],
    gaps: allGaps,
    sinks,
  });
  await advancePlan(deps.runs, claimed, "finished", finishedAt);
  return {
    run: {
      id: plan.runId,
      trigger: "queue",
      startedAt: plan.startedAt,
      finishedAt: finishedAt.toISOString(),
      durationMs,
      clouds: [...deps.settings.clouds],
      counts,
      coverage: [],
      gaps: allGaps,
      sinks,
      delivered: sinks.every((s) => s.ok),
    },
    findings: [],
  };
}
