import type { Cloud } from "./cluster.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is more severe. */
export const severityRank = (severity: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(severity);

export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

/** One level up, capped at critical (e.g. an exposure on a cluster with GPU pools). */
export const raiseSeverity = (severity: Severity): Severity =>
  SEVERITIES[Math.max(0, SEVERITIES.indexOf(severity) - 1)] ?? "critical";

export type FindingStatus = "fail" | "pass" | "unknown" | "muted";
export type FindingState = "new" | "open" | "resolved";

/**
 * What changed for a finding in this run that chat should hear about:
 * a new or returning problem, a severity above the episode's peak, a resolution,
 * a mute that expired, or a reminder of a critical still open.
 */
export type TransitionKind = "new" | "escalated" | "resolved" | "unmuted" | "reminder";

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type Evidence = { readonly [key: string]: JsonValue };

/** A mutelist entry that matched, as the finding records it. */
export interface MuteRecord {
  readonly id: string;
  readonly owner: string;
  readonly reason: string;
  readonly expires: string;
}

/** One evaluated (rule, resource) pair, as the contract's JSON report shows it. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly state: FindingState;
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
  readonly clusterName: string | null;
  readonly title: string;
  readonly detail: string;
  readonly evidence: Evidence;
  readonly fingerprint: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The notifiable change in this run, if any. */
  readonly transition?: TransitionKind | null;
  /** Severity at the previous run, when it changed (escalations). */
  readonly previousSeverity?: Severity | null;
  /** Highest severity of the current episode (since the problem last opened). */
  readonly peakSeverity?: Severity;
  /** The resource the finding is about, when more specific than the cluster (a public IP, a load balancer). */
  readonly resourceId?: string | null;
  /** Status before muting, for muted findings. */
  readonly mutedStatus?: "fail" | "pass" | "unknown" | null;
  readonly mute?: MuteRecord | null;
}
