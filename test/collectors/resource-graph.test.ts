import { afterEach, describe, expect, inject, it } from "vitest";
import {
  createResourceGraphReader,
  parseQuotaReset,
  ResourceGraphIncompleteError,
  type ResourceGraphReaderOptions,
} from "../../shared/collectors/azure/resource-graph.js";
import { createLimiterRegistry } from "../../shared/collectors/limits.js";
import { AZURE_CLOUDS } from "../../shared/config/azure-clouds.js";
import { type ArmFake, type ArmFakeOptions, startArmFake } from "../../shared/fakes/arm-fake.js";
import { type Estate, estateSchema } from "../../shared/fakes/estate.js";
import { staticCredential } from "../support/helpers.js";

const ARM_AUDIENCE = AZURE_CLOUDS.AzurePublicCloud.armAudience;
const sub = (i: number) => `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`;
const QUERY =
  "resources | where type =~ 'microsoft.network/publicipaddresses' | project id, name, subscriptionId | order by id asc";

/** `subscriptions` subscriptions with `ips(i)` public IPs each; the last `denied` ones are unreadable. */
function estate(subscriptions: number, ips: (i: number) => number, extra: Partial<Estate["azure"]> = {}): Estate {
  return estateSchema.parse({
    description: "resource graph reader",
    tenantId: "t",
    azure: {
      subscriptions: Array.from({ length: subscriptions }, (_, i) => ({
        subscriptionId: sub(i),
        displayName: `s${i}`,
        resources: Array.from({ length: ips(i) }, (_, n) => ({
          id: `/subscriptions/${sub(i)}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip-${String(n).padStart(5, "0")}`,
          name: `ip-${n}`,
          type: "Microsoft.Network/publicIPAddresses",
          location: "eastus",
        })),
      })),
      ...extra,
    },
  });
}

