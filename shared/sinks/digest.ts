import type { AzureCloudName } from "../config/azure-clouds.js";
import type { Notification, RunInfo } from "../engine/ports.js";
import { type Finding, SEVERITIES, type Severity, severityRank, type TransitionKind } from "../model/finding.js";

/**
 * How one run's notifications become messages: an attack path (a cluster whose
 * exposure leads to Kubeflow, a miner or a GPU spike) and each other critical
 * alert go out on their own, up to a cap; everything else goes into one digest.
 */
export interface MessagePlan {
  readonly alone: readonly AloneMessage[];
  /** Grouped by cluster, attack paths first, then by the worst severity. */
  readonly digest: readonly ClusterGroup[];
}

export interface AloneMessage {
  readonly kind: "attack-path" | "critical";
  readonly group: ClusterGroup;
}

export interface ClusterGroup {
  readonly key: string;
  readonly label: string;
  /** The attack path in one line, when the cluster has one. */
  readonly chain: string | null;
  readonly notifications: readonly Notification[];
}

export interface DigestOptions {
  /** Messages sent on their own (attack paths, criticals) beyond this many go into the digest. */
  readonly maxCriticalMessages: number;
}

export const DEFAULT_MAX_CRITICAL_MESSAGES = 10;

const OPENING_KINDS: ReadonlySet<TransitionKind> = new Set(["new", "escalated", "unmuted", "reminder"]);

const isCriticalAlert = (n: Notification): boolean =>
  n.intent.severity === "critical" && OPENING_KINDS.has(n.intent.kind);

/** The steps of the 2020 path, in order, and how each reads in the chain line. */
const CHAIN: readonly { readonly step: string; readonly rules: readonly string[]; readonly words: string }[] = [
  { step: "exposure", rules: ["istio-ingress-public"], words: "public Istio gateway" },
  { step: "exposure", rules: ["k8s-dashboard-exposed"], words: "exposed Kubernetes dashboard" },
  { step: "exposure", rules: ["api-server-public"], words: "public API server" },
  { step: "kubeflow", rules: ["kubeflow-dashboard-exposed"], words: "Kubeflow reachable" },
  { step: "miner", rules: ["crypto-miner-workload"], words: "crypto-miner running" },
  { step: "gpu", rules: ["gpu-node-spike"], words: "GPU nodes spiking" },
];

/** Cost per hour of a spike, when its evidence carries one (our own numbers, not free text). */
function spikeCost(notifications: readonly Notification[]): string | null {
  for (const n of notifications) {
    if (n.finding.ruleId !== "gpu-node-spike") continue;
    const cost = n.finding.evidence.excessCostPerHour ?? n.finding.evidence.costPerHour;
    const currency = n.finding.evidence.currency;
    if (typeof cost === "number" && Number.isFinite(cost))
      return `${typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? currency : "USD"} ${cost.toFixed(2)}/h`;
  }
  return null;
}

/**
 * The attack path of a cluster in one line, from its open problems: an exposure
 * followed by at least one later step. Null when the cluster has no such path.
 */
export function attackChain(notifications: readonly Notification[]): string | null {
  const rules = new Set(
    notifications.flatMap((n) => (n.intent.kind === "resolved" ? [] : [n.finding.ruleId, ...(n.related ?? [])])),
  );
  const present = CHAIN.filter((c) => c.rules.some((r) => rules.has(r)));
  const steps = new Set(present.map((c) => c.step));
  if (!steps.has("exposure") || steps.size < 2) return null;
  // Several ways in read as one step: "public Istio gateway and public API server → Kubeflow reachable".
  const entry = present
    .filter((c) => c.step === "exposure")
    .map((c) => c.words)
    .join(" and ");
  const later = present.filter((c) => c.step !== "exposure").map((c) => c.words);
  const cost = spikeCost(notifications);
  return `Attack path: ${[entry, ...later].join(" → ")}${cost ? ` (${cost})` : ""}`;
}

