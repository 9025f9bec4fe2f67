import pLimit from "p-limit";
import type {
  ChatChannel,
  Delivery,
  FindingStore,
  History,
  HistoryQuery,
  HistoryRecord,
  RunInfo,
  RunRecord,
  SaveResult,
  SinkResult,
  StoredFinding,
} from "../engine/ports.js";
import { describeError } from "../errors.js";
import type { DataSource } from "../model/coverage.js";
import { batchesOf, type EntityTable, TableConflictError, type TableOperation } from "./entity-table.js";
import {
  boundJson,
  findingPartitionKey,
  isLegacyRow,
  parseOutbox,
  toFindingRow,
  toHistoryRecord,
  withoutDelivered,
} from "./finding-rows.js";
import { encodeTableKey } from "./table-keys.js";

export interface FindingStoreOptions {
  readonly findings: EntityTable;
  readonly runs: EntityTable;
  /** Sources of a rule, for rows written before sources were stored. */
  readonly sourcesOf: (ruleId: string) => readonly DataSource[];
  /** Concurrent batch writes. */
  readonly concurrency?: number;
}

interface Cached {
  readonly partitionKey: string;
  etag: string;
  outbox: HistoryRecord["outbox"];
}

const MARK_ATTEMPTS = 4;

/** Newest first within a month: the RowKey counts down. */
const runRowKey = (startedAt: string, runId: string): string =>
  `${String(9_999_999_999_999 - Date.parse(startedAt)).padStart(13, "0")}-${encodeTableKey(runId)}`;

/**
 * The findings table plus the runs table. One instance serves one run: it remembers
 * the version of every row it read or wrote, so its conditional writes and the
 * delivery marks after each message need no extra reads.
 */
