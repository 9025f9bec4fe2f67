import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TokenCredential } from "@azure/core-auth";
import { createAksCollector } from "../collectors/azure/aks-collector.js";
import { createArmAksReader } from "../collectors/azure/arm-sdk.js";
import { createResourceGraphReader } from "../collectors/azure/resource-graph.js";
import type { StoredFinding } from "../engine/ports.js";
import { startArmFake } from "../fakes/arm-fake.js";
import { startAzurite } from "../fakes/azurite.js";
import { estateSchema } from "../fakes/estate.js";
import { installNetworkGuard } from "../fakes/network-guard.js";
import { createLoopbackCertificate } from "../fakes/tls-cert.js";
import { mergeInventory } from "../model/inventory.js";
import { createAzureEntityTable, createTableClient } from "../store/azure-table.js";
import { createFindingStore } from "../store/finding-store.js";
import { runSpikeBench } from "./spike-quality.js";

/**
 * The performance benchmark. It prints figures as ratios measured in one run and
 * never fails on speed. Everything runs on loopback.
 */
const SUBSCRIPTIONS = 100;
const CLUSTERS_PER_SUBSCRIPTION = 10;
const PAGE_SIZE = 4;
const LATENCY_MS = 20;
const TABLE_ROWS = 1000;

const credential: TokenCredential = {
  getToken: async () => ({ token: "bench", expiresOnTimestamp: Date.now() + 3600_000 }),
};

