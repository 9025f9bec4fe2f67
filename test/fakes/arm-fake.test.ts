import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type ArmFake, startArmFake } from "../../shared/fakes/arm-fake.js";
import { type Estate, estateSchema } from "../../shared/fakes/estate.js";
import { staticCredential } from "../support/helpers.js";

const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";
const DENIED = "33333333-3333-4333-8333-333333333333";
const NO_NETWORK = "44444444-4444-4444-8444-444444444444";

const publicIp = (sub: string, i: number, tags: Record<string, string> = {}) => ({
  id: `/subscriptions/${sub}/resourceGroups/MC_rg_c_eastus/providers/Microsoft.Network/publicIPAddresses/pip-${String(i).padStart(3, "0")}`,
  name: `pip-${String(i).padStart(3, "0")}`,
  type: "Microsoft.Network/publicIPAddresses",
  location: "eastus",
  tags,
  properties: { ipAddress: `20.0.0.${i}` },
});

function estate(): Estate {
  return estateSchema.parse({
    description: "fake test",
    tenantId: "t",
    azure: {
      subscriptions: [
        {
          subscriptionId: S1,
          displayName: "one",
          managedClusters: [
            {
              id: `/subscriptions/${S1}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1`,
              name: "c1",
              type: "Microsoft.ContainerService/ManagedClusters",
              location: "eastus",
              properties: { kubernetesVersion: "1.31.2" },
            },
          ],
          resources: Array.from({ length: 5 }, (_, i) => publicIp(S1, i, { "k8s-azure-service": `ns/svc-${i}` })),
        },
        { subscriptionId: S2, displayName: "two", resources: [publicIp(S2, 9)] },
        { subscriptionId: DENIED, displayName: "denied", denied: true, resources: [publicIp(DENIED, 7)] },
        {
          subscriptionId: NO_NETWORK,
          displayName: "no network read",
          permissions: { actions: ["*/read"], notActions: ["Microsoft.Network/*"] },
          resources: [publicIp(NO_NETWORK, 8)],
        },
      ],
    },
  });
}

let fake: ArmFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const client = (f: ArmFake) =>
  new ResourceGraphClient(staticCredential(), { endpoint: f.url, retryOptions: { maxRetries: 0 } });
const PIPS =
  "resources | where type =~ 'microsoft.network/publicipaddresses' | project id, name, subscriptionId | order by id asc";

