import type { Notification, RunInfo } from "../engine/ports.js";
import { type Finding, SEVERITIES, type Severity, severityRank, type TransitionKind } from "../model/finding.js";

/** How one run's notifications become messages: criticals on their own (up to a cap), everything else in one digest. */
export interface MessagePlan {
  readonly criticals: readonly Notification[];
  /** Grouped by cluster, most urgent cluster first. */
  readonly digest: readonly ClusterGroup[];
}

export interface ClusterGroup {
  readonly key: string;
  readonly label: string;
  readonly notifications: readonly Notification[];
}

export interface DigestOptions {
  /** Criticals beyond this many go into the digest. */
  readonly maxCriticalMessages: number;
}

export const DEFAULT_MAX_CRITICAL_MESSAGES = 10;

const OPENING_KINDS: ReadonlySet<TransitionKind> = new Set(["new", "escalated", "unmuted", "reminder"]);

const isCriticalAlert = (n: Notification): boolean =>
  n.intent.severity === "critical" && OPENING_KINDS.has(n.intent.kind);

/** Most severe first; resolutions after alerts; then rule and cluster for a stable order. */
export function compareNotifications(a: Notification, b: Notification): number {
  return (
    Number(a.intent.kind === "resolved") - Number(b.intent.kind === "resolved") ||
    severityRank(b.intent.severity) - severityRank(a.intent.severity) ||
    a.finding.ruleId.localeCompare(b.finding.ruleId) ||
    (a.finding.clusterName ?? "").localeCompare(b.finding.clusterName ?? "") ||
    a.finding.fingerprint.localeCompare(b.finding.fingerprint)
  );
}

export function clusterLabel(finding: Finding): string {
  const where = scopeLabel(finding);
  return finding.clusterName ? `${finding.clusterName} (${where})` : `${where} (whole scope)`;
}

/** Pure: which notifications go out alone and how the digest groups the rest. */
export function planMessages(notifications: readonly Notification[], options: DigestOptions): MessagePlan {
  const ordered = [...notifications].sort(compareNotifications);
  const criticals = ordered.filter(isCriticalAlert).slice(0, Math.max(0, options.maxCriticalMessages));
  const alone = new Set(criticals);
  const groups = new Map<string, Notification[]>();
  for (const n of ordered) {
    if (alone.has(n)) continue;
    const key = `${n.finding.cloud}|${n.finding.scope}|${n.finding.clusterId ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  // A cluster with several related problems (an attack path) reads first, then by its worst severity.
  const digest = [...groups.entries()]
    .map(([key, list]) => ({ key, label: clusterLabel(list[0]?.finding as Finding), notifications: list }))
    .sort(
      (a, b) =>
        b.notifications.filter((n) => n.intent.kind !== "resolved").length -
          a.notifications.filter((n) => n.intent.kind !== "resolved").length ||
        worst(b) - worst(a) ||
        a.label.localeCompare(b.label),
    );
  return { criticals, digest };
}

const worst = (group: ClusterGroup): number =>
  Math.max(...group.notifications.map((n) => severityRank(n.intent.severity)));

export function headline(notifications: readonly Notification[]): string {
  const count = (kind: TransitionKind): number => notifications.filter((n) => n.intent.kind === kind).length;
  const parts: string[] = [];
  const opened = count("new") + count("unmuted");
  if (opened > 0) parts.push(`${opened} new problem${opened === 1 ? "" : "s"}`);
  if (count("escalated") > 0) parts.push(`${count("escalated")} escalated`);
  if (count("reminder") > 0) parts.push(`${count("reminder")} still open (reminder)`);
  if (count("resolved") > 0) parts.push(`${count("resolved")} resolved`);
  return `cluster-audit: ${parts.join(", ") || "no changes"}`;
}

export function runLine(run: RunInfo): string {
  return `Run ${run.runId} (${run.trigger}) at ${run.startedAt.toISOString()}`;
}

/** The summary line for what did not fit: counts by rule and severity, and where the rest is. */
export function overflowLine(rest: readonly Notification[], store: string): string {
  const byRule = new Map<string, number>();
  const bySeverity = new Map<Severity, number>();
  for (const n of rest) {
    byRule.set(n.finding.ruleId, (byRule.get(n.finding.ruleId) ?? 0) + 1);
    bySeverity.set(n.intent.severity, (bySeverity.get(n.intent.severity) ?? 0) + 1);
  }
  const rules = [...byRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, c]) => `${r} ×${c}`);
  const severities = SEVERITIES.filter((s) => bySeverity.has(s)).map((s) => `${s} ×${bySeverity.get(s)}`);
  return `${rest.length} more in the findings table (${store}): by rule ${rules.join(", ")}; by severity ${severities.join(", ")}.`;
}

/** Removes control and bidi-override characters and collapses whitespace, then clips. */
export function cleanText(value: string, max: number): string {
  const cleaned = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.length <= max ? cleaned : `${cleaned.slice(0, max - 1)}…`;
}

export function scopeLabel(finding: Finding): string {
  return `${finding.cloud === "azure" ? "Azure subscription" : "AWS account"} ${finding.scope}${finding.region ? `, ${finding.region}` : ""}`;
}

/**
 * When an owed notification was decided in an earlier run (a channel outage, a
 * --no-notify run), say when, so a late alert and its resolution read in order.
 */
export function decidedNote(n: Notification, run: RunInfo): string {
  const at = Date.parse(n.intent.at);
  if (Number.isNaN(at) || run.startedAt.getTime() - at < 60_000) return "";
  return ` (decided ${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC)`;
}

/** Trusted words for a notification: its kind and severity, never free text. */
export function notificationLabel(n: Notification): string {
  const severity = n.intent.severity.toUpperCase();
  switch (n.intent.kind) {
    case "resolved":
      return `resolved (was ${severity})`;
    case "escalated":
      return `escalated ${n.intent.from ?? "?"} → ${n.intent.severity}`;
    case "unmuted":
      return `${severity} (mute expired, live again)`;
    case "reminder":
      return `${severity} REMINDER (still open)`;
    default:
      return n.finding.status === "unknown" ? `${severity} NOT AUDITED` : `${severity} NEW`;
  }
}
