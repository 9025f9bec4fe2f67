import { type Finding, type Severity, severityRank } from "../model/finding.js";
import type { DraftFinding } from "./evaluate.js";
import type { ChatChannel, HistoryRecord } from "./ports.js";

const problemStatus = (status: string): boolean => status === "fail" || status === "unknown";

/**
 * Pure: gives each draft its state and first/last seen from the history. The
 * same fingerprint seen twice in one run (it should not happen) keeps the first.
 */
export function applyHistory(
  drafts: readonly DraftFinding[],
  history: ReadonlyMap<string, HistoryRecord>,
  now: Date,
): Finding[] {
  const seen = new Set<string>();
  const nowIso = now.toISOString();
  const findings: Finding[] = [];
  for (const draft of drafts) {
    if (seen.has(draft.fingerprint)) continue;
    seen.add(draft.fingerprint);
    const previous = history.get(draft.fingerprint);
    let state: Finding["state"];
    if (!previous) state = "new";
    else if (previous.status === "fail" && draft.status === "pass") state = "resolved";
    else if (problemStatus(previous.status) === problemStatus(draft.status)) state = "open";
    else state = "new";
    const firstSeen = state === "new" || !previous ? nowIso : previous.firstSeen;
    findings.push({ ...draft, state, firstSeen, lastSeen: nowIso });
  }
  return findings;
}

/** Findings that chat should hear about now: new problems (fail or blind spot) and resolutions at or above the threshold. */
export function isNotifiable(finding: Finding, minSeverity: Severity): boolean {
  if (severityRank(finding.severity) < severityRank(minSeverity)) return false;
  if (isProblem(finding)) return finding.state === "new";
  return finding.state === "resolved";
}

/** A failure, or something the audit could not see: both are owed to chat until delivered. */
export const isProblem = (finding: Finding): boolean => finding.status === "fail" || finding.status === "unknown";

/** Per channel, what to send: notifiable findings plus failures an earlier run could not deliver. */
export function planNotifications(
  findings: readonly Finding[],
  history: ReadonlyMap<string, HistoryRecord>,
  channels: readonly ChatChannel[],
  minSeverity: Severity,
): Map<ChatChannel, Finding[]> {
  const plan = new Map<ChatChannel, Finding[]>();
  for (const channel of channels) {
    plan.set(
      channel,
      findings.filter(
        (f) =>
          isNotifiable(f, minSeverity) ||
          (isProblem(f) && (history.get(f.fingerprint)?.pendingChannels.includes(channel) ?? false)),
      ),
    );
  }
  return plan;
}
