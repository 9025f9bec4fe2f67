import { afterEach, describe, expect, inject, it } from "vitest";
import { type AksArm, createAksCollector } from "../../shared/collectors/azure/aks-collector.js";
import { mapManagedClusterFacts } from "../../shared/collectors/azure/aks-mapper.js";
import { MANAGED_CLUSTERS_QUERY } from "../../shared/collectors/azure/aks-queries.js";
import { mapClusterResource } from "../../shared/collectors/azure/aks-resource-mapper.js";
import { type ArmClientOptions, createArmAksReader } from "../../shared/collectors/azure/arm-sdk.js";
import { cachedCredential } from "../../shared/collectors/azure/cached-credential.js";
import {
  createResourceGraphReader,
  ResourceGraphIncompleteError,
  type ResourceGraphQuery,
} from "../../shared/collectors/azure/resource-graph.js";
import { AZURE_CLOUDS } from "../../shared/config/azure-clouds.js";
import { type ArmFake, type ArmFakeOptions, startArmFake } from "../../shared/fakes/arm-fake.js";
import { type Estate, estateSchema, loadEstate } from "../../shared/fakes/estate.js";
import { DATA_SOURCES } from "../../shared/model/coverage.js";
import { mergeInventory } from "../../shared/model/inventory.js";
import { DEMO_ESTATE_PATH } from "../../shared/paths.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { istioIngressPublic } from "../../shared/rules/istio-ingress-public/istio-ingress-public.js";
import { allParts, collectContext, ruleContext, staticCredential } from "../support/helpers.js";

const ARM_AUDIENCE = AZURE_CLOUDS.AzurePublicCloud.armAudience;
const sub = (i: number) => `${String(i).padStart(8, "0")}-aaaa-4000-8000-000000000000`;
const quickRetry = { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 5 };

const clusterWire = (subscriptionId: string, name: string, properties: Record<string, unknown> = {}) => ({
  id: `/subscriptions/${subscriptionId}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`,
  name,
  type: "Microsoft.ContainerService/ManagedClusters",
  location: "eastus",
  properties: {
    kubernetesVersion: "1.31.2",
    enableRBAC: true,
    disableLocalAccounts: true,
    nodeResourceGroup: `MC_rg-${name}_${name}_eastus`,
    agentPoolProfiles: [{ name: "system", count: 2, vmSize: "Standard_D4s_v5" }],
    ...properties,
  },
});
const PRIVATE = { apiServerAccessProfile: { enablePrivateCluster: true } };

const gatewayIp = (subscriptionId: string, cluster: string, address: string) => {
  const group = `MC_rg-${cluster}_${cluster}_eastus`;
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Network/publicIPAddresses/kubernetes-agw`,
    name: "kubernetes-agw",
    type: "Microsoft.Network/publicIPAddresses",
    location: "eastus",
    tags: { "k8s-azure-service": "istio-system/istio-ingressgateway" },
    properties: {
      ipAddress: address,
      ipConfiguration: {
        id: `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/agw`,
      },
    },
  };
};

/** Tagged but unattached IPs: they count as rows (and pages) but are no exposure. */
const looseIps = (subscriptionId: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-static/providers/Microsoft.Network/publicIPAddresses/ip-${String(i).padStart(5, "0")}`,
    name: `ip-${i}`,
    type: "Microsoft.Network/publicIPAddresses",
    location: "eastus",
    tags: { "k8s-azure-service": `apps/svc-${i}` },
    properties: { ipAddress: `20.9.${Math.floor(i / 250)}.${i % 250}` },
  }));

/**
 * 40 subscriptions: sub 0 holds five clusters (open, private, authorized ranges, public network access
 * disabled, 0.0.0.0/0 ranges) and a public Istio gateway; sub 1 holds 2300 tagged IPs (three pages);
 * sub 2 is denied; sub 3 is disabled (never audited); the rest are readable and empty.
 */
