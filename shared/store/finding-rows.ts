/**
 * Findings rows, pure. PartitionKey = `cloud|scope`, so workers that audit
 * different scopes write disjoint partitions; RowKey = the hex fingerprint.
 * Every string the row holds is bounded by its stored (UTF-16) length, which is
 * what Table Storage measures.
 */
import type { ChatChannel, HistoryRecord, OutboxIntent, StoredFinding } from "../engine/ports.js";
import { CHAT_CHANNELS } from "../engine/ports.js";
import { DATA_SOURCES, type DataSource } from "../model/coverage.js";
import { type Evidence, type FindingStatus, type JsonValue, SEVERITIES, type Severity } from "../model/finding.js";
import type { Cloud } from "../model/inventory.js";
import type { EntityValue, StoredRow, TableRow } from "./entity-table.js";
import { encodeTableKey } from "./table-keys.js";

/** A string property holds at most 64 KiB, i.e. 32,768 UTF-16 units; keep a margin for the service. */
export const MAX_PROPERTY_CHARS = 30_000;
const MAX_TEXT = 4_000;
const MAX_NAME = 1_000;

export const findingPartitionKey = (cloud: Cloud, scope: string): string =>
  encodeTableKey(`${cloud}|${cloud === "azure" ? scope.toLowerCase() : scope}`);

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function shrink(value: JsonValue, maxString: number, maxItems: number): JsonValue {
  if (typeof value === "string") return clip(value, maxString);
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxItems).map((v) => shrink(v, maxString, maxItems));
    return value.length > maxItems ? [...kept, `… ${value.length - maxItems} more`] : kept;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, JsonValue>);
    const kept = entries.slice(0, maxItems).map(([k, v]) => [clip(k, 200), shrink(v, maxString, maxItems)] as const);
    return Object.fromEntries(entries.length > maxItems ? [...kept, ["…", `${entries.length - maxItems} more`]] : kept);
  }
  return value;
}

/**
 * Any JSON value within the property limit, measured after encoding. Too large:
 * strings and lists are clipped step by step until it fits, and the result says so.
 */
export function boundJson(
  value: unknown,
  max = MAX_PROPERTY_CHARS,
): { json: string; truncated: boolean; originalChars: number } {
  const json = JSON.stringify(value) ?? "null";
  if (json.length <= max) return { json, truncated: false, originalChars: json.length };
  const parsed = JSON.parse(json) as JsonValue;
  const isObject = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
  for (const [maxString, maxItems] of [
    [2000, 50],
    [500, 20],
    [120, 10],
    [40, 5],
  ] as const) {
    const shrunk = shrink(parsed, maxString, maxItems);
    const candidate = JSON.stringify(
      isObject
        ? { truncated: true, originalChars: json.length, ...(shrunk as Record<string, JsonValue>) }
        : { truncated: true, originalChars: json.length, value: shrunk },
    );
    if (candidate.length <= max) return { json: candidate, truncated: true, originalChars: json.length };
  }
  const keys = isObject ? Object.keys(parsed).slice(0, 50) : [];
  return {
    json: JSON.stringify({ truncated: true, originalChars: json.length, keys }),
    truncated: true,
    originalChars: json.length,
  };
}

export const boundEvidence = (evidence: Evidence, max = MAX_PROPERTY_CHARS) => boundJson(evidence, max);

const withoutNulls = (row: Record<string, EntityValue | null | undefined>): Record<string, EntityValue> =>
  Object.fromEntries(
    Object.entries(row).filter((e): e is [string, EntityValue] => e[1] !== null && e[1] !== undefined),
  );

function outboxJson(outbox: StoredFinding["outbox"]): string {
  const json = JSON.stringify(outbox);
  if (json.length <= MAX_PROPERTY_CHARS) return json;
  // Hundreds of owed intents on one finding: keep the newest per channel rather than lose the row.
  const trimmed: Partial<Record<ChatChannel, readonly OutboxIntent[]>> = {};
  for (const channel of CHAT_CHANNELS) {
    const list = outbox[channel];
    if (list) trimmed[channel] = list.slice(-50);
  }
  return JSON.stringify(trimmed);
}

/** Pure: one finding to one row. Untrusted names reach only properties, never keys. */
export function toFindingRow(finding: StoredFinding, runId: string): TableRow {
  const evidence = boundEvidence(finding.evidence);
  const pending = CHAT_CHANNELS.filter((c) => (finding.outbox[c]?.length ?? 0) > 0);
  return {
    ...withoutNulls({
      ruleId: finding.ruleId,
      severity: finding.severity,
      peakSeverity: finding.peakSeverity,
      status: finding.status,
      mutedStatus: finding.mutedStatus ?? null,
      mute: finding.mute ? clip(JSON.stringify(finding.mute), MAX_TEXT) : null,
      state: finding.state,
      transition: finding.transition ?? "",
      cloud: finding.cloud,
      scope: finding.scope,
      region: finding.region ?? "",
      clusterId: clip(finding.clusterId ?? "", MAX_NAME),
      clusterName: clip(finding.clusterName ?? "", MAX_NAME),
      resourceId: clip(finding.resourceId ?? "", MAX_NAME),
      title: clip(finding.title, MAX_TEXT),
      detail: clip(finding.detail, MAX_TEXT),
      evidence: evidence.json,
      evidenceTruncated: evidence.truncated,
      evidenceChars: evidence.originalChars,
      sources: finding.sources.join(","),
      firstSeen: new Date(finding.firstSeen),
      lastSeen: new Date(finding.lastSeen),
      episode: finding.episode,
      episodeStartedAt: finding.episodeStartedAt ? new Date(finding.episodeStartedAt) : null,
      failedInEpisode: finding.failedInEpisode,
      lastRemindedAt: finding.lastRemindedAt ? new Date(finding.lastRemindedAt) : null,
      outbox: outboxJson(finding.outbox),
      pendingChannels: pending.join(","),
      runId,
    }),
    partitionKey: findingPartitionKey(finding.cloud, finding.scope),
    rowKey: finding.fingerprint,
  };
}

