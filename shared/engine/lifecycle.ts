/**
 * The findings lifecycle, pure. An episode opens when a problem (fail, or
 * unknown: a blind spot) appears where there was none, and closes when it
 * passes or disappears from a part of the estate this run audited. Chat hears
 * about openings, escalations above the episode's peak, resolutions, expired
 * mutes and (optionally) reminders; nothing else.
 */

import type { DataSource } from "../model/coverage.js";
import {
  type Finding,
  type FindingStatus,
  maxSeverity,
  type Severity,
  severityRank,
  type TransitionKind,
} from "../model/finding.js";
import type { DraftFinding } from "./evaluate.js";
import type { HistoryRecord } from "./ports.js";

type Underlying = "fail" | "pass" | "unknown";

/** What this run observed for one fingerprint. */
export type Observation =
  | { readonly kind: "present"; readonly draft: DraftFinding }
  /** Not reported, in a part of the estate this run audited: the resource is gone or no longer matches. */
  | { readonly kind: "absent-resolvable" }
  /** Not reported, and this run could not see that part: keep everything as it was. */
  | { readonly kind: "absent-unseen" };

export interface LifecycleOptions {
  /** Re-send a critical still open after this many hours, once per period; null turns reminders off. */
  readonly reminderAfterHours: number | null;
}

/** A finding with its new lifecycle state: what the report shows and the store writes (before the outbox). */
export interface LifecycleFinding extends Finding {
  readonly sources: readonly DataSource[];
  readonly peakSeverity: Severity;
  readonly episode: number;
  readonly episodeStartedAt: string | null;
  readonly failedInEpisode: boolean;
  readonly lastRemindedAt: string | null;
  /** True when the finding is muted: its transitions are recorded but never sent. */
  readonly silenced: boolean;
  /**
   * Idempotency key of the transition within its finding and channel, made only of
   * what the previous run stored, so a re-run after a crash decides the same key.
   */
  readonly transitionKey: string | null;
}

const underlyingOf = (status: FindingStatus, mutedStatus: Underlying | null | undefined): Underlying =>
  status === "muted" ? (mutedStatus ?? "fail") : status;

const isProblem = (status: Underlying): boolean => status === "fail" || status === "unknown";

const hoursBetween = (fromIso: string, to: Date): number => (to.getTime() - Date.parse(fromIso)) / 3_600_000;

/** Rebuilds a finding from its stored row, for a resolution by absence (there is no draft this run). */
function fromHistory(previous: HistoryRecord): DraftFinding {
  return {
    ruleId: previous.ruleId,
    severity: previous.severity,
    status: "pass",
    cloud: previous.cloud,
    scope: previous.scope,
    region: previous.region,
    clusterId: previous.clusterId,
    clusterName: previous.clusterName,
    title: previous.title,
    detail: `No longer found (the resource was deleted or no longer matches): ${previous.detail}`,
    evidence: { resolvedBy: "absence", previousStatus: underlyingOf(previous.status, previous.mutedStatus) },
    fingerprint: previous.fingerprint,
    resourceId: previous.resourceId,
    sources: previous.sources,
  };
}

/**
 * One step of the state machine for one fingerprint. Returns null when nothing
 * changes (an absent finding in an unseen part, or one that was not a problem).
 */
