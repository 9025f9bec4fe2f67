import { afterEach, describe, expect, inject, it } from "vitest";
import { createAksCollector } from "../../shared/collectors/azure/aks-collector.js";
import { createArmAksReader } from "../../shared/collectors/azure/arm-sdk.js";
import { AZURE_CLOUDS } from "../../shared/config/azure-clouds.js";
import { type ArmFake, startArmFake } from "../../shared/fakes/arm-fake.js";
import { type Estate, estateSchema } from "../../shared/fakes/estate.js";
import { allParts, collectContext, staticCredential } from "../support/helpers.js";

const ARM_AUDIENCE = AZURE_CLOUDS.AzurePublicCloud.armAudience;
const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";
const S3 = "33333333-3333-4333-8333-333333333333";

const wireCluster = (sub: string, name: string, properties: Record<string, unknown> = {}) => ({
  id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
  name,
  type: "Microsoft.ContainerService/ManagedClusters",
  location: "eastus",
  properties: { kubernetesVersion: "1.31.2", enableRBAC: true, ...properties },
});

function estate(): Estate {
  return estateSchema.parse({
    description: "test",
    tenantId: "t",
    azure: {
      subscriptions: [
        {
          subscriptionId: S1,
          displayName: "one",
          throttle: 2,
          managedClusters: [1, 2, 3, 4, 5].map((i) =>
            wireCluster(S1, `c${i}`, i === 1 ? { apiServerAccessProfile: { enablePrivateCluster: true } } : {}),
          ),
        },
        { subscriptionId: S2, displayName: "denied", denied: true },
        { subscriptionId: S3, displayName: "disabled", state: "Disabled", managedClusters: [wireCluster(S3, "ghost")] },
      ],
    },
  });
}

let fake: ArmFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const quickRetry = { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 };

describe("AKS collection through the real ARM SDK clients", () => {
  it("discovers subscriptions, pages with nextLink, retries 429 and records 403 as a gap", async () => {
    fake = await startArmFake(estate(), inject("tls"), { pageSize: 2, retryAfterSeconds: 0 });
    const credential = staticCredential();
    const reader = createArmAksReader(credential, {
      endpoint: fake.url,
      audience: ARM_AUDIENCE,
      retryOptions: quickRetry,
    });
    const progress: string[] = [];
    const part = await createAksCollector(reader, { subscriptions: [] })
      .collect(collectContext((m) => progress.push(m)))
      .then(allParts);

    expect(part.clusters.map((c) => c.name).sort()).toEqual(["c1", "c2", "c3", "c4", "c5"]);
    expect(part.clusters.find((c) => c.name === "c1")?.apiServer.publicEndpoint).toBe(false);
    expect(part.gaps).toHaveLength(1);
    expect(part.gaps[0]).toMatchObject({
      cloud: "azure",
      scope: S2,
      operation: "list-managed-clusters",
      code: "AuthorizationFailed",
    });
    expect(part.gaps[0]?.reason).toMatch(/^access denied/);
    // The disabled subscription is never listed.
    expect(fake.requests.some((r) => r.path.includes(S3))).toBe(false);
    // Paging followed the absolute nextLink, and the two 429s were retried.
    const s1Calls = fake.requests.filter((r) => r.path.includes(`${S1}/providers`));
    expect(s1Calls.filter((r) => r.path.includes("skipToken")).length).toBe(2);
    expect(s1Calls.length).toBe(2 + 3);
    // The pinned API version, on the first page and on the nextLink pages alike.
    expect(s1Calls.every((r) => r.path.includes("api-version=2025-10-01"))).toBe(true);
    // Every call carried a bearer token for the ARM audience.
    expect(fake.requests.every((r) => r.authorization === "Bearer test-token")).toBe(true);
    expect(credential.scopesRequested.flat().every((s) => s === ARM_AUDIENCE)).toBe(true);
  });

  it("backs off and retries a 429 that names no Retry-After", async () => {
    fake = await startArmFake(estate(), inject("tls"), { pageSize: 10, retryAfterSeconds: null });
    const reader = createArmAksReader(staticCredential(), {
      endpoint: fake.url,
      audience: ARM_AUDIENCE,
      throttleBackoffMs: 5,
    });
    const part = await createAksCollector(reader, { subscriptions: [S1] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.gaps).toEqual([]);
    expect(part.clusters).toHaveLength(5);
    // Two throttled answers, then the page.
    expect(fake.requests.filter((r) => r.path.includes(`${S1}/providers`))).toHaveLength(3);
  });

  it("lists only the configured subscriptions, without discovery", async () => {
    fake = await startArmFake(estate(), inject("tls"), { pageSize: 10, retryAfterSeconds: 0 });
    const reader = createArmAksReader(staticCredential(), {
      endpoint: fake.url,
      audience: ARM_AUDIENCE,
      retryOptions: quickRetry,
    });
    const part = await createAksCollector(reader, { subscriptions: [S1.toUpperCase()] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toHaveLength(5);
    expect(part.gaps).toEqual([]);
    expect(fake.requests.some((r) => /^\/subscriptions\?/.test(r.path))).toBe(false);
  });

  it("keeps no partial cluster list when a later page fails", async () => {
    fake = await startArmFake(estate(), inject("tls"), { pageSize: 2, retryAfterSeconds: 0 });
    const reader = createArmAksReader(staticCredential(), {
      endpoint: fake.url,
      audience: ARM_AUDIENCE,
      retryOptions: { maxRetries: 0 },
    });
    // With no retries, the throttled first page fails: the subscription is a gap, not an empty pass.
    const part = await createAksCollector(reader, { subscriptions: [S1] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toEqual([]);
    expect(part.gaps[0]).toMatchObject({ scope: S1, code: "TooManyRequests" });
  });

  it("reports a failed subscription discovery as a tenant-wide gap", async () => {
    const reader = {
      listSubscriptionIds: async function* (): AsyncGenerator<string> {
        yield* [];
        throw Object.assign(new Error("forbidden"), { statusCode: 403, code: "AuthorizationFailed" });
      },
      listManagedClusters: async function* () {},
    };
    const part = await createAksCollector(reader, { subscriptions: [] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.gaps).toEqual([
      expect.objectContaining({ scope: "tenant", operation: "list-subscriptions", code: "AuthorizationFailed" }),
    ]);
  });
});
