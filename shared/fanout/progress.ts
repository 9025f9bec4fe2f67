/**
 * A fanned-out sweep's progress, in the runs table: one plan row, and one row per
 * scope a worker reported (done, or failed for good). Workers write disjoint
 * rows; the finishing step claims the plan row with a conditional write, so a
 * second finisher (a duplicate message, the deadline after completion) does nothing.
 */
import type { CollectionGap } from "../model/coverage.js";
import { type EntityTable, TableConflictError } from "../store/entity-table.js";
import { boundJson } from "../store/finding-rows.js";
import { encodeTableKey } from "../store/table-keys.js";
import type { ScopeSpec } from "./scopes.js";
import { describeScope, scopeKey } from "./scopes.js";

export interface PlannedScope {
  readonly key: string;
  readonly description: string;
  readonly scope: ScopeSpec;
}

export interface Plan {
  readonly runId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly deadline: string;
  readonly state: "planned" | "finishing" | "finished";
  readonly scopes: readonly PlannedScope[];
  /** Whether the planner's subscription discovery succeeded (the tenant is covered), failed, or was not needed. */
  readonly discovery: "covered" | "failed" | "not-needed";
  readonly discoveryError: string | null;
  /** When a finishing step claimed the sweep; a claim older than a few minutes is taken to have crashed. */
  readonly claimedAt: string | null;
  readonly etag: string;
}

export interface ScopeReport {
  readonly key: string;
  readonly state: "done" | "failed";
  readonly counts: Readonly<Record<string, number>>;
  readonly gaps: readonly CollectionGap[];
  readonly coverage: number;
  readonly sinksOk: boolean;
  readonly error: string | null;
  readonly attempts: number;
  readonly finishedAt: string;
}

const partitionOf = (runId: string): string => encodeTableKey(`fanout|${runId}`);
const PLAN = "plan";

export async function writePlan(runs: EntityTable, plan: Omit<Plan, "etag" | "state" | "claimedAt">): Promise<void> {
  await runs.ensureExists();
  await runs.submit([
    {
      kind: "create",
      row: {
        partitionKey: partitionOf(plan.runId),
        rowKey: PLAN,
        runId: plan.runId,
        trigger: plan.trigger,
        startedAt: new Date(plan.startedAt),
        deadline: new Date(plan.deadline),
        state: "planned",
        scopes: JSON.stringify(plan.scopes.map((s) => ({ key: s.key, description: s.description, scope: s.scope }))),
        scopeCount: plan.scopes.length,
        discovery: plan.discovery,
        discoveryError: plan.discoveryError ?? "",
      },
    },
  ]);
}

export function plannedScopes(scopes: readonly ScopeSpec[]): PlannedScope[] {
  return scopes.map((scope) => ({ key: scopeKey(scope), description: describeScope(scope), scope }));
}

/** A worker's report; the last attempt of a failing message writes `failed` so the sweep sees it. Idempotent. */
export async function reportScope(runs: EntityTable, runId: string, report: ScopeReport): Promise<void> {
  await runs.submit([
    {
      kind: "upsert",
      row: {
        partitionKey: partitionOf(runId),
        rowKey: encodeTableKey(report.key),
        state: report.state,
        counts: JSON.stringify(report.counts),
        gaps: boundJson(report.gaps).json,
        coverage: report.coverage,
        sinksOk: report.sinksOk,
        error: report.error ?? "",
        attempts: report.attempts,
        finishedAt: new Date(report.finishedAt),
      },
    },
  ]);
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : typeof v === "string" ? v : "");

export async function readProgress(
  runs: EntityTable,
  runId: string,
): Promise<{ plan: Plan | null; reports: Map<string, ScopeReport> }> {
  let plan: Plan | null = null;
  const reports = new Map<string, ScopeReport>();
  for await (const row of runs.list({ partitionKey: partitionOf(runId) })) {
    if (row.rowKey === PLAN) {
      plan = {
        runId: String(row.runId),
        trigger: String(row.trigger),
        startedAt: iso(row.startedAt),
        deadline: iso(row.deadline),
        state: row.state === "finished" || row.state === "finishing" ? row.state : "planned",
        scopes: JSON.parse(String(row.scopes)) as PlannedScope[],
        discovery: row.discovery === "covered" || row.discovery === "failed" ? row.discovery : "not-needed",
        discoveryError: typeof row.discoveryError === "string" && row.discoveryError !== "" ? row.discoveryError : null,
        claimedAt: iso(row.claimedAt) || null,
        etag: row.etag,
      };
      continue;
    }
    const key = decodeURIComponent(row.rowKey);
    const gaps = JSON.parse(String(row.gaps ?? "[]")) as unknown;
    reports.set(key, {
      key,
      state: row.state === "failed" ? "failed" : "done",
      counts: JSON.parse(String(row.counts ?? "{}")) as Record<string, number>,
      gaps: Array.isArray(gaps) ? (gaps as CollectionGap[]) : [],
      coverage: typeof row.coverage === "number" ? row.coverage : 0,
      sinksOk: row.sinksOk === true,
      error: typeof row.error === "string" && row.error !== "" ? row.error : null,
      attempts: typeof row.attempts === "number" ? row.attempts : 1,
      finishedAt: iso(row.finishedAt),
    });
  }
  return { plan, reports };
}

/**
 * Whether every planned scope has reported, for the check each worker makes after its own report.
 * It reads the plan's state and scope count and only the keys of the report rows: not their gaps and
 * counts, nor the plan's scope list, so the checks of a sweep of n scopes move O(n²) keys, not O(n²) rows.
 */
export async function allScopesReported(runs: EntityTable, runId: string): Promise<boolean> {
  let planned: number | null = null;
  let open = false;
  const reported = new Set<string>();
  for await (const row of runs.list({ partitionKey: partitionOf(runId), select: ["state", "scopeCount"] })) {
    if (row.rowKey === PLAN) {
      open = row.state !== "finished" && row.state !== "finishing";
      planned = typeof row.scopeCount === "number" ? row.scopeCount : null;
    } else reported.add(row.rowKey);
  }
  // Workers report only their own planned scope (one row each, a retry upserts it): counting is enough.
  return open && planned !== null && reported.size >= planned;
}

/** Claims or completes the sweep; null when another finisher got there first. */
export async function advancePlan(
  runs: EntityTable,
  plan: Plan,
  state: "finishing" | "finished",
  now: Date,
): Promise<Plan | null> {
  try {
    const claimedAt = state === "finishing" ? now.toISOString() : plan.claimedAt;
    const [etag] = await runs.submit([
      {
        kind: "merge",
        etag: plan.etag,
        row: {
          partitionKey: partitionOf(plan.runId),
          rowKey: PLAN,
          state,
          ...(claimedAt ? { claimedAt: new Date(claimedAt) } : {}),
        },
      },
    ]);
    return { ...plan, state, claimedAt, etag: etag ?? plan.etag };
  } catch (error) {
    if (error instanceof TableConflictError) return null;
    throw error;
  }
}
