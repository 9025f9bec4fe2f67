import { LogsQueryClient, LogsQueryResultStatus } from "@azure/monitor-query-logs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { containerInsightsSchema } from "../../shared/fakes/kql/schema.js";
import {
  type LogAnalyticsFake,
  parseIsoDuration,
  startLogAnalyticsFake,
  timespanWindow,
} from "../../shared/fakes/log-analytics-fake.js";
import type { WorkspaceTables } from "../../shared/fakes/telemetry.js";
import { staticCredential } from "../support/helpers.js";

const NOW = new Date("2026-11-28T10:00:00Z");
const WS1 = "11111111-aaaa-4aaa-8aaa-111111111111";
const WS2 = "22222222-bbbb-4bbb-8bbb-222222222222";

const nodes = (tenant: string, computer: string, minutesAgo: number) => ({
  TimeGenerated: new Date(NOW.getTime() - minutesAgo * 60_000),
  TenantId: tenant,
  Computer: computer,
  ClusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
  Labels: JSON.stringify([{ agentpool: "gpu" }]),
});
const workspace = (rows: Record<string, unknown>[]): WorkspaceTables => ({
  KubeNodeInventory: { columns: containerInsightsSchema.tables.KubeNodeInventory ?? {}, rows },
});

let fake: LogAnalyticsFake;
let client: LogsQueryClient;
beforeAll(async () => {
  fake = await startLogAnalyticsFake(
    new Map([
      [WS1, workspace([nodes(WS1, "n1", 10), nodes(WS1, "n2", 90), nodes(WS1, "n3", 60 * 30)])],
      [WS2, workspace([nodes(WS2, "m1", 5)])],
    ]),
    inject("tls"),
    { now: () => NOW },
  );
  client = new LogsQueryClient(staticCredential(), { endpoint: fake.endpoint, retryOptions: { maxRetries: 0 } });
});
afterAll(async () => fake.close());