let fake: ArmFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function reader(e: Estate, fakeOptions: ArmFakeOptions = {}, options: Partial<ResourceGraphReaderOptions> = {}) {
  fake = await startArmFake(e, inject("tls"), { retryAfterSeconds: 0, ...fakeOptions });
  return createResourceGraphReader(staticCredential(), {
    endpoint: fake.url,
    audience: ARM_AUDIENCE,
    retryOptions: { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
    ...options,
  });
}

async function all(rows: AsyncIterable<Record<string, unknown>>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe("the Resource Graph reader (real ResourceGraphClient 5.x against the fake)", () => {
  it("pages 1000 rows at a time with skipTokens, across every subscription in one request", async () => {
    const query = await reader(estate(3, (i) => [1500, 700, 0][i] ?? 0));
    const rows = await all(query(QUERY, [sub(0), sub(1), sub(2)]));
    expect(rows).toHaveLength(2200);
    // ⌈2200 / 1000⌉ pages; one request names all three subscriptions.
    const requests = fake?.resourceGraphRequests ?? [];
    expect(requests).toHaveLength(3);
    expect(requests.map((r) => r.top)).toEqual([1000, 1000, 1000]);
    expect(requests[0]?.skipToken).toBeNull();
    expect(requests.slice(1).every((r) => typeof r.skipToken === "string")).toBe(true);
    expect(requests.every((r) => r.subscriptions?.length === 3)).toBe(true);
    // Ordered by id, with nothing repeated or dropped between pages.
    const ids = rows.map((r) => String(r.id));
    expect(new Set(ids).size).toBe(2200);
    expect([...ids].sort()).toEqual(ids);
  });

  it("batches subscriptions (at most 1000 per request, 300 by default) and asks nothing for an empty list", async () => {
    const query = await reader(
      estate(5, () => 1),
      {},
      { batchSize: 2 },
    );
    expect(await all(query(QUERY, []))).toEqual([]);
    expect(fake?.calls("resource-graph")).toBe(0);
    const rows = await all(query(QUERY, [sub(0), sub(1), sub(2), sub(3), sub(4), sub(0).toUpperCase()]));
    expect(rows).toHaveLength(5);
    // Batches go out together, so they may arrive in any order.
    expect(fake?.resourceGraphRequests.map((r) => r.subscriptions?.length).sort()).toEqual([1, 2, 2]);
    const capped = createResourceGraphReader(staticCredential(), {
      endpoint: fake?.url ?? "",
      audience: ARM_AUDIENCE,
      batchSize: 5000,
    });
    await all(
      capped(
        QUERY,
        Array.from({ length: 1001 }, (_, i) => sub(i)),
      ),
    );
    expect(fake?.resourceGraphRequests.slice(3).map((r) => r.subscriptions?.length)).toEqual([1000, 1]);
  });

  it("reads the batches of a query at once, within the run's Resource Graph limit, and yields them in order", async () => {
    const query = await reader(
      estate(6, () => 1),
      { latencyMs: 40 },
      { batchSize: 1, limiters: createLimiterRegistry({ resourceGraph: 4 }) },
    );
    const rows = await all(query(QUERY, [0, 1, 2, 3, 4, 5].map(sub)));
    expect(rows.map((r) => String(r.subscriptionId))).toEqual([0, 1, 2, 3, 4, 5].map(sub));
    // One request per batch, four in flight at once: not one after another, and not over the limit.
    expect(fake?.calls("resource-graph")).toBe(6);
    expect(fake?.maxConcurrent()).toBe(4);
  });

  it("retries a 429 with Retry-After", async () => {
    const e = estate(1, () => 3);
    const query = await reader({ ...e, azure: { ...e.azure, resourceGraph: { throttle: 2 } } });
    expect(await all(query(QUERY, [sub(0)]))).toHaveLength(3);
    expect(fake?.resourceGraphRequests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("waits for the quota window to reset once x-ms-user-quota-remaining reaches 0, instead of collecting 429s", async () => {
    const waits: number[] = [];
    const query = await reader(
      estate(1, () => 5),
      { resourceGraphQuota: { limit: 2, windowMs: 1000 } },
      {
        pageSize: 1,
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      },
    );
    const started = Date.now();
    expect(await all(query(QUERY, [sub(0)]))).toHaveLength(5);
    expect(fake?.resourceGraphRequests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // Two queries per window: five pages need two waits for the reset, each at most the window.
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it("keeps the batches that completed and names the subscriptions of those that did not", async () => {
    const e = estate(3, () => 2);
    // The first request is throttled, and this reader does not retry: the first batch fails.
    const query = await reader(
      { ...e, azure: { ...e.azure, resourceGraph: { throttle: 1 } } },
      {},
      { batchSize: 1, retryOptions: { maxRetries: 0 } },
    );
    const rows: Record<string, unknown>[] = [];
    const error = await (async () => {
      try {
        for await (const row of query(QUERY, [sub(0), sub(1), sub(2)])) rows.push(row);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(rows.map((r) => r.subscriptionId)).toEqual([sub(1), sub(1), sub(2), sub(2)]);
    expect(error).toBeInstanceOf(ResourceGraphIncompleteError);
    expect((error as ResourceGraphIncompleteError).failedSubscriptions).toEqual([sub(0)]);
    expect((error as ResourceGraphIncompleteError).cause).toMatchObject({ statusCode: 429 });
  });

  it("refuses KQL the parser rejects (400) rather than reading nothing", async () => {
    const query = await reader(estate(1, () => 1));
    await expect(all(query("resources | where", [sub(0)]))).rejects.toMatchObject({
      name: "ResourceGraphIncompleteError",
      failedSubscriptions: [sub(0)],
      cause: { statusCode: 400 },
    });
  });

  it("reads the quota reset time", () => {
    expect(parseQuotaReset("00:00:05")).toBe(5000);
    expect(parseQuotaReset("01:02:03")).toBe(3_723_000);
    expect(parseQuotaReset("soon")).toBeNull();
    expect(parseQuotaReset(undefined)).toBeNull();
  });
});