describe("the ARM fake's Resource Graph", () => {
  it("runs the query over the estate, pages with $top and $skipToken, and sends the quota headers", async () => {
    fake = await startArmFake(estate(), inject("tls"));
    const headers: (string | undefined)[] = [];
    const first = await client(fake).resources(
      { query: PIPS, subscriptions: [S1], options: { top: 2 } },
      { onResponse: (raw) => headers.push(raw.headers.get("x-ms-user-quota-remaining")) },
    );
    expect(first).toMatchObject({ totalRecords: 5, count: 2, resultTruncated: "false" });
    expect((first.data as { name: string }[]).map((r) => r.name)).toEqual(["pip-000", "pip-001"]);
    expect(first.skipToken).toBeTruthy();
    const rest: string[] = [];
    let skipToken = first.skipToken;
    while (skipToken) {
      const page = await client(fake).resources({ query: PIPS, subscriptions: [S1], options: { top: 2, skipToken } });
      rest.push(...(page.data as { name: string }[]).map((r) => r.name));
      skipToken = page.skipToken;
    }
    expect(rest).toEqual(["pip-002", "pip-003", "pip-004"]);
    expect(headers[0]).toBe("14");
    expect(fake.calls("resource-graph")).toBe(3);
    // The request carried the wire names of the options.
    expect(fake.resourceGraphRequests[1]).toMatchObject({ top: 2, subscriptions: [S1] });
    expect(fake.resourceGraphRequests[1]?.skipToken).toBeTruthy();
  });

  it("silently leaves out subscriptions the identity cannot read, and resources its permissions hide", async () => {
    fake = await startArmFake(estate(), inject("tls"));
    const page = await client(fake).resources({ query: PIPS, subscriptions: [S2, DENIED, NO_NETWORK] });
    expect((page.data as { subscriptionId: string }[]).map((r) => r.subscriptionId)).toEqual([S2]);
    // The cluster of S1 stays visible where only network reads are refused.
    const clusters = await client(fake).resources({
      query: "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, resourceGroup",
      subscriptions: [S1, NO_NETWORK],
    });
    expect(clusters.data).toEqual([
      {
        id: `/subscriptions/${S1}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1`,
        resourceGroup: "rg",
      },
    ]);
  });

  it("answers 400 for KQL the official parser rejects, and for a skipToken of another query", async () => {
    fake = await startArmFake(estate(), inject("tls"));
    await expect(client(fake).resources({ query: "resources | where", subscriptions: [S1] })).rejects.toMatchObject({
      statusCode: 400,
      code: "BadRequest",
    });
    await expect(
      client(fake).resources({ query: "resources | project nosuchcolumn", subscriptions: [S1] }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      client(fake).resources({ query: PIPS, subscriptions: [S1], options: { skipToken: "bm90LWEtdG9rZW4" } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect(fake.resourceGraphRequests.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it("throttles with 429 and Retry-After, then when the quota is spent", async () => {
    const throttled = estate();
    fake = await startArmFake(
      { ...throttled, azure: { ...throttled.azure, resourceGraph: { throttle: 1 } } },
      inject("tls"),
      {
        retryAfterSeconds: 0,
        resourceGraphQuota: { limit: 2, windowMs: 60_000 },
      },
    );
    const retrying = new ResourceGraphClient(staticCredential(), {
      endpoint: fake.url,
      retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
    });
    await expect(retrying.resources({ query: PIPS, subscriptions: [S2] })).resolves.toMatchObject({ count: 1 });
    await expect(retrying.resources({ query: PIPS, subscriptions: [S2] })).resolves.toMatchObject({ count: 1 });
    await expect(client(fake).resources({ query: PIPS, subscriptions: [S2] })).rejects.toMatchObject({
      statusCode: 429,
    });
    expect(fake.resourceGraphRequests.map((r) => r.status)).toEqual([429, 200, 200, 429]);
  });

  it("serves the table format, truncates all-dynamic results without a skipToken, and appends extra resources", async () => {
    fake = await startArmFake(estate(), inject("tls"), {
      extraResources: [
        {
          id: `/subscriptions/${S2}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law`,
          name: "law",
          type: "microsoft.operationalinsights/workspaces",
          subscriptionId: S2,
          resourceGroup: "rg-monitor",
          properties: { customerId: "00000000-0000-0000-0000-0000000000aa" },
        },
      ],
    });
    const table = await client(fake).resources({
      query:
        "resources | where type =~ 'microsoft.operationalinsights/workspaces' | project id, customerId = tostring(properties.customerId)",
      subscriptions: [S2],
      options: { resultFormat: "table" },
    });
    expect(table.data).toEqual({
      columns: [
        { name: "id", type: "string" },
        { name: "customerId", type: "string" },
      ],
      rows: [
        [
          `/subscriptions/${S2}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law`,
          "00000000-0000-0000-0000-0000000000aa",
        ],
      ],
    });
    const dynamicOnly = await client(fake).resources({
      query: "resources | where type =~ 'microsoft.network/publicipaddresses' | project properties",
      subscriptions: [S1],
      options: { top: 2 },
    });
    expect(dynamicOnly).toMatchObject({ count: 2, totalRecords: 5, resultTruncated: "true" });
    expect(dynamicOnly.skipToken).toBeUndefined();
  });
});

describe("the ARM fake's ARM routes", () => {
  it("counts calls per route and answers permissions, gets and 404s", async () => {
    fake = await startArmFake(estate(), inject("tls"));
    const get = async (path: string) => {
      const response = await fetch(`${fake?.url}${path}`, { headers: { authorization: "Bearer x" } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(
      await get(`/subscriptions/${S1}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`),
    ).toEqual({
      status: 200,
      body: { value: [{ actions: ["*/read"], notActions: [], dataActions: [], notDataActions: [] }] },
    });
    expect(
      (await get(`/subscriptions/${DENIED}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`))
        .status,
    ).toBe(403);
    const cluster = await get(
      `/subscriptions/${S1}/resourcegroups/RG/providers/Microsoft.ContainerService/managedClusters/C1?api-version=2025-10-01`,
    );
    expect(cluster).toMatchObject({ status: 200, body: { name: "c1" } });
    expect(
      (
        await get(
          `/subscriptions/${S1}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/gone?api-version=2025-10-01`,
        )
      ).status,
    ).toBe(404);
    expect(fake.calls("permissions")).toBe(2);
    expect(fake.calls("managed-cluster-get")).toBe(2);
    expect(fake.requests.filter((r) => r.route === "permissions").map((r) => r.subscriptionId)).toEqual([S1, DENIED]);
  });
});
