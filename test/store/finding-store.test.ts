import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import type { StoredFinding } from "../../shared/engine/ports.js";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import { boundEvidence, findingPartitionKey, MAX_PROPERTY_CHARS } from "../../shared/store/finding-rows.js";
import { createFindingStore } from "../../shared/store/finding-store.js";
import { finding, HOSTILE_STRINGS, testRun, uniqueTableName } from "../support/helpers.js";

const stored = (i: number, overrides: Partial<StoredFinding> = {}): StoredFinding => ({
  ...finding({ fingerprint: i.toString(16).padStart(40, "0"), clusterName: `c${i}` }),
  sources: ["clusters"],
  peakSeverity: "high",
  episode: 1,
  episodeStartedAt: "2026-11-28T10:00:00.000Z",
  failedInEpisode: true,
  lastRemindedAt: null,
  outbox: {},
  expectedEtag: null,
  ...overrides,
});

function onAzurite(name = uniqueTableName()) {
  const connectionString = inject("azurite").connectionString;
  const table = (tableName: string) => {
    const { client, target } = createTableClient({ kind: "connectionString", connectionString }, tableName, {
      retryOptions: { maxRetries: 0 },
    });
    return createAzureEntityTable(client, target);
  };
  const findings = table(name);
  const runs = table(`${name}runs`);
  const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
  const store = () => createFindingStore({ findings, runs, sourcesOf: () => ["clusters"] });
  return { store, client, findings, runs, name };
}

async function rowsOf(client: TableClient): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities()) rows.push(row);
  return rows;
}