function sweepEstate(): Estate {
  return estateSchema.parse({
    description: "sweep",
    tenantId: "t",
    azure: {
      subscriptions: Array.from({ length: 40 }, (_, i) => {
        const base = { subscriptionId: sub(i), displayName: `s${i}` };
        if (i === 0)
          return {
            ...base,
            throttle: 1,
            managedClusters: [
              clusterWire(sub(0), "open"),
              clusterWire(sub(0), "private", PRIVATE),
              clusterWire(sub(0), "ranged", { apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } }),
              clusterWire(sub(0), "no-public-access", { publicNetworkAccess: "Disabled" }),
              clusterWire(sub(0), "all-ranges", { apiServerAccessProfile: { authorizedIPRanges: ["0.0.0.0/0"] } }),
            ],
            resources: [gatewayIp(sub(0), "private", "20.1.1.1")],
          };
        if (i === 1) return { ...base, resources: looseIps(sub(1), 2300) };
        if (i === 2) return { ...base, denied: true, managedClusters: [clusterWire(sub(2), "hidden")] };
        if (i === 3) return { ...base, state: "Disabled", managedClusters: [clusterWire(sub(3), "ghost")] };
        return base;
      }),
    },
  });
}

let fake: ArmFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function sweep(estate: Estate, fakeOptions: ArmFakeOptions = {}, clientOptions: Partial<ArmClientOptions> = {}) {
  fake = await startArmFake(estate, inject("tls"), { pageSize: 10, retryAfterSeconds: 0, ...fakeOptions });
  const inner = staticCredential();
  const credential = cachedCredential(inner);
  const options = { endpoint: fake.url, audience: ARM_AUDIENCE, retryOptions: quickRetry, ...clientOptions };
  const collector = createAksCollector(
    { arm: createArmAksReader(credential, options), resourceGraph: createResourceGraphReader(credential, options) },
    { subscriptions: [] },
  );
  const progress: string[] = [];
  const part = allParts(await collector.collect(collectContext((m) => progress.push(m))));
  return { part, credential, inner, progress, fake };
}

const coverageOf = (part: ReturnType<typeof allParts>, source: string) =>
  part.coverage.filter((c) => c.source === source).map((c) => c.scope);

