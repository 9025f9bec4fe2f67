import type {
  AcceptedHook,
  DeliveryResult,
  FindingStore,
  Notification,
  Notifier,
  RunInfo,
} from "../../shared/engine/ports.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { createFindingStore } from "../../shared/store/finding-store.js";
import { createMemoryTable, type MemoryTable, type MemoryTableOptions } from "../../shared/store/memory-table.js";

const SOURCES = new Map(ALL_RULES.map((r) => [r.metadata.id, r.metadata.sources] as const));

export interface MemoryStore {
  readonly findings: MemoryTable;
  readonly runs: MemoryTable;
  /** A fresh store instance over the same tables, as each run builds its own. */
  store(): FindingStore;
  /** Findings rows by fingerprint, with their parsed outbox. */
  rows(): Map<string, Record<string, unknown>>;
  failLoad: boolean;
}

/** The real findings store over in-memory tables with Azure Table semantics; Azurite has its own tests. */
export async function memoryStore(options: MemoryTableOptions = {}): Promise<MemoryStore> {
  const findings = await createMemoryTable("findings", options);
  const runs = await createMemoryTable("runs");
  const handle: MemoryStore = {
    findings,
    runs,
    failLoad: false,
    store() {
      const inner = createFindingStore({ findings, runs, sourcesOf: (id) => SOURCES.get(id) ?? [] });
      return {
        ...inner,
        name: "memory",
        loadHistory: async (query) => {
          if (handle.failLoad) throw new Error("store offline");
          return inner.loadHistory(query);
        },
      };
    },
    rows() {
      return new Map(findings.rows().map((r) => [r.rowKey, { ...r, outbox: JSON.parse(String(r.outbox ?? "{}")) }]));
    },
  };
  return handle;
}

export interface RecordingNotifier extends Notifier {
  /** Each accepted call's notifications. */
  readonly sent: Notification[][];
  failing: boolean;
}

/** A notifier that accepts everything in one message (or fails it), acknowledging as the real ones do. */
export function recordingNotifier(channel: "slack" | "teams"): RecordingNotifier {
  const notifier: RecordingNotifier = {
    channel,
    target: `${channel}.test`,
    sent: [],
    failing: false,
    async deliver(
      notifications: readonly Notification[],
      _run: RunInfo,
      onAccepted: AcceptedHook,
    ): Promise<DeliveryResult> {
      const base = { sink: channel, target: notifier.target };
      if (notifier.failing)
        return { ...base, ok: false, delivered: 0, failed: notifications.length, error: "HTTP 503", deliveredKeys: [] };
      notifier.sent.push([...notifications]);
      const carried = notifications.map((n) => ({ fingerprint: n.finding.fingerprint, key: n.intent.key }));
      await onAccepted(carried);
      return {
        ...base,
        ok: true,
        delivered: carried.length,
        failed: 0,
        error: null,
        messages: 1,
        deliveredKeys: carried,
      };
    },
  };
  return notifier;
}
