import type { Cloud } from "./inventory.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is more severe. */
export const severityRank = (severity: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(severity);

export type FindingStatus = "fail" | "pass" | "unknown" | "muted";
export type FindingState = "new" | "open" | "resolved";

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type Evidence = { readonly [key: string]: JsonValue };

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
}