describe("findings store on Azurite", () => {
  it("writes one row per fingerprint in the cloud|scope partition, then replaces it conditionally", async () => {
    const { store, client, name } = onAzurite();
    const first = store();
    expect((await first.loadHistory()).size).toBe(0);
    const saved = await first.saveFindings([stored(1), stored(2)], testRun);
    expect(saved).toMatchObject({ ok: true, delivered: 2, conflicts: [] });
    expect(saved.target).toBe(`127.0.0.1:${inject("azurite").tablePort}/${name}`);

    const second = store();
    const history = await second.loadHistory();
    const etag = history.get(stored(1).fingerprint)?.etag ?? null;
    expect(etag).toMatch(/W\/"datetime/);
    const again = await second.saveFindings(
      [stored(1, { state: "open", lastSeen: "2026-11-28T11:00:00.000Z", expectedEtag: etag })],
      testRun,
    );
    expect(again.ok).toBe(true);
    const rows = await rowsOf(client);
    expect(rows).toHaveLength(2);
    const one = rows.find((r) => r.rowKey === stored(1).fingerprint);
    expect(one).toMatchObject({
      partitionKey: "azure|11111111-1111-1111-1111-111111111111",
      state: "open",
      clusterName: "c1",
    });
    expect(one?.lastSeen).toEqual(new Date("2026-11-28T11:00:00.000Z"));
  });

  it("round-trips the lifecycle and the outbox through history", async () => {
    const { store } = onAzurite();
    const outbox = {
      teams: [
        {
          key: "new:2:fail",
          kind: "new" as const,
          severity: "critical" as const,
          at: "2026-11-28T10:00:00.000Z",
          from: null,
        },
      ],
    };
    await store().saveFindings(
      [stored(7, { firstSeen: "2026-11-01T00:00:00.000Z", episode: 2, peakSeverity: "critical", outbox })],
      testRun,
    );
    const record = (await store().loadHistory()).get(stored(7).fingerprint);
    expect(record).toMatchObject({
      status: "fail",
      firstSeen: "2026-11-01T00:00:00.000Z",
      episode: 2,
      peakSeverity: "critical",
      failedInEpisode: true,
      sources: ["clusters"],
      outbox,
    });
  });

  it("leaves a row another run changed since it was read, and says so", async () => {
    const { store } = onAzurite();
    await store().saveFindings([stored(1)], testRun);
    const a = store();
    const b = store();
    const historyA = await a.loadHistory();
    const historyB = await b.loadHistory();
    const etagA = historyA.get(stored(1).fingerprint)?.etag ?? null;
    const etagB = historyB.get(stored(1).fingerprint)?.etag ?? null;
    expect((await a.saveFindings([stored(1, { expectedEtag: etagA, detail: "from A" })], testRun)).ok).toBe(true);
    const late = await b.saveFindings([stored(1, { expectedEtag: etagB, detail: "from B" }), stored(2)], testRun);
    expect(late.conflicts).toEqual([stored(1).fingerprint]);
    expect([...late.written.keys()]).toEqual([stored(2).fingerprint]);
    // A row that appeared meanwhile is a conflict too, not an overwrite.
    const c = store();
    await c.loadHistory();
    const created = await c.saveFindings([stored(2, { expectedEtag: null, detail: "from C" })], testRun);
    expect(created.conflicts).toEqual([stored(2).fingerprint]);
    expect((await store().loadHistory()).get(stored(1).fingerprint)?.detail).toBe("from A");
  });

  it("marks delivered intents off a row, re-reading it when another writer changed it", async () => {
    const { store, findings } = onAzurite();
    const intent = (key: string) => ({
      key,
      kind: "new" as const,
      severity: "high" as const,
      at: "2026-11-28T10:00:00.000Z",
    });
    const s = store();
    await s.loadHistory();
    await s.saveFindings(
      [
        stored(3, {
          outbox: { slack: [intent("new:1:fail"), intent("escalated:1:critical")], teams: [intent("new:1:fail")] },
        }),
      ],
      testRun,
    );
    // Someone else touches the row: the store's cached version is now stale.
    const row = await findings.get(
      findingPartitionKey("azure", "11111111-1111-1111-1111-111111111111"),
      stored(3).fingerprint,
    );
    await findings.submit([
      {
        kind: "merge",
        etag: row?.etag ?? "",
        row: { partitionKey: row?.partitionKey ?? "", rowKey: stored(3).fingerprint, note: "x" },
      },
    ]);
    await s.markDelivered([{ fingerprint: stored(3).fingerprint, channel: "slack", keys: ["new:1:fail"] }]);
    await s.markDelivered([{ fingerprint: stored(3).fingerprint, channel: "teams", keys: ["new:1:fail"] }]);
    const record = (await store().loadHistory()).get(stored(3).fingerprint);
    expect(record?.outbox).toEqual({ slack: [intent("escalated:1:critical")] });
  });

  it("writes more than one transaction's worth (100) in batches", async () => {
    const { store, client } = onAzurite();
    const many = Array.from({ length: 250 }, (_, i) => stored(i + 1));
    expect(await store().saveFindings(many, testRun)).toMatchObject({ ok: true, delivered: 250 });
    expect(await rowsOf(client)).toHaveLength(250);
  });

  it("stores hostile names verbatim as values, and hostile scopes only as encoded keys", async () => {
    const { store, client } = onAzurite();
    const hostile = HOSTILE_STRINGS.map((s, i) =>
      stored(100 + i, { clusterName: s, detail: s, evidence: { label: s }, cloud: "aws", scope: s }),
    );
    expect((await store().saveFindings(hostile, testRun)).ok).toBe(true);
    const rows = await rowsOf(client);
    for (const [i, s] of HOSTILE_STRINGS.entries()) {
      const row = rows.find((r) => r.rowKey === stored(100 + i).fingerprint);
      expect(row?.clusterName).toBe(s);
      expect(row?.scope).toBe(s);
      expect(JSON.parse(String(row?.evidence))).toEqual({ label: s });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the forbidden key characters are the point
      expect(String(row?.partitionKey)).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
      expect(decodeURIComponent(String(row?.partitionKey))).toBe(`aws|${s}`);
    }
    expect((await store().loadHistory()).size).toBe(HOSTILE_STRINGS.length);
  });

  it("stores 100 KB of evidence without a table error, and the row says it was truncated", async () => {
    const { store, client } = onAzurite();
    const evidence = {
      big: "y".repeat(100_000),
      lines: Array.from({ length: 500 }, (_, i) => `miner log line ${i} "quoted" \\ back`),
    };
    const result = await store().saveFindings([stored(9, { evidence, detail: "x".repeat(100_000) })], testRun);
    expect(result).toMatchObject({ ok: true, delivered: 1 });
    const [row] = await rowsOf(client);
    expect(row?.evidenceTruncated).toBe(true);
    expect(row?.evidenceChars).toBeGreaterThan(100_000);
    const parsed = JSON.parse(String(row?.evidence));
    expect(parsed.truncated).toBe(true);
    // The clipped evidence is still the evidence, not a JSON string wrapped in JSON.
    expect(parsed.big.startsWith("yyyy")).toBe(true);
    expect(parsed.lines[0]).toBe('miner log line 0 "quoted" \\ back');
    expect(String(row?.detail).length).toBeLessThanOrEqual(4000);
  });

  it("moves rows of the old layout (PartitionKey = rule ID) to their new partition, keeping what was owed", async () => {
    const { store, client } = onAzurite();
    const fp = stored(5).fingerprint;
    await client.createTable();
    await client.createEntity({
      partitionKey: "api-server-public",
      rowKey: fp,
      ruleId: "api-server-public",
      severity: "high",
      status: "fail",
      state: "new",
      cloud: "azure",
      scope: "11111111-1111-1111-1111-111111111111",
      region: "eastus",
      clusterId: "/subscriptions/x/c1",
      clusterName: "c1",
      title: "t",
      detail: "d",
      evidence: "{}",
      firstSeen: new Date("2026-10-01T00:00:00Z"),
      lastSeen: new Date("2026-11-01T00:00:00Z"),
      pendingChannels: "teams",
      runId: "old",
    });
    const s = store();
    const record = (await s.loadHistory()).get(fp);
    expect(record).toMatchObject({ episode: 1, etag: null, firstSeen: "2026-10-01T00:00:00.000Z" });
    expect(record?.outbox.teams?.map((i) => i.key)).toEqual(["new:1:fail"]);
    await s.saveFindings([stored(5, { firstSeen: record?.firstSeen ?? "", outbox: record?.outbox ?? {} })], testRun);
    const rows = await rowsOf(client);
    expect(rows.map((r) => r.partitionKey)).toEqual(["azure|11111111-1111-1111-1111-111111111111"]);
  });

  it("writes one run row, newest first", async () => {
    const { store, runs } = onAzurite();
    const s = store();
    for (const startedAt of ["2026-11-28T10:00:00.000Z", "2026-11-28T10:15:00.000Z"]) {
      const result = await s.saveRun({
        runId: `run-${startedAt}`,
        trigger: "timer",
        startedAt,
        finishedAt: startedAt,
        durationMs: 1234,
        counts: { fail: 1 },
        coverage: [{ cloud: "azure", scope: "s", region: null, clusterId: null, source: "clusters" }],
        gaps: [],
        sinks: [{ sink: "table", ok: true, delivered: 1, failed: 0, error: null, target: "t" }],
      });
      expect(result.ok).toBe(true);
    }
    const rows = [];
    for await (const row of runs.list()) rows.push(row);
    expect(rows.map((r) => r.runId)).toEqual(["run-2026-11-28T10:15:00.000Z", "run-2026-11-28T10:00:00.000Z"]);
    expect(rows[0]).toMatchObject({ partitionKey: "2026-11", durationMs: 1234, coverageEntries: 1, ok: true });
  });

  it("reports an unreachable table as a failed sink without throwing, and never shows the key", async () => {
    const broken = inject("azurite").connectionString.replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      "TableEndpoint=http://127.0.0.1:9",
    );
    const table = (name: string) => {
      const { client, target } = createTableClient({ kind: "connectionString", connectionString: broken }, name, {
        retryOptions: { maxRetries: 0 },
      });
      return createAzureEntityTable(client, target);
    };
    const s = createFindingStore({
      findings: table(uniqueTableName()),
      runs: table(uniqueTableName()),
      sourcesOf: () => [],
    });
    await expect(s.loadHistory()).rejects.toThrow();
    const result = await s.saveFindings([stored(1)], testRun);
    expect(result.ok).toBe(false);
    expect(result.error).not.toContain("AccountKey");
  });
});

describe("evidence bounds", () => {
  it("measures the encoded size, so escape-heavy evidence is bounded too", () => {
    const quotes = { q: '"'.repeat(20_000) };
    expect(JSON.stringify(quotes).length).toBeGreaterThan(MAX_PROPERTY_CHARS);
    const bounded = boundEvidence(quotes);
    expect(bounded.truncated).toBe(true);
    expect(bounded.json.length).toBeLessThanOrEqual(MAX_PROPERTY_CHARS);
    expect(JSON.parse(bounded.json).q.startsWith('""')).toBe(true);
  });

  it("leaves evidence that fits unchanged", () => {
    const evidence = { ip: "20.1.2.3", ports: [80, 443] };
    const json = JSON.stringify(evidence);
    expect(boundEvidence(evidence)).toEqual({ json, truncated: false, originalChars: json.length });
  });
});
