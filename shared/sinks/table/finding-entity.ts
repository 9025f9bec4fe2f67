import type { ChatChannel, HistoryRecord, StoredFinding } from "../../engine/ports.js";
import type { FindingStatus } from "../../model/finding.js";

/** Table Storage caps a string property at 64 KiB (32K UTF-16 units); stay well under. */
const MAX_TEXT = 8_000;
const MAX_EVIDENCE = 30_000;

export interface FindingEntity {
  partitionKey: string;
  rowKey: string;
  [property: string]: string | number | boolean | Date;
}

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Pure: one finding to one row. Keys are the rule ID (from our own metadata) and the
 * hex fingerprint, so untrusted names never reach a key and a re-run upserts in place.
 */
export function toFindingEntity(finding: StoredFinding, runId: string): FindingEntity {
  const evidence = JSON.stringify(finding.evidence);
  return {
    partitionKey: finding.ruleId,
    rowKey: finding.fingerprint,
    ruleId: finding.ruleId,
    severity: finding.severity,
    status: finding.status,
    state: finding.state,
    cloud: finding.cloud,
    scope: finding.scope,
    region: finding.region ?? "",
    clusterId: finding.clusterId ?? "",
    clusterName: finding.clusterName ?? "",
    title: finding.title,
    detail: clip(finding.detail, MAX_TEXT),
    evidence:
      evidence.length <= MAX_EVIDENCE
        ? evidence
        : JSON.stringify({ truncated: true, prefix: evidence.slice(0, MAX_EVIDENCE - 100) }),
    firstSeen: new Date(finding.firstSeen),
    lastSeen: new Date(finding.lastSeen),
    pendingChannels: finding.pendingChannels.join(","),
    runId,
  };
}

const STATUSES: readonly FindingStatus[] = ["fail", "pass", "unknown", "muted"];
const CHANNELS: readonly ChatChannel[] = ["slack", "teams"];

const isoOf = (value: unknown): string | null => {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return null;
};

/** Pure: a stored row back to history; rows this version cannot read are skipped (returns null). */
export function toHistoryRecord(entity: Readonly<Record<string, unknown>>): HistoryRecord | null {
  const fingerprint = entity.rowKey;
  const status = STATUSES.find((s) => s === entity.status);
  const firstSeen = isoOf(entity.firstSeen);
  const lastSeen = isoOf(entity.lastSeen);
  if (typeof fingerprint !== "string" || !status || !firstSeen || !lastSeen) return null;
  const pending = typeof entity.pendingChannels === "string" ? entity.pendingChannels.split(",") : [];
  return { fingerprint, status, firstSeen, lastSeen, pendingChannels: CHANNELS.filter((c) => pending.includes(c)) };
}
