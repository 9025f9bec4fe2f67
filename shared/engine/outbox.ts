/**
 * The outbox: notifications are decided, written to the findings rows, and only
 * then sent; each accepted message removes the intents it carried. Keys are
 * stable across runs, so a crash and a re-run decide the same intents again.
 */
import { clusterKey } from "../model/cluster.js";
import { type Finding, type Severity, severityRank } from "../model/finding.js";
import { type LifecycleFinding, transitionSeverity } from "./lifecycle.js";
import type { ChatChannel, History, HistoryRecord, Notification, OutboxIntent, StoredFinding } from "./ports.js";

type Outbox = Partial<Record<ChatChannel, readonly OutboxIntent[]>>;

function withIntent(pending: readonly OutboxIntent[], intent: OutboxIntent): readonly OutboxIntent[] {
  return pending.some((p) => p.key === intent.key) ? pending : [...pending, intent];
}

/** Pure: every finding with the intents it owes per channel (earlier undelivered ones first). */
export function planOutbox(
  findings: readonly LifecycleFinding[],
  history: History,
  channels: readonly ChatChannel[],
  minSeverity: Severity,
  now: Date,
): StoredFinding[] {
  return findings.map((finding) => {
    const previous = history.get(finding.fingerprint);
    const outbox: Outbox = {};
    for (const channel of new Set<ChatChannel>([
      ...channels,
      ...(Object.keys(previous?.outbox ?? {}) as ChatChannel[]),
    ])) {
      // A muted finding is never sent, not even what an earlier run still owed.
      let pending: readonly OutboxIntent[] = finding.silenced ? [] : (previous?.outbox[channel] ?? []);
      const severity = transitionSeverity(finding);
      if (
        channels.includes(channel) &&
        finding.transition &&
        finding.transitionKey &&
        !finding.silenced &&
        severityRank(severity) >= severityRank(minSeverity)
      ) {
        pending = withIntent(pending, {
          key: finding.transitionKey,
          kind: finding.transition,
          severity,
          at: now.toISOString(),
          from: finding.previousSeverity ?? null,
        });
      }
      if (pending.length > 0) outbox[channel] = pending;
    }
    const { silenced: _silenced, transitionKey: _key, ...stored } = finding;
    return { ...stored, outbox, expectedEtag: previous?.etag ?? null };
  });
}

/** A finding rebuilt from its stored row, to render an intent an earlier run still owes. */
export function findingFromHistory(record: HistoryRecord): Finding {
  return {
    ruleId: record.ruleId,
    severity: record.severity,
    status: record.status,
    state: record.state,
    cloud: record.cloud,
    scope: record.scope,
    region: record.region,
    clusterId: record.clusterId,
    clusterName: record.clusterName,
    title: record.title,
    detail: record.detail,
    evidence: {},
    fingerprint: record.fingerprint,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    peakSeverity: record.peakSeverity,
    resourceId: record.resourceId,
  };
}

/**
 * What to send now, per channel: intents on rows this run wrote, plus intents on
 * rows it left alone (not audited this run) that an earlier run still owes. Rows
 * whose write failed or conflicted are skipped: their intents are decided again.
 */
export function dueNotifications(
  rows: readonly StoredFinding[],
  written: ReadonlyMap<string, string>,
  history: History,
  channel: ChatChannel,
): Notification[] {
  const due: Notification[] = [];
  const planned = new Set(rows.map((r) => r.fingerprint));
  // The open problems of each cluster in this run, so chat can show an attack path as one story.
  const problems = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row.status !== "fail" || !row.clusterId) continue;
    const key = clusterKey(row.cloud, row.clusterId);
    problems.set(key, (problems.get(key) ?? new Set()).add(row.ruleId));
  }
  const relatedTo = (finding: Finding): readonly string[] =>
    finding.clusterId
      ? [...(problems.get(clusterKey(finding.cloud, finding.clusterId)) ?? [])].filter((r) => r !== finding.ruleId)
      : [];
  for (const row of rows) {
    if (!written.has(row.fingerprint)) continue;
    for (const intent of row.outbox[channel] ?? [])
      due.push({ channel, intent, finding: row, related: relatedTo(row) });
  }
  for (const record of history.values()) {
    if (planned.has(record.fingerprint)) continue;
    const pending = record.status === "muted" ? [] : (record.outbox[channel] ?? []);
    const finding = findingFromHistory(record);
    for (const intent of pending) due.push({ channel, intent, finding, related: relatedTo(finding) });
  }
  // Oldest first, so a late resolution follows the alert it resolves.
  return due.sort((a, b) => a.intent.at.localeCompare(b.intent.at));
}