describe("AKS collection through Resource Graph and ARM (real SDK clients against the fakes)", () => {
  it("sweeps in a handful of calls: one subscription list, one ARM check each, ⌈rows/1000⌉ pages per query, re-reads of flagged clusters; one token", async () => {
    const { part, credential, inner, fake } = await sweep(sweepEstate());
    const readable = 39; // 40 listed, one disabled
    // One listing of subscriptions (⌈40/10⌉ pages of the fake's page size).
    expect(fake.calls("subscriptions")).toBe(4);
    // One permission check per usable subscription, plus one retry of a 429 with Retry-After.
    expect(fake.calls("permissions")).toBe(readable + 1);
    // Pages: clusters 1, public IPs ⌈2301/1000⌉ = 3, load balancers 1, NSGs 1.
    expect(fake.resourceGraphRequests.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(fake.calls("resource-graph")).toBe(1 + 3 + 1 + 1);
    expect(fake.resourceGraphRequests.every((r) => r.subscriptions?.length === readable)).toBe(true);
    // Flagged: the open API server, 0.0.0.0/0, and the private cluster whose gateway is public.
    expect(
      fake.requests
        .filter((r) => r.route === "managed-cluster-get")
        .map((r) => r.path.split("?")[0]?.split("/").pop())
        .sort(),
    ).toEqual(["all-ranges", "open", "private"]);
    expect(fake.calls("unknown")).toBe(0);
    expect(fake.requests.length).toBe(4 + readable + 1 + 6 + 3);
    // Every client shares the one cached credential: one token for the ARM audience, whatever the count of clients.
    expect([...credential.requests()]).toEqual([[ARM_AUDIENCE, 1]]);
    expect(inner.scopesRequested).toEqual([[ARM_AUDIENCE]]);
    expect(fake.requests.every((r) => r.authorization === "Bearer test-token")).toBe(true);

    expect(part.clusters.map((c) => c.name).sort()).toEqual([
      "all-ranges",
      "no-public-access",
      "open",
      "private",
      "ranged",
    ]);
    // The denied subscription is a blind spot; the readable empty ones are covered; the disabled one is not audited.
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: sub(2),
        operation: "check-subscription-access",
        code: "AuthorizationFailed",
        reason: expect.stringMatching(/^access denied/),
      }),
    ]);
    const covered = coverageOf(part, DATA_SOURCES.clusters);
    expect(covered).toContain("tenant");
    expect(covered).toContain(sub(39));
    expect(covered).not.toContain(sub(2));
    expect(covered).not.toContain(sub(3));
    expect(coverageOf(part, DATA_SOURCES.serviceExposure)).toHaveLength(readable - 1);
    expect(fake.requests.some((r) => r.subscriptionId === sub(3))).toBe(false);
  });

  it("judges the API server by private cluster, authorized ranges and public network access", async () => {
    const { part } = await sweep(sweepEstate());
    const inventory = mergeInventory([part], new Date());
    const verdicts = Object.fromEntries(
      apiServerPublic.evaluate(inventory, ruleContext()).map((v) => [v.clusterName, v.status]),
    );
    expect(verdicts).toEqual({
      open: "fail",
      "all-ranges": "fail",
      private: "pass",
      ranged: "pass",
      "no-public-access": "pass",
    });
    // The private cluster's gateway is still on a public IP: the Service rule sees it, though the API server is private.
    const istio = istioIngressPublic.evaluate(inventory, ruleContext()).find((v) => v.clusterName === "private");
    expect(istio).toMatchObject({
      status: "fail",
      evidence: { addresses: ["20.1.1.1"], sourceRestriction: "unknown" },
    });
  });

  it("maps a cluster the same from Resource Graph and from ARM, for every cluster of the demo estate", async () => {
    const estate = await loadEstate(DEMO_ESTATE_PATH());
    fake = await startArmFake(estate, inject("tls"), { retryAfterSeconds: 0 });
    const options = { endpoint: fake.url, audience: ARM_AUDIENCE, retryOptions: quickRetry };
    const query = createResourceGraphReader(staticCredential(), options);
    const arm = createArmAksReader(staticCredential(), options);
    const readable = estate.azure.subscriptions.filter((s) => !s.denied).map((s) => s.subscriptionId);
    const rows: Record<string, unknown>[] = [];
    for await (const row of query(MANAGED_CLUSTERS_QUERY, readable)) rows.push(row);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const fromGraph = mapClusterResource(row);
      const [, subscriptionId, group, name] =
        /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/.*\/managedClusters\/([^/]+)$/.exec(fromGraph.record.id) ??
        [];
      const mc = await arm.getManagedCluster(subscriptionId ?? "", group ?? "", name ?? "");
      expect(mc).not.toBeNull();
      if (mc) expect(mapManagedClusterFacts(mc, fromGraph.record.scope)).toEqual(fromGraph);
    }
  });

  it("reads the demo estate's Service exposure: legacy tags, a shared IP, ranges, and no internal or outbound IP", async () => {
    const { part } = await sweep(await loadEstate(DEMO_ESTATE_PATH()));
    const seen = part.exposures.map((e) => ({
      cluster: e.clusterId.split("/").pop(),
      service: `${e.namespace}/${e.serviceName}`,
      address: e.addresses.join(","),
      ports: e.ports.map((p) => `${p.protocol}/${p.port}`).join(","),
      sources: e.sourceRestriction === "restricted" ? e.sourceCidrs.join(",") : e.sourceRestriction,
      tag: (e.evidence.serviceTag as string[]).join(","),
    }));
    expect(seen.sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      {
        cluster: "aks-ingress-weu",
        service: "kubernetes-dashboard/kubernetes-dashboard",
        address: "20.50.10.11",
        ports: "TCP/443",
        sources: "203.0.113.0/24",
        tag: "k8s-azure-service",
      },
      {
        cluster: "aks-ingress-weu",
        service: "istio-system/istio-ingressgateway",
        address: "20.50.10.12",
        ports: "TCP/80,TCP/443",
        sources: "198.51.100.0/24,203.0.113.0/24",
        tag: "k8s-azure-service",
      },
      {
        cluster: "aks-ingress-weu",
        service: "ingress-nginx/ingress-nginx-controller",
        address: "20.50.10.13",
        ports: "TCP/80,TCP/443,UDP/443",
        sources: "open",
        tag: "k8s-azure-service",
      },
      {
        cluster: "aks-ingress-weu",
        service: "ingress-nginx/ingress-nginx-controller-udp",
        address: "20.50.10.13",
        ports: "TCP/80,TCP/443,UDP/443",
        sources: "open",
        tag: "k8s-azure-service",
      },
      {
        cluster: "aks-ingress-weu",
        service: "web/storefront",
        address: "20.50.10.14",
        ports: "TCP/443",
        sources: "open",
        tag: "service (legacy)",
      },
      {
        cluster: "kubeflow-gpu-prod",
        service: "istio-system/istio-ingressgateway",
        address: "20.85.12.34",
        ports: "TCP/80,TCP/443,TCP/15021",
        sources: "open",
        tag: "k8s-azure-service",
      },
      {
        // The renamed gateway: only Container Insights' selector tells it is Istio.
        cluster: "kubeflow-gpu-prod",
        service: "istio-system/kubeflow-gw",
        address: "20.85.12.35",
        ports: "TCP/443",
        sources: "open",
        tag: "k8s-azure-service",
      },
      {
        cluster: "aks-legacy-dashboard",
        service: "kubernetes-dashboard/kubernetes-dashboard",
        address: "51.105.20.7",
        ports: "TCP/443",
        sources: "open",
        tag: "k8s-azure-service",
      },
    ]);
    // aks-training-private's gateway is on the internal LB (10.224.0.50, allowed from Internet by the provider's
    // rule): no exposure. Nor are the four managed outbound IPs, the jumpbox NIC IP or the App Gateway IP.
    expect(part.exposures.some((e) => e.clusterId.endsWith("/aks-training-private"))).toBe(false);
  });

  it("lets ARM win where Resource Graph lags: a fix, a deletion, and a re-read that fails", async () => {
    const S = sub(0);
    const estate = estateSchema.parse({
      description: "lag",
      tenantId: "t",
      azure: {
        subscriptions: [
          {
            subscriptionId: S,
            displayName: "s0",
            managedClusters: [
              clusterWire(S, "fixed", PRIVATE),
              clusterWire(S, "flaky"),
              clusterWire(S, "steady", PRIVATE),
            ],
          },
        ],
      },
    });
    const stale = (name: string, properties: Record<string, unknown> = {}) => ({
      ...clusterWire(S, name, properties),
      type: "microsoft.containerservice/managedclusters",
      subscriptionId: S,
      resourceGroup: `rg-${name}`,
      location: "eastus",
    });
    const flakyId = clusterWire(S, "flaky").id;
    const { part, progress, fake } = await sweep(
      estate,
      {
        // Resource Graph still shows "fixed" public (it was made private a moment ago) and "deleted" alive.
        resourceGraphLag: [stale("fixed"), stale("deleted")],
        unavailableClusters: [flakyId],
      },
      { retryOptions: { maxRetries: 0 } },
    );
    expect(fake.calls("managed-cluster-get")).toBe(3);
    expect(part.clusters.map((c) => c.name).sort()).toEqual(["fixed", "flaky", "steady"]);
    expect(part.clusters.find((c) => c.name === "fixed")?.apiServer.publicEndpoint).toBe(false);
    // The failed re-read keeps the Resource Graph facts, and says it could not confirm them.
    expect(part.clusters.find((c) => c.name === "flaky")?.apiServer.publicEndpoint).toBe(true);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: S,
        clusterId: flakyId,
        clusterName: "flaky",
        operation: "get-managed-cluster",
        code: "ServiceUnavailable",
        source: DATA_SOURCES.clusters,
        severity: "low",
      }),
    ]);
    expect(progress).toContain(
      "azure: re-read 3 flagged cluster(s) from ARM: 1 differed from Resource Graph, 1 deleted",
    );
    const verdicts = apiServerPublic.evaluate(mergeInventory([part], new Date()), ruleContext());
    expect(verdicts.find((v) => v.clusterName === "fixed")?.status).toBe("pass");
  });

  it("turns refused network reads into a service-exposure gap, not a silent pass", async () => {
    const S = sub(0);
    const estate = estateSchema.parse({
      description: "no network",
      tenantId: "t",
      azure: {
        subscriptions: [
          {
            subscriptionId: S,
            displayName: "s0",
            permissions: { actions: ["*/read"], notActions: ["Microsoft.Network/*/read"] },
            managedClusters: [clusterWire(S, "private", PRIVATE)],
            resources: [gatewayIp(S, "private", "20.1.1.1")],
          },
        ],
      },
    });
    const { part } = await sweep(estate);
    expect(part.clusters.map((c) => c.name)).toEqual(["private"]);
    expect(part.exposures).toEqual([]);
    expect(coverageOf(part, DATA_SOURCES.clusters)).toEqual(["tenant", S]);
    expect(coverageOf(part, DATA_SOURCES.serviceExposure)).toEqual([]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: S,
        operation: "read-service-exposure",
        source: DATA_SOURCES.serviceExposure,
        code: "AuthorizationFailed",
        reason: expect.stringContaining("Microsoft.Network/publicIPAddresses/read"),
      }),
    ]);
    const [verdict] = istioIngressPublic.evaluate(mergeInventory([part], new Date()), ruleContext());
    expect(verdict?.status).toBe("unknown");
  });

  it("makes a subscription whose role cannot read clusters a blind spot for everything, whatever Resource Graph shows", async () => {
    const S = sub(0);
    const estate = estateSchema.parse({
      description: "network only",
      tenantId: "t",
      azure: {
        subscriptions: [
          {
            subscriptionId: S,
            displayName: "s0",
            permissions: { actions: ["Microsoft.Network/*/read", "Microsoft.Authorization/*/read"] },
            managedClusters: [clusterWire(S, "invisible")],
          },
        ],
      },
    });
    const { part, fake } = await sweep(estate);
    expect(part.clusters).toEqual([]);
    expect(coverageOf(part, DATA_SOURCES.clusters)).toEqual(["tenant"]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: S,
        operation: "read-managed-clusters",
        code: "AuthorizationFailed",
        reason: expect.stringContaining("Microsoft.ContainerService/managedClusters/read"),
      }),
    ]);
    expect(fake.calls("managed-cluster-get")).toBe(0);
  });

  it("records a throttled ARM check that outlasts its retries as a gap, and keeps what Resource Graph showed", async () => {
    const { part } = await sweep(sweepEstate(), {}, { retryOptions: { maxRetries: 0 } });
    expect(part.gaps.map((g) => [g.scope, g.operation, g.code])).toEqual([
      [sub(0), "check-subscription-access", "TooManyRequests"],
      [sub(2), "check-subscription-access", "AuthorizationFailed"],
    ]);
    // Facts seen stay findings; nothing from sub 0 may resolve by absence.
    expect(part.clusters).toHaveLength(5);
    expect(coverageOf(part, DATA_SOURCES.clusters)).not.toContain(sub(0));
    expect(coverageOf(part, DATA_SOURCES.serviceExposure)).not.toContain(sub(0));
  });
});