function bigEstate() {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
  return estateSchema.parse({
    description: "bench",
    tenantId: "bench",
    azure: {
      subscriptions: Array.from({ length: SUBSCRIPTIONS }, (_, s) => {
        const subscriptionId = `${hex(s, 8)}-0000-4000-8000-${hex(s, 12)}`;
        return {
          subscriptionId,
          displayName: `sub-${s}`,
          managedClusters: Array.from({ length: CLUSTERS_PER_SUBSCRIPTION }, (_, c) => ({
            id: `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${s}-${c}`,
            name: `aks-${s}-${c}`,
            type: "Microsoft.ContainerService/ManagedClusters",
            location: "eastus",
            properties: {
              kubernetesVersion: "1.31.2",
              // One cluster in ten keeps a public API server, so ARM re-reads a tenth of them.
              apiServerAccessProfile: { enablePrivateCluster: c % 10 !== 0 },
              agentPoolProfiles: [{ name: "gpu", vmSize: "Standard_NC24ads_A100_v4", count: 2 }],
            },
          })),
        };
      }),
    },
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function bench(): Promise<void> {
  installNetworkGuard();
  const tls = { key: process.env.CLUSTER_AUDIT_BENCH_KEY ?? "", cert: process.env.CLUSTER_AUDIT_BENCH_CERT ?? "" };
  // A generous Resource Graph quota: the bench measures round trips, not the quota's waits.
  const arm = await startArmFake(bigEstate(), tls, {
    pageSize: PAGE_SIZE,
    latencyMs: LATENCY_MS,
    resourceGraphQuota: { limit: 10_000, windowMs: 5000 },
  });
  const azurite = await startAzurite();
  try {
    const clientOptions = { endpoint: arm.url, audience: "bench/.default" };
    const ports = {
      arm: createArmAksReader(credential, clientOptions),
      resourceGraph: createResourceGraphReader(credential, clientOptions),
    };
    const sweep = async (concurrency: number) => {
      const before = arm.requests.length;
      const { ms, value } = await timed(() =>
        createAksCollector(ports, { subscriptions: [], concurrency }).collect({
          progress: () => {},
          inventory: mergeInventory([], new Date()),
          now: new Date(),
        }),
      );
      if ((value.gaps ?? []).length > 0 || value.clusters?.length !== SUBSCRIPTIONS * CLUSTERS_PER_SUBSCRIPTION)
        throw new Error("bench sweep incomplete");
      return { ms, calls: arm.requests.length - before };
    };
    await sweep(16); // warm-up: TLS sessions, JIT
    const serial = await sweep(1);
    const parallel = await sweep(16);
    // Dependency depth: the subscription pages, then one Resource Graph page (or one access check), then one re-read.
    const depth = Math.ceil(SUBSCRIPTIONS / PAGE_SIZE) + 2;
    const floorMs = depth * LATENCY_MS;

    const table = (name: string) => {
      const { client, target } = createTableClient(
        { kind: "connectionString", connectionString: azurite.connectionString },
        name,
      );
      return createAzureEntityTable(client, target);
    };
    const findingsTable = table("benchfindings");
    const store = createFindingStore({ findings: findingsTable, runs: table("benchruns"), sourcesOf: () => [] });
    const rows: StoredFinding[] = Array.from({ length: TABLE_ROWS }, (_, i) => ({
      ruleId: i % 2 === 0 ? "api-server-public" : "audit-blind-spot",
      severity: "high",
      status: "fail",
      state: "new",
      cloud: "azure",
      scope: "bench",
      region: "eastus",
      clusterId: `c${i}`,
      clusterName: `c${i}`,
      title: "bench",
      detail: "bench row",
      evidence: { i },
      fingerprint: i.toString(16).padStart(40, "0"),
      firstSeen: new Date().toISOString(),
      lastSeen: new Date().toISOString(),
      sources: [],
      peakSeverity: "high",
      episode: 1,
      episodeStartedAt: null,
      failedInEpisode: true,
      lastRemindedAt: null,
      outbox: {},
      expectedEtag: null,
    }));
    const run = { runId: "bench", trigger: "cli" as const, startedAt: new Date() };
    // Unconditional upserts on both sides, so the comparison measures batching alone.
    const upserts = rows.map((r, i) => ({
      kind: "upsert" as const,
      row: { partitionKey: "bench", rowKey: r.fingerprint, i },
    }));
    await store.saveFindings(rows.slice(0, 10), run);
    const batched = await timed(async () => {
      for (let i = 0; i < upserts.length; i += 100) await findingsTable.submit(upserts.slice(i, i + 100));
    });
    const single = await timed(async () => {
      for (const op of upserts) await findingsTable.submit([op]);
    });

    const lines = [
      `AKS sweep, ${SUBSCRIPTIONS} subscriptions x ${CLUSTERS_PER_SUBSCRIPTION} clusters, page size ${PAGE_SIZE}, ${LATENCY_MS} ms per round trip, ${parallel.calls} ARM and Resource Graph calls:`,
      `  concurrency 16: ${parallel.ms.toFixed(0)} ms; concurrency 1: ${serial.ms.toFixed(0)} ms; speed-up ${(serial.ms / parallel.ms).toFixed(1)}x`,
      `  dependency-depth floor (${depth} round trips): ${floorMs} ms; concurrency 16 is ${(parallel.ms / floorMs).toFixed(1)}x the floor`,
      `Findings table on Azurite, ${TABLE_ROWS} rows:`,
      `  batched transactions: ${batched.ms.toFixed(0)} ms; one upsert per row: ${single.ms.toFixed(0)} ms; batching is ${(single.ms / batched.ms).toFixed(1)}x faster`,
    ];
    console.log(lines.join("\n"));
    // The detector's quality figures, the same as `npm run bench:spikes`.
    console.log(`\n${runSpikeBench()}`);
  } finally {
    await Promise.allSettled([arm.close(), azurite.stop()]);
  }
}

// NODE_EXTRA_CA_CERTS is read at start-up: make the certificate, then run the bench in a child that trusts it.
if (process.env.CLUSTER_AUDIT_BENCH_CERT) {
  await bench();
} else {
  const tls = await createLoopbackCertificate();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: "inherit",
    env: {
      PATH: process.env.PATH ?? "",
      NODE_EXTRA_CA_CERTS: tls.certPath,
      CLUSTER_AUDIT_BENCH_CERT: tls.cert,
      CLUSTER_AUDIT_BENCH_KEY: tls.key,
    },
  });
  process.exitCode = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}