describe("the Log Analytics fake", () => {
  it("answers the real LogsQueryClient in wire format: datetimes as ISO text, dynamic as JSON text", async () => {
    const before = fake.queries.length;
    const result = await client.queryWorkspace(
      WS1,
      "KubeNodeInventory | summarize latest = max(TimeGenerated), labels = take_any(parse_json(Labels)), n = dcount(Computer) by TenantId",
      { duration: "P1D" },
      { serverTimeoutInSeconds: 120 },
    );
    expect(result.status).toBe(LogsQueryResultStatus.Success);
    if (result.status !== LogsQueryResultStatus.Success) return;
    const [table] = result.tables;
    expect(table?.columnDescriptors).toEqual([
      { name: "TenantId", type: "string" },
      { name: "latest", type: "datetime" },
      { name: "labels", type: "dynamic" },
      { name: "n", type: "long" },
    ]);
    // The SDK turns the ISO text into a Date and parses the JSON text, as it does for the real service.
    expect(table?.rows).toEqual([[WS1, new Date("2026-11-28T09:50:00Z"), [{ agentpool: "gpu" }], 2]]);
    const recorded = fake.queries.slice(before);
    expect(recorded).toMatchObject([{ workspaces: [WS1], timespan: "P1D", prefer: "wait=120", status: 200 }]);
    expect(recorded[0]?.authorization).toBe("Bearer test-token");
  });

  it("runs a cross-workspace query over every workspace named, and cuts rows to the timespan", async () => {
    const result = await client.queryWorkspace(
      WS1,
      "KubeNodeInventory | project TenantId, Computer | order by Computer asc",
      {
        duration: "PT1H",
      },
      { additionalWorkspaces: [WS2] },
    );
    expect(result.status).toBe(LogsQueryResultStatus.Success);
    if (result.status === LogsQueryResultStatus.Success)
      expect(result.tables[0]?.rows).toEqual([
        [WS2, "m1"],
        [WS1, "n1"],
      ]);
  });

  it("accepts the path with and without /v1", async () => {
    const bare = new LogsQueryClient(staticCredential(), { endpoint: fake.url, retryOptions: { maxRetries: 0 } });
    const result = await bare.queryWorkspace(WS2, "KubeNodeInventory | count", { duration: "P1D" });
    expect(result.status).toBe(LogsQueryResultStatus.Success);
    expect(fake.queries.at(-1)?.workspaces).toEqual([WS2]);
  });

  it("answers PartialFailure for an unknown additional workspace, keeping the rows of the others", async () => {
    const result = await client.queryWorkspace(
      WS1,
      "KubeNodeInventory | count",
      { duration: "P1D" },
      {
        additionalWorkspaces: ["33333333-cccc-4ccc-8ccc-333333333333"],
      },
    );
    expect(result.status).toBe(LogsQueryResultStatus.PartialFailure);
    if (result.status === LogsQueryResultStatus.PartialFailure) {
      expect(result.partialTables[0]?.rows).toEqual([[2]]);
      expect(result.partialError.code).toBe("PartialError");
    }
  });

  it("answers an injected PartialFailure, a 429 and a 500", async () => {
    fake.inject({ kind: "partial", matching: "marker-partial" });
    const partial = await client.queryWorkspace(WS1, "KubeNodeInventory | where Computer != 'marker-partial' | count", {
      duration: "P1D",
    });
    expect(partial.status).toBe(LogsQueryResultStatus.PartialFailure);

    fake.inject({ kind: "throttle", retryAfterSeconds: 0 });
    await expect(client.queryWorkspace(WS1, "KubeNodeInventory | count", { duration: "P1D" })).rejects.toMatchObject({
      statusCode: 429,
    });
    // The SDK's own retry honours Retry-After: one 429, then the answer.
    const retrying = new LogsQueryClient(staticCredential(), { endpoint: fake.endpoint });
    fake.inject({ kind: "throttle", retryAfterSeconds: 0 });
    expect((await retrying.queryWorkspace(WS1, "KubeNodeInventory | count", { duration: "P1D" })).status).toBe(
      "Success",
    );
    expect(fake.queries.slice(-2).map((q) => q.status)).toEqual([429, 200]);

    fake.inject({ kind: "error" });
    await expect(client.queryWorkspace(WS1, "KubeNodeInventory | count", { duration: "P1D" })).rejects.toMatchObject({
      statusCode: 500,
    });
  });

  it("refuses KQL that Kusto rejects with 400 BadArgumentError, naming the parser's diagnostic", async () => {
    const error = await client
      .queryWorkspace(WS1, "KubeNodeInventory | where Statuss == 'x'", { duration: "P1D" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 400, code: "BadArgumentError" });
    expect(JSON.stringify((error as { details?: unknown }).details)).toContain("Statuss");
  });

  it("answers 404 for an unknown workspace and 401 without a bearer token", async () => {
    await expect(
      client.queryWorkspace("44444444-dddd-4ddd-8ddd-444444444444", "KubeNodeInventory | count", { duration: "P1D" }),
    ).rejects.toMatchObject({ statusCode: 404 });
    const response = await fetch(`${fake.endpoint}/workspaces/${WS1}/query`, {
      method: "POST",
      body: JSON.stringify({ query: "KubeNodeInventory | count" }),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(401);
  });

  it("reads ISO-8601 durations and intervals as the service does", () => {
    expect(parseIsoDuration("P14D")).toBe(14 * 86_400_000);
    expect(parseIsoDuration("PT336H")).toBe(336 * 3_600_000);
    expect(parseIsoDuration("P1DT2H30M")).toBe((26 * 60 + 30) * 60_000);
    expect(parseIsoDuration("P1W")).toBe(7 * 86_400_000);
    expect(parseIsoDuration("P")).toBeNull();
    expect(parseIsoDuration("14d")).toBeNull();
    const now = NOW.getTime();
    expect(timespanWindow("PT1H", now)).toEqual({ start: now - 3_600_000, end: now });
    expect(timespanWindow("2026-11-28T08:00:00Z/2026-11-28T09:00:00Z", now)).toEqual({
      start: Date.parse("2026-11-28T08:00:00Z"),
      end: Date.parse("2026-11-28T09:00:00Z"),
    });
    expect(timespanWindow("2026-11-28T08:00:00Z/PT30M", now)?.end).toBe(Date.parse("2026-11-28T08:30:00Z"));
    expect(timespanWindow(null, now)).toBeNull();
  });
});
