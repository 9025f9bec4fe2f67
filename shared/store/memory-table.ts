import { readFile, rename, writeFile } from "node:fs/promises";
import {
  type EntityTable,
  type EntityValue,
  MAX_BATCH,
  type StoredRow,
  TableConflictError,
  type TableOperation,
  type TableRow,
} from "./entity-table.js";

type Row = Record<string, EntityValue>;

export interface MemoryTable extends EntityTable {
  /** Every row, for tests and the local store's listing. */
  readonly rows: () => StoredRow[];
}

export interface MemoryTableOptions {
  /** Persist to this JSON file after every change (the CLI's local store); in memory only when absent. */
  readonly file?: string;
  /** Runs before every operation; tests inject faults here. */
  readonly beforeOperation?: (operation: string) => Promise<void> | void;
}

const keyOf = (pk: string, rk: string): string => `${pk}\u0000${rk}`;

/** A table with Azure Table semantics (versions, conditional writes, atomic batches), in memory. */
export async function createMemoryTable(name: string, options: MemoryTableOptions = {}): Promise<MemoryTable> {
  const data = new Map<string, { row: Row; etag: string }>();
  let version = 0;
  if (options.file) {
    const text = await readFile(options.file, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (text !== null) {
      const saved = JSON.parse(text, (_k, v: unknown) =>
        typeof v === "object" && v !== null && "$date" in v ? new Date(String((v as { $date: unknown }).$date)) : v,
      ) as { version: number; rows: { row: Row; etag: string }[] };
      version = saved.version;
      for (const entry of saved.rows) data.set(keyOf(String(entry.row.partitionKey), String(entry.row.rowKey)), entry);
    }
  }
  // One write at a time, each of the latest state: concurrent batches must not race on the file.
  let writing: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    const next = writing.then(writeFileNow);
    writing = next.catch(() => {});
    return next;
  };
  const writeFileNow = async (): Promise<void> => {
    if (!options.file) return;
    // Dates survive as tagged values; write-then-rename so a crash never leaves half a file.
    const tagged = JSON.stringify({ version, rows: [...data.values()] }, function (this: Record<string, unknown>, key) {
      const raw = this[key];
      return raw instanceof Date ? { $date: raw.toISOString() } : raw;
    });
    const temp = `${options.file}.${process.pid}.tmp`;
    await writeFile(temp, tagged, "utf8");
    await rename(temp, options.file);
  };
  const stored = (entry: { row: Row; etag: string }): StoredRow =>
    ({ ...entry.row, etag: entry.etag }) as unknown as StoredRow;
  const nextEtag = (): string => `W/"${++version}"`;
  const hook = async (operation: string): Promise<void> => {
    await options.beforeOperation?.(operation);
  };

  return {
    name,
    target: options.file ?? `memory/${name}`,
    rows: () => [...data.values()].map(stored),
    async ensureExists() {},
    async *list(listOptions = {}) {
      await hook("list");
      const rows = [...data.values()]
        .filter((e) => listOptions.partitionKey === undefined || e.row.partitionKey === listOptions.partitionKey)
        .sort((a, b) =>
          keyOf(String(a.row.partitionKey), String(a.row.rowKey)).localeCompare(
            keyOf(String(b.row.partitionKey), String(b.row.rowKey)),
          ),
        );
      for (const entry of rows) yield stored(entry);
    },
    async get(partitionKey, rowKey) {
      await hook("get");
      const entry = data.get(keyOf(partitionKey, rowKey));
      return entry ? stored(entry) : null;
    },
    async submit(operations: readonly TableOperation[]) {
      await hook("submit");
      if (operations.length > MAX_BATCH) throw new Error(`a batch holds at most ${MAX_BATCH} operations`);
      const partitions = new Set(operations.map((o) => (o.kind === "delete" ? o.partitionKey : o.row.partitionKey)));
      if (partitions.size > 1) throw new Error("All operations in a transaction must target the same partitionKey");
      // Check everything first: the batch is atomic.
      for (const op of operations) {
        const pk = op.kind === "delete" ? op.partitionKey : op.row.partitionKey;
        const rk = op.kind === "delete" ? op.rowKey : op.row.rowKey;
        const current = data.get(keyOf(pk, rk));
        if (op.kind === "create" && current) throw new TableConflictError(409, `entity ${pk}/${rk} already exists`);
        if ((op.kind === "replace" || op.kind === "merge") && current?.etag !== op.etag)
          throw new TableConflictError(412, `entity ${pk}/${rk} changed since it was read`);
        if (op.kind === "delete" && op.etag !== undefined && current?.etag !== op.etag)
          throw new TableConflictError(412, `entity ${pk}/${rk} changed since it was read`);
      }
      const etags: string[] = [];
      for (const op of operations) {
        if (op.kind === "delete") {
          data.delete(keyOf(op.partitionKey, op.rowKey));
          etags.push("");
          continue;
        }
        const key = keyOf(op.row.partitionKey, op.row.rowKey);
        const base: Row = op.kind === "merge" ? { ...(data.get(key)?.row ?? {}) } : {};
        const row: Row = { ...base, ...(op.row as TableRow) };
        const etag = nextEtag();
        data.set(key, { row, etag });
        etags.push(etag);
      }
      await persist();
      return etags;
    },
  };
}
