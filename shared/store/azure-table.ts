import type { TokenCredential } from "@azure/core-auth";
import { odata, TableClient, type TableEntity, type TransactionAction } from "@azure/data-tables";
import { describeError, statusOf } from "../errors.js";
import {
  type EntityTable,
  type StoredRow,
  TableConflictError,
  type TableOperation,
  type TableRow,
} from "./entity-table.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export type TableLocation =
  | { readonly kind: "connectionString"; readonly connectionString: string }
  | { readonly kind: "endpoint"; readonly endpoint: string; readonly credential: TokenCredential };

export interface TableClientTuning {
  /** Tests shorten the SDK's retries; production keeps its defaults. */
  readonly retryOptions?: { readonly maxRetries?: number; readonly retryDelayInMs?: number };
}

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

const isConflict = (error: unknown): 409 | 412 | null => {
  const status = statusOf(error);
  return status === 409 || status === 412 ? status : null;
};

function toStored(entity: Record<string, unknown>): StoredRow {
  const { etag, timestamp: _timestamp, "odata.metadata": _meta, ...rest } = entity;
  return { ...(rest as TableRow), etag: typeof etag === "string" ? etag : "" };
}

/** Azure Table Storage (or Azurite) behind the narrow table port. */
export function createAzureEntityTable(client: TableClient, target: string): EntityTable {
  let ensured: Promise<void> | undefined;
  return {
    name: client.tableName,
    target,
    ensureExists() {
      ensured ??= client.createTable().catch((error: unknown) => {
        // With data-plane RBAC only, creating may be forbidden while the table exists (the deployment made it).
        if (statusOf(error) !== 403 && statusOf(error) !== 409) {
          ensured = undefined;
          throw error;
        }
      });
      return ensured;
    },
    async *list(options = {}) {
      const rows = client.listEntities<Record<string, unknown>>({
        queryOptions: {
          ...(options.partitionKey !== undefined ? { filter: odata`PartitionKey eq ${options.partitionKey}` } : {}),
          ...(options.select ? { select: ["PartitionKey", "RowKey", ...options.select] } : {}),
        },
      });
      for await (const row of rows) yield toStored(row);
    },
    async get(partitionKey, rowKey) {
      try {
        return toStored(await client.getEntity<Record<string, unknown>>(partitionKey, rowKey));
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
    async submit(operations: readonly TableOperation[]) {
      try {
        if (operations.length === 1) {
          const [op] = operations;
          if (op) return [await single(client, op)];
        }
        const actions = operations.map((op): TransactionAction => {
          switch (op.kind) {
            case "create":
              return ["create", op.row as TableEntity];
            case "replace":
              return ["update", op.row as TableEntity, "Replace", { etag: op.etag }];
            case "merge":
              return ["update", op.row as TableEntity, "Merge", { etag: op.etag }];
            case "upsert":
              return ["upsert", op.row as TableEntity, "Replace"];
            default:
              // A transaction's delete carries no ETag in this SDK; only single deletes are conditional.
              return ["delete", { partitionKey: op.partitionKey, rowKey: op.rowKey }];
          }
        });
        const response = await client.submitTransaction(actions);
        return response.subResponses.map((r) => r.etag ?? "");
      } catch (error) {
        const conflict = isConflict(error);
        if (conflict) throw new TableConflictError(conflict, describeError(error));
        throw error;
      }
    },
  };
}

async function single(client: TableClient, op: TableOperation): Promise<string> {
  switch (op.kind) {
    case "create":
      return (await client.createEntity(op.row as TableEntity)).etag ?? "";
    case "replace":
      return (await client.updateEntity(op.row as TableEntity, "Replace", { etag: op.etag })).etag ?? "";
    case "merge":
      return (await client.updateEntity(op.row as TableEntity, "Merge", { etag: op.etag })).etag ?? "";
    case "upsert":
      return (await client.upsertEntity(op.row as TableEntity, "Replace")).etag ?? "";
    case "delete":
      await client.deleteEntity(op.partitionKey, op.rowKey, { etag: op.etag ?? "*" });
      return "";
  }
}
