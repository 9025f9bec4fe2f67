import type { Finding, FindingStatus } from "../model/finding.js";
import type { Cloud, CollectionGap, InventoryPart } from "../model/inventory.js";

/** Talks to one cloud and returns what it saw. Failures become gaps; it does not throw. */
export interface Collector {
  readonly cloud: Cloud;
  collect(progress: ProgressSink): Promise<InventoryPart>;
}

export type ChatChannel = "slack" | "teams";

export interface RunInfo {
  readonly runId: string;
  readonly trigger: AuditTrigger;
  readonly startedAt: Date;
}

export type AuditTrigger = "timer" | "cli" | "demo" | "test";

/** What the store remembers of a fingerprint from earlier runs. */
export interface HistoryRecord {
  readonly fingerprint: string;
  readonly status: FindingStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Chat channels that still owe a notification for this finding (an earlier delivery failed). */
  readonly pendingChannels: readonly ChatChannel[];
}

export interface StoredFinding extends Finding {
  readonly pendingChannels: readonly ChatChannel[];
}

export interface SinkResult {
  readonly sink: string;
  readonly ok: boolean;
  /** Items written or findings delivered. */
  readonly delivered: number;
  readonly failed: number;
  /** Redacted error text when not ok. */
  readonly error: string | null;
  /** Where the data went, without secrets (a table name, a webhook host). */
  readonly target: string;
}

export interface FindingStore {
  readonly name: string;
  readonly target: string;
  loadHistory(): Promise<ReadonlyMap<string, HistoryRecord>>;
  save(findings: readonly StoredFinding[], run: RunInfo): Promise<SinkResult>;
}

export interface Notifier {
  readonly channel: ChatChannel;
  readonly target: string;
  send(findings: readonly Finding[], run: RunInfo): Promise<SinkResult>;
}

export type ProgressSink = (message: string) => void;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type { CollectionGap };
