import type {
  FindingStore,
  HistoryRecord,
  Notifier,
  RunInfo,
  SinkResult,
  StoredFinding,
} from "../../shared/engine/ports.js";
import type { Finding } from "../../shared/model/finding.js";

/** An in-memory findings store for engine tests; the table store has its own tests on Azurite. */
export function memoryStore(): FindingStore & { rows: Map<string, StoredFinding>; failLoad: boolean } {
  const rows = new Map<string, StoredFinding>();
  const store = {
    name: "memory",
    target: "memory",
    rows,
    failLoad: false,
    async loadHistory(): Promise<ReadonlyMap<string, HistoryRecord>> {
      if (store.failLoad) throw new Error("store offline");
      return new Map(
        [...rows.values()].map((r) => [
          r.fingerprint,
          {
            fingerprint: r.fingerprint,
            status: r.status,
            firstSeen: r.firstSeen,
            lastSeen: r.lastSeen,
            pendingChannels: r.pendingChannels,
          },
        ]),
      );
    },
    async save(findings: readonly StoredFinding[]): Promise<SinkResult> {
      for (const f of findings) rows.set(f.fingerprint, f);
      return { sink: "memory", target: "memory", ok: true, delivered: findings.length, failed: 0, error: null };
    },
  };
  return store;
}

export function recordingNotifier(channel: "slack" | "teams"): Notifier & { sent: Finding[][]; failing: boolean } {
  const notifier = {
    channel,
    target: `${channel}.test`,
    sent: [] as Finding[][],
    failing: false,
    async send(findings: readonly Finding[], _run: RunInfo): Promise<SinkResult> {
      if (notifier.failing)
        return {
          sink: channel,
          target: notifier.target,
          ok: false,
          delivered: 0,
          failed: findings.length,
          error: "HTTP 503",
        };
      notifier.sent.push([...findings]);
      return { sink: channel, target: notifier.target, ok: true, delivered: findings.length, failed: 0, error: null };
    },
  };
  return notifier;
}
