import type { Finding, FindingStatus, Severity, TransitionKind } from "../model/finding.js";
import type { Cloud, CollectionGap, CoverageEntry, DataSource, Inventory, InventoryPart } from "../model/inventory.js";

export type ProgressSink = (message: string) => void;

/** Collectors run in stages: every collector of a stage sees the inventory of the stages before it. */
export const STAGES = { primary: 0, enrichment: 1, correlation: 2 } as const;
export type CollectorStage = (typeof STAGES)[keyof typeof STAGES];

export interface CollectContext {
  readonly progress: ProgressSink;
  /** Everything earlier stages collected (empty for the primary stage). */
  readonly inventory: Inventory;
  readonly now: Date;
}

/** Talks to one cloud service and returns what it saw. Failures become gaps; it does not throw. */
export interface Collector {
  readonly id: string;
  readonly cloud: Cloud;
  readonly stage: CollectorStage;
  collect(context: CollectContext): Promise<InventoryPart>;
}

export type ChatChannel = "slack" | "teams";
export const CHAT_CHANNELS: readonly ChatChannel[] = ["slack", "teams"];

export type AuditTrigger = "timer" | "cli" | "demo" | "test" | "queue";

export interface RunInfo {
  readonly runId: string;
  readonly trigger: AuditTrigger;
  readonly startedAt: Date;
}

/**
 * A notification owed to one channel. Its key (fingerprint + transition + channel)
 * is stable across runs, so a crash and a re-run decide the same intent again and
 * it is sent once.
 */
export interface OutboxIntent {
  /** `<kind>:<episode>[:<detail>]`; unique per finding and channel. */
  readonly key: string;
  readonly kind: TransitionKind;
  readonly severity: Severity;
  /** When it was decided (ISO). */
  readonly at: string;
  /** Severity before an escalation. */
  readonly from?: Severity | null;
}

/** What the store remembers of a fingerprint from earlier runs. */
export interface HistoryRecord {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
  readonly clusterName: string | null;
  readonly title: string;
  readonly detail: string;
  readonly resourceId: string | null;
  /** The data the finding's verdict read (absence resolves it only where all were covered). */
  readonly sources: readonly DataSource[];
  readonly status: FindingStatus;
  /** The status under a mute. */
  readonly mutedStatus: "fail" | "pass" | "unknown" | null;
  readonly state: Finding["state"];
  readonly severity: Severity;
  /** Highest severity of the current episode. */
  readonly peakSeverity: Severity;
  /** First time the problem was ever seen; kept across resolutions. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Counts the times the problem opened (fail or unknown after pass, resolved or nothing). 0: never a problem. */
  readonly episode: number;
  readonly episodeStartedAt: string | null;
  /** True once the current episode has been `fail` (not only `unknown`). */
  readonly failedInEpisode: boolean;
  readonly lastRemindedAt: string | null;
  /** Undelivered notifications, per channel. */
  readonly outbox: Readonly<Partial<Record<ChatChannel, readonly OutboxIntent[]>>>;
  /** The row's version, for conditional writes; null for rows not yet stored. */
  readonly etag: string | null;
}

export type History = ReadonlyMap<string, HistoryRecord>;

/** A finding as the store writes it: the report's fields plus the lifecycle and outbox state. */
export interface StoredFinding extends Finding {
  readonly sources: readonly DataSource[];
  readonly peakSeverity: Severity;
  readonly episode: number;
  readonly episodeStartedAt: string | null;
  readonly failedInEpisode: boolean;
  readonly lastRemindedAt: string | null;
  readonly outbox: Readonly<Partial<Record<ChatChannel, readonly OutboxIntent[]>>>;
  /** The version the lifecycle read; the write is conditional on it (null: the row must not exist yet). */
  readonly expectedEtag: string | null;
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
  /** Chat only: messages posted. */
  readonly messages?: number;
}

export interface SaveResult extends SinkResult {
  /** Fingerprints whose rows landed, with their new versions. */
  readonly written: ReadonlyMap<string, string>;
  /** Rows another writer changed since they were read: this run leaves them (and their intents) alone. */
  readonly conflicts: readonly string[];
}

export interface Delivery {
  readonly fingerprint: string;
  readonly channel: ChatChannel;
  readonly keys: readonly string[];
}

/** One row per run: coverage, counts, gaps, duration and sink results. */
export interface RunRecord {
  readonly runId: string;
  readonly trigger: AuditTrigger;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly coverage: readonly CoverageEntry[];
  readonly gaps: readonly CollectionGap[];
  readonly sinks: readonly SinkResult[];
}

export interface HistoryQuery {
  /** Only these partitions (cloud + scope); all when absent. */
  readonly scopes?: readonly { readonly cloud: Cloud; readonly scope: string }[];
}

export interface FindingStore {
  readonly name: string;
  readonly target: string;
  loadHistory(query?: HistoryQuery): Promise<History>;
  /** Writes rows, each conditional on its expected version; never throws. */
  saveFindings(findings: readonly StoredFinding[], run: RunInfo): Promise<SaveResult>;
  /** Removes delivered intents from their rows (re-reading a row that changed meanwhile). */
  markDelivered(deliveries: readonly Delivery[]): Promise<void>;
  /** Writes the run's row; never throws. */
  saveRun(record: RunRecord): Promise<SinkResult>;
}

/** A notification to render: the intent and the finding it is about. */
export interface Notification {
  readonly channel: ChatChannel;
  readonly intent: OutboxIntent;
  readonly finding: Finding;
  /** Rule IDs of the other problems open on the same cluster in this run: the attack path around it. */
  readonly related?: readonly string[];
}

export interface DeliveryResult extends SinkResult {
  /** Intent keys (per fingerprint) carried by accepted messages, overflow summaries included. */
  readonly deliveredKeys: readonly { readonly fingerprint: string; readonly key: string }[];
}

/** Called after each accepted message, before the next is sent, so the duplicate window stays one message wide. */
export type AcceptedHook = (
  carried: readonly { readonly fingerprint: string; readonly key: string }[],
) => Promise<void>;

export interface Notifier {
  readonly channel: ChatChannel;
  readonly target: string;
  /** Renders and posts; returns what arrived. Never throws for a delivery failure. */
  deliver(notifications: readonly Notification[], run: RunInfo, onAccepted: AcceptedHook): Promise<DeliveryResult>;
}

/**
 * A sink that writes what the run found somewhere besides the findings table and
 * chat (the FinOps GPU anomaly table). It runs after the findings are stored; never throws.
 */
export interface ReportSink {
  readonly name: string;
  readonly target: string;
  write(input: {
    readonly findings: readonly Finding[];
    readonly inventory: Inventory;
    readonly run: RunInfo;
  }): Promise<SinkResult>;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type { CollectionGap };