export function createFindingStore(options: FindingStoreOptions): FindingStore {
  const { findings, runs } = options;
  const cache = new Map<string, Cached>();
  const legacy = new Map<string, { partitionKey: string; rowKey: string; etag: string }>();
  const limit = pLimit(options.concurrency ?? 4);
  let marks: Promise<void> = Promise.resolve();

  async function writeOne(
    op: TableOperation,
    fingerprint: string,
    written: Map<string, string>,
    conflicts: string[],
    errors: string[],
  ): Promise<void> {
    try {
      const [etag] = await findings.submit([op]);
      written.set(fingerprint, etag ?? "");
    } catch (error) {
      if (error instanceof TableConflictError) conflicts.push(fingerprint);
      else errors.push(`${fingerprint}: ${describeError(error)}`);
    }
  }

  async function markOne(fingerprint: string, channel: ChatChannel, keys: readonly string[]): Promise<void> {
    for (let attempt = 1; attempt <= MARK_ATTEMPTS; attempt++) {
      let entry = cache.get(fingerprint);
      if (!entry || attempt > 1) {
        // Another writer changed the row: read it again and remove our keys from what it holds now.
        const partitionKey = entry?.partitionKey;
        if (!partitionKey) return;
        const row = await findings.get(partitionKey, fingerprint);
        if (!row) return;
        entry = { partitionKey, etag: row.etag, outbox: parseOutbox(row.outbox) };
        cache.set(fingerprint, entry);
      }
      const next = withoutDelivered(entry.outbox, channel, keys);
      try {
        const [etag] = await findings.submit([
          {
            kind: "merge",
            etag: entry.etag,
            row: {
              partitionKey: entry.partitionKey,
              rowKey: fingerprint,
              outbox: next.outbox,
              pendingChannels: next.pendingChannels,
            },
          },
        ]);
        entry.etag = etag ?? entry.etag;
        entry.outbox = next.remaining;
        return;
      } catch (error) {
        if (!(error instanceof TableConflictError) || attempt === MARK_ATTEMPTS) throw error;
      }
    }
  }

  return {
    name: "table",
    target: findings.target,

    async loadHistory(query: HistoryQuery = {}): Promise<History> {
      await findings.ensureExists();
      const history = new Map<string, HistoryRecord>();
      const partitions = query.scopes?.map((s) => findingPartitionKey(s.cloud, s.scope));
      const listings = partitions ? partitions.map((pk) => findings.list({ partitionKey: pk })) : [findings.list()];
      for (const listing of listings) {
        for await (const row of listing) {
          const record = toHistoryRecord(row, options.sourcesOf);
          if (!record) continue;
          if (isLegacyRow(row)) {
            legacy.set(record.fingerprint, { partitionKey: row.partitionKey, rowKey: row.rowKey, etag: row.etag });
            // A row already in the new layout wins over its legacy twin.
            if (history.has(record.fingerprint)) continue;
          } else {
            cache.set(record.fingerprint, {
              partitionKey: row.partitionKey,
              etag: row.etag,
              outbox: record.outbox,
            });
          }
          history.set(record.fingerprint, record);
        }
      }
      return history;
    },

    async saveFindings(rows: readonly StoredFinding[], run: RunInfo): Promise<SaveResult> {
      const base = { sink: "table", target: findings.target };
      const written = new Map<string, string>();
      const conflicts: string[] = [];
      const errors: string[] = [];
      try {
        await findings.ensureExists();
      } catch (error) {
        return {
          ...base,
          ok: false,
          delivered: 0,
          failed: rows.length,
          error: describeError(error),
          written,
          conflicts,
        };
      }
      const operations = rows.map((finding) => {
        const row = toFindingRow(finding, run.runId);
        const op: TableOperation =
          finding.expectedEtag === null
            ? { kind: "create", row }
            : { kind: "replace", row, etag: finding.expectedEtag };
        return { partitionKey: row.partitionKey, op, finding };
      });
      await Promise.all(
        batchesOf(operations).map((batch) =>
          limit(async () => {
            try {
              const etags = await findings.submit(batch.map((b) => b.op));
              batch.forEach((b, i) => {
                written.set(b.finding.fingerprint, etags[i] ?? "");
              });
            } catch {
              // One conflicting or bad row must not cost the other 99: retry them one by one.
              for (const b of batch) await writeOne(b.op, b.finding.fingerprint, written, conflicts, errors);
            }
          }),
        ),
      );
      for (const b of operations) {
        const etag = written.get(b.finding.fingerprint);
        if (etag !== undefined)
          cache.set(b.finding.fingerprint, { partitionKey: b.partitionKey, etag, outbox: b.finding.outbox });
      }
      // Migration: the legacy twin of a row now written in its new partition goes away.
      await Promise.all(
        [...legacy].flatMap(([fingerprint, where]) =>
          written.has(fingerprint)
            ? [
                findings
                  .submit([
                    { kind: "delete", partitionKey: where.partitionKey, rowKey: where.rowKey, etag: where.etag },
                  ])
                  .then(() => legacy.delete(fingerprint))
                  .catch(() => {}),
              ]
            : [],
        ),
      );
      const problems = [
        ...errors,
        ...(conflicts.length > 0 ? [`${conflicts.length} row(s) changed by another run meanwhile; left to it`] : []),
      ];
      return {
        ...base,
        ok: errors.length === 0,
        delivered: written.size,
        failed: errors.length,
        error: problems.length === 0 ? null : `${problems.length} problem(s); first: ${problems[0]}`,
        written,
        conflicts,
      };
    },

    markDelivered(deliveries: readonly Delivery[]): Promise<void> {
      // Serialized, so the two channels' marks on one row never race each other within this run.
      const task = marks.then(async () => {
        for (const delivery of deliveries) await markOne(delivery.fingerprint, delivery.channel, delivery.keys);
      });
      marks = task.catch(() => {});
      return task;
    },

    async saveRun(record: RunRecord): Promise<SinkResult> {
      const base = { sink: "runs", target: runs.target };
      try {
        await runs.ensureExists();
        const coverage = boundJson(record.coverage);
        const gaps = boundJson(record.gaps);
        await runs.submit([
          {
            kind: "upsert",
            row: {
              partitionKey: record.startedAt.slice(0, 7),
              rowKey: runRowKey(record.startedAt, record.runId),
              runId: record.runId,
              trigger: record.trigger,
              startedAt: new Date(record.startedAt),
              finishedAt: new Date(record.finishedAt),
              durationMs: record.durationMs,
              counts: JSON.stringify(record.counts),
              coverage: coverage.json,
              coverageEntries: record.coverage.length,
              gaps: gaps.json,
              gapCount: record.gaps.length,
              sinks: boundJson(record.sinks).json,
              ok: record.sinks.every((s) => s.ok),
            },
          },
        ]);
        return { ...base, ok: true, delivered: 1, failed: 0, error: null };
      } catch (error) {
        return { ...base, ok: false, delivered: 0, failed: 1, error: describeError(error) };
      }
    },
  };
}