/** Most severe first; resolutions after alerts; then rule and cluster for a stable order. */
export function compareNotifications(a: Notification, b: Notification): number {
  return (
    Number(a.intent.kind === "resolved") - Number(b.intent.kind === "resolved") ||
    severityRank(b.intent.severity) - severityRank(a.intent.severity) ||
    a.finding.ruleId.localeCompare(b.finding.ruleId) ||
    (a.finding.clusterName ?? "").localeCompare(b.finding.clusterName ?? "") ||
    a.finding.fingerprint.localeCompare(b.finding.fingerprint) ||
    a.intent.at.localeCompare(b.intent.at)
  );
}

export function clusterLabel(finding: Finding): string {
  const where = scopeLabel(finding);
  return finding.clusterName ? `${finding.clusterName} (${where})` : `${where} (whole scope)`;
}

const worst = (group: ClusterGroup): number =>
  Math.max(...group.notifications.map((n) => severityRank(n.intent.severity)));
const openCount = (group: ClusterGroup): number =>
  group.notifications.filter((n) => n.intent.kind !== "resolved").length;

/** Pure: which notifications go out alone and how the digest groups the rest. */
export function planMessages(notifications: readonly Notification[], options: DigestOptions): MessagePlan {
  const ordered = [...notifications].sort(compareNotifications);
  const byCluster = new Map<string, Notification[]>();
  for (const n of ordered) {
    const key = `${n.finding.cloud}|${n.finding.scope}|${n.finding.clusterId ?? ""}`;
    byCluster.set(key, [...(byCluster.get(key) ?? []), n]);
  }
  const groups: ClusterGroup[] = [...byCluster.entries()].map(([key, list]) => ({
    key,
    label: clusterLabel(list[0]?.finding as Finding),
    chain: list[0]?.finding.clusterId ? attackChain(list) : null,
    notifications: list,
  }));
  // Attack paths first, then the clusters with the most open problems, then the worst severity.
  groups.sort(
    (a, b) =>
      Number(b.chain !== null) - Number(a.chain !== null) ||
      openCount(b) - openCount(a) ||
      worst(b) - worst(a) ||
      a.label.localeCompare(b.label),
  );
  const cap = Math.max(0, options.maxCriticalMessages);
  // An alert that is owed late and already resolved is history, not a page: it reads in the digest with its resolution.
  const resolved = new Set(ordered.filter((n) => n.intent.kind === "resolved").map((n) => n.finding.fingerprint));
  const pages = (n: Notification): boolean => isCriticalAlert(n) && !resolved.has(n.finding.fingerprint);
  const alone: AloneMessage[] = [];
  const digest: ClusterGroup[] = [];
  for (const group of groups) {
    const critical = group.notifications.filter(pages);
    if (group.chain !== null && critical.length > 0 && alone.length < cap) {
      // The whole story of the cluster in one message, not one message per finding.
      alone.push({ kind: "attack-path", group });
      continue;
    }
    const rest: Notification[] = [];
    for (const n of group.notifications) {
      if (pages(n) && alone.length < cap)
        alone.push({ kind: "critical", group: { ...group, chain: null, notifications: [n] } });
      else rest.push(n);
    }
    if (rest.length > 0) digest.push({ ...group, notifications: rest });
  }
  return { alone, digest };
}

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

/** What renderers need beyond the plan: where the table is, and which Azure portal the links open. */
export interface RenderContext {
  readonly store: string;
  readonly azureCloud: AzureCloudName;
}

const humanize = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * The evidence as a few facts: top-level values that are text, numbers or lists of
 * them. Keys are our own; values may be anything a cluster reported, so renderers
 * escape them.
 */
export function evidenceFacts(finding: Finding, max = 8): { title: string; value: string }[] {
  const facts: { title: string; value: string }[] = [];
  for (const [key, value] of Object.entries(finding.evidence)) {
    if (facts.length >= max) break;
    if (value === null || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    if (typeof value === "object" && !Array.isArray(value)) continue;
    const text = Array.isArray(value)
      ? value
          .filter((v) => v === null || typeof v !== "object")
          .map(String)
          .join(", ")
      : String(value);
    if (text) facts.push({ title: humanize(key), value: text });
  }
  return facts;
}
