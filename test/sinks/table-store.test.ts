import type { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import type { StoredFinding } from "../../shared/engine/ports.js";
import { toFindingEntity, toHistoryRecord } from "../../shared/sinks/table/finding-entity.js";
import { createTableClient, createTableFindingStore } from "../../shared/sinks/table/table-store.js";
import { finding, HOSTILE_STRINGS, testRun, uniqueTableName } from "../support/helpers.js";

const stored = (i: number, overrides: Partial<StoredFinding> = {}): StoredFinding => ({
  ...finding({ fingerprint: i.toString(16).padStart(40, "0"), clusterName: `c${i}` }),
  pendingChannels: [],
  ...overrides,
});

function storeOnAzurite(tableName = uniqueTableName()) {
  const { client, target } = createTableClient(
    { kind: "connectionString", connectionString: inject("azurite").connectionString },
    tableName,
  );
  return { store: createTableFindingStore(client, target), client, target, tableName };
}

async function rowsOf(client: TableClient): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities()) rows.push(row);
  return rows;
}

describe("table finding store on Azurite", () => {
  it("creates the table, then upserts one row per fingerprint across runs", async () => {
    const { store, client, target, tableName } = storeOnAzurite();
    expect(target).toBe(`127.0.0.1:${inject("azurite").tablePort}/${tableName}`);
    expect((await store.loadHistory()).size).toBe(0);
    const first = await store.save([stored(1), stored(2)], testRun);
    expect(first).toMatchObject({ ok: true, delivered: 2, failed: 0 });
    const second = await store.save(
      [stored(1, { state: "open", lastSeen: "2026-11-28T11:00:00.000Z" }), stored(2), stored(3)],
      testRun,
    );
    expect(second.ok).toBe(true);
    const rows = await rowsOf(client);
    expect(rows).toHaveLength(3);
    const one = rows.find((r) => r.rowKey === stored(1).fingerprint);
    expect(one).toMatchObject({ partitionKey: "api-server-public", state: "open", clusterName: "c1" });
    expect(one?.lastSeen).toEqual(new Date("2026-11-28T11:00:00.000Z"));
  });

  it("round-trips history, including channels still owed", async () => {
    const { store } = storeOnAzurite();
    await store.save(
      [stored(7, { status: "fail", pendingChannels: ["teams"], firstSeen: "2026-11-01T00:00:00.000Z" })],
      testRun,
    );
    const history = await store.loadHistory();
    expect(history.get(stored(7).fingerprint)).toEqual({
      fingerprint: stored(7).fingerprint,
      status: "fail",
      firstSeen: "2026-11-01T00:00:00.000Z",
      lastSeen: "2026-11-28T10:00:00.000Z",
      pendingChannels: ["teams"],
    });
  });

  it("writes more than one transaction's worth (100) in batches", async () => {
    const { store, client } = storeOnAzurite();
    const many = Array.from({ length: 250 }, (_, i) => stored(i + 1));
    const result = await store.save(many, testRun);
    expect(result).toMatchObject({ ok: true, delivered: 250 });
    expect(await rowsOf(client)).toHaveLength(250);
  });

  it("stores hostile names verbatim as values, never in keys", async () => {
    const { store, client } = storeOnAzurite();
    const hostile = HOSTILE_STRINGS.map((s, i) =>
      stored(100 + i, { clusterName: s, detail: s, evidence: { label: s } }),
    );
    expect((await store.save(hostile, testRun)).ok).toBe(true);
    const rows = await rowsOf(client);
    for (const [i, s] of HOSTILE_STRINGS.entries()) {
      const row = rows.find((r) => r.rowKey === stored(100 + i).fingerprint);
      expect(row?.clusterName).toBe(s);
      expect(JSON.parse(String(row?.evidence))).toEqual({ label: s });
    }
    for (const row of rows) expect(String(row.rowKey)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("keeps the good rows when one row in a batch is rejected", async () => {
    const { store, client } = storeOnAzurite();
    const realUpsert = client.upsertEntity.bind(client);
    // The service rejects the batch because of one row; the other rows must still land.
    client.submitTransaction = async () =>
      Promise.reject(Object.assign(new Error("1:PropertyValueTooLarge"), { statusCode: 400 }));
    client.upsertEntity = async (entity, mode) => {
      if (entity.rowKey === stored(2).fingerprint)
        throw Object.assign(new Error("PropertyValueTooLarge"), { statusCode: 400 });
      return realUpsert(entity, mode);
    };
    const result = await store.save([stored(1), stored(2), stored(3)], testRun);
    expect(result).toMatchObject({ ok: false, delivered: 2, failed: 1 });
    expect(result.error).toContain(stored(2).fingerprint);
    expect((await rowsOf(client)).map((r) => r.clusterName).sort()).toEqual(["c1", "c3"]);
  });

  it("reports an unreachable table as a failed sink without throwing", async () => {
    const { client, target } = createTableClient(
      {
        kind: "connectionString",
        connectionString: inject("azurite").connectionString.replace(
          /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
          "TableEndpoint=http://127.0.0.1:9",
        ),
      },
      uniqueTableName(),
      { retryOptions: { maxRetries: 0 } },
    );
    const store = createTableFindingStore(client, target);
    await expect(store.loadHistory()).rejects.toThrow();
    const result = await store.save([stored(1)], testRun);
    expect(result.ok).toBe(false);
    expect(result.error).not.toContain("AccountKey");
  });
});

describe("finding entity mapping", () => {
  it("clips long text and evidence under the 64 KiB property limit", () => {
    const entity = toFindingEntity(
      { ...stored(1), detail: "x".repeat(100_000), evidence: { big: "y".repeat(100_000) } },
      "run",
    );
    expect(String(entity.detail).length).toBeLessThanOrEqual(8000);
    expect(String(entity.evidence).length).toBeLessThan(32_000);
    expect(JSON.parse(String(entity.evidence)).truncated).toBe(true);
  });

  it("skips rows it cannot read instead of guessing", () => {
    expect(toHistoryRecord({ rowKey: "a", status: "weird", firstSeen: new Date(), lastSeen: new Date() })).toBeNull();
    expect(
      toHistoryRecord({
        rowKey: "a",
        status: "fail",
        firstSeen: "2026-01-01T00:00:00Z",
        lastSeen: new Date(0),
        pendingChannels: "teams,email",
      }),
    ).toEqual({
      fingerprint: "a",
      status: "fail",
      firstSeen: "2026-01-01T00:00:00.000Z",
      lastSeen: "1970-01-01T00:00:00.000Z",
      pendingChannels: ["teams"],
    });
  });
});