const STATUSES: readonly FindingStatus[] = ["fail", "pass", "unknown", "muted"];
const STATES = ["new", "open", "resolved"] as const;
const KNOWN_SOURCES = new Set<string>(Object.values(DATA_SOURCES));

const isoOf = (value: unknown): string | null => {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === "string" && value !== "" && !Number.isNaN(Date.parse(value)))
    return new Date(value).toISOString();
  return null;
};
const text = (value: unknown): string => (typeof value === "string" ? value : "");
const orNull = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const severityOf = (value: unknown, fallback: Severity): Severity => SEVERITIES.find((s) => s === value) ?? fallback;

function parseOutbox(value: unknown): HistoryRecord["outbox"] {
  if (typeof value !== "string" || value === "") return {};
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const outbox: Partial<Record<ChatChannel, OutboxIntent[]>> = {};
    for (const channel of CHAT_CHANNELS) {
      const list = parsed[channel];
      if (!Array.isArray(list)) continue;
      outbox[channel] = list.filter(
        (i): i is OutboxIntent =>
          typeof i === "object" &&
          i !== null &&
          typeof (i as OutboxIntent).key === "string" &&
          typeof (i as OutboxIntent).kind === "string",
      );
    }
    return outbox;
  } catch {
    return {};
  }
}

/** Rows written before the `cloud|scope` partitions (PartitionKey = rule ID, `pendingChannels` only). */
export const isLegacyRow = (row: StoredRow): boolean => !decodeURIComponent(row.partitionKey).includes("|");

/** Pure: a stored row back to history; rows this version cannot read are skipped (returns null). */
export function toHistoryRecord(
  row: StoredRow,
  fallbackSources: (ruleId: string) => readonly DataSource[],
): HistoryRecord | null {
  const fingerprint = row.rowKey;
  const status = STATUSES.find((s) => s === row.status);
  const firstSeen = isoOf(row.firstSeen);
  const lastSeen = isoOf(row.lastSeen);
  const cloud = row.cloud === "azure" || row.cloud === "aws" ? row.cloud : null;
  const ruleId = text(row.ruleId);
  if (!status || !firstSeen || !lastSeen || !cloud || !ruleId) return null;
  const severity = severityOf(row.severity, "medium");
  const legacy = isLegacyRow(row);
  const problem = status === "fail" || status === "unknown";
  const sources = text(row.sources)
    .split(",")
    .filter((s): s is DataSource => KNOWN_SOURCES.has(s));
  const mutedStatus =
    row.mutedStatus === "fail" || row.mutedStatus === "pass" || row.mutedStatus === "unknown" ? row.mutedStatus : null;
  let outbox = parseOutbox(row.outbox);
  if (legacy) {
    // The old schema only said which channels still owed the alert: owe it as the episode's opening.
    const owed = text(row.pendingChannels).split(",");
    outbox = Object.fromEntries(
      CHAT_CHANNELS.filter((c) => owed.includes(c) && problem).map((c) => [
        c,
        [{ key: `new:1:${status}`, kind: "new", severity, at: lastSeen }] satisfies OutboxIntent[],
      ]),
    );
  }
  return {
    fingerprint,
    ruleId,
    cloud,
    scope: text(row.scope),
    region: orNull(row.region),
    clusterId: orNull(row.clusterId),
    clusterName: orNull(row.clusterName),
    title: text(row.title),
    detail: text(row.detail),
    resourceId: orNull(row.resourceId),
    sources: sources.length > 0 ? sources : fallbackSources(ruleId),
    status,
    mutedStatus,
    state: STATES.find((s) => s === row.state) ?? "open",
    severity,
    peakSeverity: severityOf(row.peakSeverity, severity),
    firstSeen,
    lastSeen,
    episode: typeof row.episode === "number" ? row.episode : problem ? 1 : 0,
    episodeStartedAt: isoOf(row.episodeStartedAt) ?? (legacy && problem ? firstSeen : null),
    failedInEpisode: typeof row.failedInEpisode === "boolean" ? row.failedInEpisode : status === "fail",
    lastRemindedAt: isoOf(row.lastRemindedAt),
    outbox,
    // A legacy row moves to its new partition: the write there is a create.
    etag: legacy ? null : row.etag,
  };
}

/** Removes delivered keys from a stored outbox; returns the new properties to merge. */
export function withoutDelivered(
  outbox: HistoryRecord["outbox"],
  channel: ChatChannel,
  keys: readonly string[],
): { outbox: string; pendingChannels: string; remaining: HistoryRecord["outbox"] } {
  const remaining: Partial<Record<ChatChannel, readonly OutboxIntent[]>> = { ...outbox };
  const left = (outbox[channel] ?? []).filter((i) => !keys.includes(i.key));
  if (left.length > 0) remaining[channel] = left;
  else delete remaining[channel];
  return {
    outbox: JSON.stringify(remaining),
    pendingChannels: CHAT_CHANNELS.filter((c) => (remaining[c]?.length ?? 0) > 0).join(","),
    remaining,
  };
}

export { parseOutbox };
