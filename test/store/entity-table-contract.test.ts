import { describe, expect, inject, it } from "vitest";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import { type EntityTable, TableConflictError } from "../../shared/store/entity-table.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import { uniqueTableName } from "../support/helpers.js";

/** The in-memory table must behave as Azure Table Storage does: the same cases run against both. */
const implementations: [string, () => Promise<EntityTable>][] = [
  [
    "Azurite",
    async () => {
      const { client, target } = createTableClient(
        { kind: "connectionString", connectionString: inject("azurite").connectionString },
        uniqueTableName("c"),
        { retryOptions: { maxRetries: 0 } },
      );
      const table = createAzureEntityTable(client, target);
      await table.ensureExists();
      return table;
    },
  ],
  ["memory", () => createMemoryTable(uniqueTableName("m"))],
];

describe.each(implementations)("entity table contract: %s", (_name, make) => {
  it("creates once; a second create is a conflict", async () => {
    const table = await make();
    const [etag] = await table.submit([{ kind: "create", row: { partitionKey: "p", rowKey: "r", v: 1 } }]);
    expect(etag).toBeTruthy();
    await expect(
      table.submit([{ kind: "create", row: { partitionKey: "p", rowKey: "r", v: 2 } }]),
    ).rejects.toBeInstanceOf(TableConflictError);
    expect((await table.get("p", "r"))?.v).toBe(1);
  });

  it("replaces only at the version it read; merge keeps other properties", async () => {
    const table = await make();
    const [v1] = await table.submit([{ kind: "create", row: { partitionKey: "p", rowKey: "r", a: "1", b: "1" } }]);
    const [v2] = await table.submit([
      { kind: "merge", etag: v1 ?? "", row: { partitionKey: "p", rowKey: "r", b: "2" } },
    ]);
    expect(await table.get("p", "r")).toMatchObject({ a: "1", b: "2" });
    const stale = table.submit([{ kind: "replace", etag: v1 ?? "", row: { partitionKey: "p", rowKey: "r", a: "x" } }]);
    await expect(stale).rejects.toMatchObject({ status: 412 });
    await table.submit([{ kind: "replace", etag: v2 ?? "", row: { partitionKey: "p", rowKey: "r", a: "3" } }]);
    const row = await table.get("p", "r");
    expect(row?.a).toBe("3");
    expect(row?.b).toBeUndefined();
  });

  it("applies a batch atomically: one conflict, nothing applied", async () => {
    const table = await make();
    await table.submit([{ kind: "create", row: { partitionKey: "p", rowKey: "taken", v: 0 } }]);
    const batch = table.submit([
      { kind: "create", row: { partitionKey: "p", rowKey: "new", v: 1 } },
      { kind: "create", row: { partitionKey: "p", rowKey: "taken", v: 1 } },
    ]);
    await expect(batch).rejects.toBeInstanceOf(TableConflictError);
    expect(await table.get("p", "new")).toBeNull();
  });

  it("lists by partition, keeps dates and numbers, and deletes", async () => {
    const table = await make();
    const when = new Date("2026-11-28T10:00:00.000Z");
    await table.submit([
      { kind: "upsert", row: { partitionKey: "a", rowKey: "1", when, n: 3, ok: true } },
      { kind: "upsert", row: { partitionKey: "a", rowKey: "2", when, n: 4, ok: false } },
    ]);
    await table.submit([{ kind: "upsert", row: { partitionKey: "b", rowKey: "1", when, n: 5, ok: true } }]);
    const rows = [];
    for await (const row of table.list({ partitionKey: "a" })) rows.push(row);
    expect(rows.map((r) => [r.rowKey, r.n, r.ok, (r.when as Date).toISOString()])).toEqual([
      ["1", 3, true, when.toISOString()],
      ["2", 4, false, when.toISOString()],
    ]);
    await table.submit([{ kind: "delete", partitionKey: "a", rowKey: "1" }]);
    expect(await table.get("a", "1")).toBeNull();
  });
});

describe("the file-backed local table", () => {
  it("keeps every row of concurrent batches across a reload, dates included", async () => {
    const { mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const file = join(await mkdtemp(join(tmpdir(), "local-table-")), "t.json");
    const table = await createMemoryTable("t", { file });
    const when = new Date("2026-11-28T10:00:00.000Z");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        table.submit([{ kind: "upsert", row: { partitionKey: `p${i}`, rowKey: "r", when, i } }]),
      ),
    );
    const reloaded = await createMemoryTable("t", { file });
    const rows = reloaded.rows();
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.when instanceof Date && (r.when as Date).getTime() === when.getTime())).toBe(true);
    // Versions keep counting after a reload, so a stale version is still a conflict.
    const [first] = rows;
    await reloaded.submit([
      { kind: "merge", etag: first?.etag ?? "", row: { partitionKey: first?.partitionKey ?? "", rowKey: "r", x: 1 } },
    ]);
    await expect(
      reloaded.submit([
        { kind: "merge", etag: first?.etag ?? "", row: { partitionKey: first?.partitionKey ?? "", rowKey: "r", x: 2 } },
      ]),
    ).rejects.toBeInstanceOf(TableConflictError);
  });
});
