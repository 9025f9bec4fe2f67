import type { TokenCredential } from "@azure/core-auth";
import { TableClient, type TransactionAction } from "@azure/data-tables";
import pLimit from "p-limit";
import type { FindingStore, HistoryRecord, RunInfo, SinkResult, StoredFinding } from "../../engine/ports.js";
import { describeError, statusOf } from "../../errors.js";
import { type FindingEntity, toFindingEntity, toHistoryRecord } from "./finding-entity.js";

const BATCH_LIMIT = 100;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export type TableLocation =
  | { readonly kind: "connectionString"; readonly connectionString: string }
  | { readonly kind: "endpoint"; readonly endpoint: string; readonly credential: TokenCredential };

/** Plain http is accepted only for a loopback emulator such as Azurite. */
function endpointOfConnectionString(connectionString: string): URL | null {
  const match = /(?:^|;)\s*TableEndpoint\s*=\s*([^;]+)/i.exec(connectionString);
  if (match?.[1]) {
    try {
      return new URL(match[1].trim());
    } catch {
      return null;
    }
  }
  return /UseDevelopmentStorage\s*=\s*true/i.test(connectionString)
    ? new URL("http://127.0.0.1:10002/devstoreaccount1")
    : null;
}

export interface TableClientTuning {
  /** Tests shorten the SDK's retries; production keeps its defaults. */
  readonly retryOptions?: { readonly maxRetries?: number; readonly retryDelayInMs?: number };
}

export function createTableClient(
  location: TableLocation,
  tableName: string,
  tuning: TableClientTuning = {},
): { client: TableClient; target: string } {
  const retry = tuning.retryOptions ? { retryOptions: { ...tuning.retryOptions } } : {};
  if (location.kind === "endpoint") {
    const url = new URL(location.endpoint);
    return {
      client: new TableClient(location.endpoint, tableName, location.credential, retry),
      target: `${url.host}/${tableName}`,
    };
  }
  const endpoint = endpointOfConnectionString(location.connectionString);
  const insecureLoopback = endpoint?.protocol === "http:" && LOOPBACK_HOSTS.has(endpoint.hostname);
  const client = TableClient.fromConnectionString(location.connectionString, tableName, {
    allowInsecureConnection: insecureLoopback,
    ...retry,
  });
  const account = /(?:^|;)\s*AccountName\s*=\s*([^;]+)/i.exec(location.connectionString)?.[1]?.trim();
  return { client, target: `${endpoint?.host ?? account ?? "table"}/${tableName}` };
}

/** The findings table: history for the lifecycle, one row per fingerprint, upserted in batches. */
export function createTableFindingStore(client: TableClient, target: string): FindingStore {
  let ensured: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    ensured ??= client.createTable().catch((error: unknown) => {
      // With data-plane RBAC only, creating may be forbidden while the table already exists.
      if (statusOf(error) !== 403 && statusOf(error) !== 409) {
        ensured = undefined;
        throw error;
      }
    });
    return ensured;
  };

  return {
    name: "table",
    target,
    async loadHistory(): Promise<ReadonlyMap<string, HistoryRecord>> {
      await ensureTable();
      const history = new Map<string, HistoryRecord>();
      const rows = client.listEntities({
        queryOptions: { select: ["RowKey", "status", "firstSeen", "lastSeen", "pendingChannels"] },
      });
      for await (const row of rows) {
        const record = toHistoryRecord(row);
        if (record) history.set(record.fingerprint, record);
      }
      return history;
    },
    async save(findings: readonly StoredFinding[], run: RunInfo): Promise<SinkResult> {
      const base = { sink: "table", target };
      try {
        await ensureTable();
      } catch (error) {
        return { ...base, ok: false, delivered: 0, failed: findings.length, error: describeError(error) };
      }
      const byPartition = new Map<string, FindingEntity[]>();
      for (const finding of findings) {
        const entity = toFindingEntity(finding, run.runId);
        const list = byPartition.get(entity.partitionKey) ?? [];
        list.push(entity);
        byPartition.set(entity.partitionKey, list);
      }
      const chunks: FindingEntity[][] = [];
      for (const entities of byPartition.values()) {
        for (let i = 0; i < entities.length; i += BATCH_LIMIT) chunks.push(entities.slice(i, i + BATCH_LIMIT));
      }
      let delivered = 0;
      const errors: string[] = [];
      const limit = pLimit(4);
      await Promise.all(
        chunks.map((chunk) =>
          limit(async () => {
            try {
              await client.submitTransaction(chunk.map((e): TransactionAction => ["upsert", e, "Replace"]));
              delivered += chunk.length;
            } catch {
              // One bad row must not lose the other 99: retry them one by one.
              for (const entity of chunk) {
                try {
                  await client.upsertEntity(entity, "Replace");
                  delivered += 1;
                } catch (error) {
                  errors.push(`${entity.partitionKey}/${entity.rowKey}: ${describeError(error)}`);
                }
              }
            }
          }),
        ),
      );
      return {
        ...base,
        ok: errors.length === 0,
        delivered,
        failed: errors.length,
        error: errors.length === 0 ? null : `${errors.length} row(s) not written; first: ${errors[0]}`,
      };
    },
  };
}