describe("AKS collector over fake ports", () => {
  const permissions = [{ actions: ["*/read"], notActions: [] }];
  const arm = (overrides: Partial<AksArm> = {}): AksArm => ({
    listSubscriptionIds: async function* () {
      yield* ["S-A", "s-b"];
    },
    readPermissions: async () => permissions,
    getManagedCluster: async () => null,
    ...overrides,
  });
  const graph =
    (failing: Partial<Record<string, readonly string[]>>, rows: Record<string, Record<string, unknown>[]> = {}) =>
    (query: string, subscriptions: readonly string[]): AsyncIterable<Record<string, unknown>> => {
      const kind = /type =~ '([^']+)'/.exec(query)?.[1] ?? "";
      return (async function* () {
        yield* rows[kind] ?? [];
        const failed = failing[kind];
        if (failed)
          throw new ResourceGraphIncompleteError(failed, Object.assign(new Error("boom"), { statusCode: 500 }));
        expect(subscriptions.length).toBeGreaterThan(0);
      })();
    };

  it("reports a failed subscription discovery as a tenant-wide gap", async () => {
    const failing = arm({
      listSubscriptionIds: async function* (): AsyncGenerator<string> {
        yield* [];
        throw Object.assign(new Error("forbidden"), { statusCode: 403, code: "AuthorizationFailed" });
      },
    });
    const part = allParts(
      await createAksCollector({ arm: failing, resourceGraph: graph({}) }, { subscriptions: [] }).collect(
        collectContext(),
      ),
    );
    expect(part.gaps).toEqual([
      expect.objectContaining({ scope: "tenant", operation: "list-subscriptions", code: "AuthorizationFailed" }),
    ]);
    expect(part.coverage).toEqual([]);
  });

  it("lists only the configured subscriptions, lower-cased, without discovery", async () => {
    let discovered = false;
    const seen: string[][] = [];
    const resourceGraph: ResourceGraphQuery = (query, subscriptions) => {
      seen.push([...subscriptions]);
      return graph({})(query, subscriptions);
    };
    const ports = {
      arm: arm({
        listSubscriptionIds: async function* () {
          discovered = true;
          yield* [];
        },
      }),
      resourceGraph,
    };
    const part = allParts(
      await createAksCollector(ports, { subscriptions: ["S-ONE", "s-one", "s-two"] }).collect(collectContext()),
    );
    expect(discovered).toBe(false);
    expect(seen).toEqual(Array(4).fill(["s-one", "s-two"]));
    expect(part.coverage.map((c) => `${c.scope}:${c.source}`)).toEqual([
      "s-one:clusters",
      "s-one:service-exposure",
      "s-two:clusters",
      "s-two:service-exposure",
    ]);
  });

  it("gaps only the subscriptions of a failed batch, per source, and keeps no half listing", async () => {
    const clusterRow = (s: string) =>
      mapClusterRow(
        s,
        `/subscriptions/${s}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c-${s}`,
      );
    const resourceGraph = graph(
      {
        "microsoft.containerservice/managedclusters": ["s-b"],
        "microsoft.network/networksecuritygroups": ["s-a"],
      },
      { "microsoft.containerservice/managedclusters": [clusterRow("s-a"), clusterRow("s-b")] },
    );
    const part = allParts(
      await createAksCollector({ arm: arm(), resourceGraph }, { subscriptions: [] }).collect(collectContext()),
    );
    // s-b's cluster row came from a batch that failed: it is dropped, and s-b is a clusters gap.
    expect(part.clusters.map((c) => c.scope)).toEqual(["s-a"]);
    expect(part.gaps.map((g) => [g.scope, g.operation, g.source ?? "clusters"])).toEqual([
      ["s-a", "query-network-security-groups", "service-exposure"],
      ["s-b", "query-managed-clusters", "clusters"],
    ]);
    expect(part.coverage.map((c) => `${c.scope}:${c.source}`)).toEqual(["tenant:clusters", "s-a:clusters"]);
  });
});

function mapClusterRow(subscriptionId: string, id: string): Record<string, unknown> {
  return {
    id,
    name: id.split("/").pop(),
    subscriptionId,
    location: "eastus",
    apiServerAccessProfile: PRIVATE.apiServerAccessProfile,
  };
}