export function advance(
  previous: HistoryRecord | undefined,
  observation: Observation,
  now: Date,
  options: LifecycleOptions,
): LifecycleFinding | null {
  const nowIso = now.toISOString();
  const wasOpen = previous !== undefined && isProblem(underlyingOf(previous.status, previous.mutedStatus));
  const wasMuted = previous?.status === "muted";

  if (observation.kind === "absent-unseen") return null;
  if (observation.kind === "absent-resolvable") {
    if (!previous || !wasOpen) return null;
    return {
      ...fromHistory(previous),
      state: "resolved",
      firstSeen: previous.firstSeen,
      lastSeen: nowIso,
      transition: "resolved",
      transitionKey: `resolved:${previous.episode}`,
      previousSeverity: null,
      peakSeverity: previous.peakSeverity,
      episode: previous.episode,
      episodeStartedAt: previous.episodeStartedAt,
      failedInEpisode: previous.failedInEpisode,
      lastRemindedAt: previous.lastRemindedAt,
      silenced: wasMuted,
    };
  }

  const { draft } = observation;
  const status = underlyingOf(draft.status, draft.mutedStatus);
  const silenced = draft.status === "muted";
  const base = { ...draft, firstSeen: previous?.firstSeen ?? nowIso, lastSeen: nowIso, silenced };

  if (isProblem(status)) {
    if (!wasOpen) {
      // A new problem, or one that came back after a resolution: a new episode that alerts.
      return {
        ...base,
        state: "new",
        transition: "new",
        transitionKey: `new:${(previous?.episode ?? 0) + 1}:${status}`,
        previousSeverity: null,
        peakSeverity: draft.severity,
        episode: (previous?.episode ?? 0) + 1,
        episodeStartedAt: nowIso,
        failedInEpisode: status === "fail",
        lastRemindedAt: null,
      };
    }
    const prior = previous as HistoryRecord;
    const peakSeverity = maxSeverity(prior.peakSeverity, draft.severity);
    let transition: TransitionKind | null = null;
    let transitionKey: string | null = null;
    let state: Finding["state"] = "open";
    let lastRemindedAt = prior.lastRemindedAt;
    if (status === "fail" && !prior.failedInEpisode) {
      // It was only a blind spot so far; now it is a known failure: a second, distinct alert of the episode.
      transition = "new";
      transitionKey = `new:${prior.episode}:fail`;
      state = "new";
    } else if (severityRank(draft.severity) > severityRank(prior.peakSeverity)) {
      transition = "escalated";
      transitionKey = `escalated:${prior.episode}:${draft.severity}`;
    } else if (wasMuted && !silenced) {
      transition = "unmuted";
      transitionKey = `unmuted:${prior.episode}:${prior.lastSeen}`;
    } else if (
      options.reminderAfterHours !== null &&
      status === "fail" &&
      draft.severity === "critical" &&
      hoursBetween(prior.lastRemindedAt ?? prior.episodeStartedAt ?? prior.firstSeen, now) >= options.reminderAfterHours
    ) {
      transition = "reminder";
      transitionKey = `reminder:${prior.episode}:${prior.lastSeen}`;
      lastRemindedAt = nowIso;
    }
    return {
      ...base,
      state,
      transition,
      transitionKey,
      previousSeverity: transition === "escalated" ? prior.severity : null,
      peakSeverity,
      episode: prior.episode,
      episodeStartedAt: prior.episodeStartedAt,
      failedInEpisode: prior.failedInEpisode || status === "fail",
      lastRemindedAt,
    };
  }

  // Passing now.
  if (wasOpen) {
    const prior = previous as HistoryRecord;
    return {
      ...base,
      state: "resolved",
      transition: "resolved",
      transitionKey: `resolved:${prior.episode}`,
      previousSeverity: null,
      peakSeverity: prior.peakSeverity,
      episode: prior.episode,
      episodeStartedAt: prior.episodeStartedAt,
      failedInEpisode: prior.failedInEpisode,
      lastRemindedAt: prior.lastRemindedAt,
      // A resolution of a muted problem stays quiet too.
      silenced: silenced || wasMuted,
    };
  }
  return {
    ...base,
    state: previous ? "open" : "new",
    transition: null,
    transitionKey: null,
    previousSeverity: null,
    peakSeverity: previous?.peakSeverity ?? draft.severity,
    episode: previous?.episode ?? 0,
    episodeStartedAt: previous?.episodeStartedAt ?? null,
    failedInEpisode: false,
    lastRemindedAt: previous?.lastRemindedAt ?? null,
  };
}

/** Severity a transition is judged by: a resolution keeps the episode's peak, so a resolved critical reaches on-call. */
export const transitionSeverity = (finding: LifecycleFinding): Severity =>
  finding.transition === "resolved" ? finding.peakSeverity : finding.severity;
