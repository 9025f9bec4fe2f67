/**
 * The narrow table surface the stores need. Azure Table Storage implements it in
 * production; an in-memory (optionally file-backed) table implements it for local
 * runs and tests with the same semantics: versions (ETags), conditional writes,
 * and atomic batches within one partition.
 */
export type EntityValue = string | number | boolean | Date;

export interface TableRow {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly [property: string]: EntityValue;
}

export interface StoredRow extends TableRow {
  readonly etag: string;
}

export type TableOperation =
  /** Fails with a conflict when the row exists. */
  | { readonly kind: "create"; readonly row: TableRow }
  /** Replaces the whole row; fails with a conflict when its version is not `etag`. */
  | { readonly kind: "replace"; readonly row: TableRow; readonly etag: string }
  /** Updates only the given properties; fails with a conflict when its version is not `etag`. */
  | { readonly kind: "merge"; readonly row: TableRow; readonly etag: string }
  /** Unconditional replace-or-insert, for rows only one writer owns (run records). */
  | { readonly kind: "upsert"; readonly row: TableRow }
  | { readonly kind: "delete"; readonly partitionKey: string; readonly rowKey: string; readonly etag?: string };

export interface EntityTable {
  /** The table name, without secrets. */
  readonly name: string;
  /** Where it lives, without secrets (`host/table` or a local path). */
  readonly target: string;
  ensureExists(): Promise<void>;
  list(options?: { readonly partitionKey?: string; readonly select?: readonly string[] }): AsyncIterable<StoredRow>;
  get(partitionKey: string, rowKey: string): Promise<StoredRow | null>;
  /**
   * Applies the operations atomically; they must share one partition and be at most
   * 100. Returns the new version of each row (empty for deletes). A version mismatch
   * or an existing row throws `TableConflictError`; nothing is applied then.
   */
  submit(operations: readonly TableOperation[]): Promise<string[]>;
}

export const MAX_BATCH = 100;

export class TableConflictError extends Error {
  override readonly name = "TableConflictError";
  constructor(
    readonly status: 409 | 412,
    message: string,
  ) {
    super(message);
  }
}

/** Groups operations into batches that a table accepts: one partition, at most 100 each. */
export function batchesOf<T extends { readonly partitionKey: string }>(items: readonly T[]): T[][] {
  const byPartition = new Map<string, T[]>();
  for (const item of items) {
    const list = byPartition.get(item.partitionKey) ?? [];
    list.push(item);
    byPartition.set(item.partitionKey, list);
  }
  const batches: T[][] = [];
  for (const list of byPartition.values())
    for (let i = 0; i < list.length; i += MAX_BATCH) batches.push(list.slice(i, i + MAX_BATCH));
  return batches;
}
