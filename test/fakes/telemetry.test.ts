import { describe, expect, it } from "vitest";
import { loadEstate } from "../../shared/fakes/estate.js";
import { containerInsightsSchema } from "../../shared/fakes/kql/schema.js";
import {
  generateTelemetry,
  goSliceText,
  loadTelemetry,
  nodesAt,
  splitImage,
  workspaceResourceGraphRows,
} from "../../shared/fakes/telemetry.js";
import { DEMO_ESTATE_PATH, DEMO_TELEMETRY_PATH } from "../../shared/paths.js";

const NOW = new Date("2026-11-28T10:20:00Z");
const EAST = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const WEST = "7a2b3c4d-5e6f-4071-9b8c-0d1e2f3a4b5c";

describe("the simulated estate's telemetry", () => {
  it("references clusters of demo-estate.json by ARM ID, each writing to the workspace its add-on names", async () => {
    const [telemetry, estate] = await Promise.all([
      loadTelemetry(DEMO_TELEMETRY_PATH()),
      loadEstate(DEMO_ESTATE_PATH()),
    ]);
    const clusters = estate.azure.subscriptions.flatMap((s) => s.managedClusters);
    for (const entry of telemetry.clusters) {
      const cluster = clusters.find((c) => c.id.toLowerCase() === entry.clusterId.toLowerCase());
      expect(cluster, entry.clusterId).toBeDefined();
      const addon = (
        (cluster?.properties ?? {}) as { addonProfiles?: Record<string, { config?: Record<string, string> }> }
      ).addonProfiles?.omsagent?.config?.logAnalyticsWorkspaceResourceID;
      expect(addon?.toLowerCase()).toBe(entry.workspace.toLowerCase());
    }
    // The cluster with its add-on off has no telemetry at all.
    expect(telemetry.clusters.some((c) => c.clusterId.endsWith("/aks-legacy-dashboard"))).toBe(false);
  });

  it("generates the real tables' shapes", async () => {
    const tables = generateTelemetry(await loadTelemetry(DEMO_TELEMETRY_PATH()), { now: NOW }).get(EAST);
    const node = tables?.KubeNodeInventory?.rows[0] ?? {};
    expect(JSON.parse(String(node.Labels))).toEqual([expect.objectContaining({ agentpool: expect.any(String) })]);
    expect(String(node.ClusterId)).toContain("/resourceGroups/");
    expect(node._ResourceId).toBe(String(node.ClusterId).toLowerCase());
    expect(node.TenantId).toBe(EAST);

    const pod = tables?.KubePodInventory?.rows.find((r) => String(r.Name).startsWith("analyst-gpu-job-")) ?? {};
    expect(pod.ContainerName).toBe(`${pod.PodUid}/worker`);
    expect(JSON.parse(String(pod.PodLabel))).toEqual([{ app: "analyst-gpu-job", "notebook-name": "analyst" }]);

    const container = tables?.ContainerInventory?.rows.find((r) => r.ContainerID === pod.ContainerID) ?? {};
    expect(container).toMatchObject({ Repository: "docker.io", Image: "xmrig/xmrig", ImageTag: "6.21.0" });
    expect(String(container.Command)).toMatch(/^\[xmrig -o stratum\+tcp:\/\/pool\.supportxmr\.com:3333 .*\]$/);
    expect(container.Name).toBe(`k8s_worker_${pod.Name}_anonymous_${pod.ContainerID}_0`);
    // No cluster column in ContainerInventory and ContainerLogV2: only _ResourceId.
    expect("ClusterId" in container).toBe(false);
    expect(Object.keys(containerInsightsSchema.tables.ContainerInventory ?? {})).not.toContain("ClusterId");

    const service = tables?.KubeServices?.rows.find((r) => r.ServiceName === "kubeflow-gw") ?? {};
    expect(JSON.parse(String(service.SelectorLabels))).toEqual([{ app: "kubeflow-gw", istio: "ingressgateway" }]);

    const request = tables?.InsightsMetrics?.rows.find((r) => r.Name === "containerGpuRequests") ?? {};
    expect(request).toMatchObject({ Namespace: "container.azm.ms/gpu", Origin: "container.azm.ms", Val: 1 });
    expect(JSON.parse(String(request.Tags))).toMatchObject({
      containerName: expect.stringMatching(/^[0-9a-f-]{36}\/\w+$/),
    });
  });

  it("is deterministic for a given now, keeps rows modest, and ends at now", async () => {
    const telemetry = await loadTelemetry(DEMO_TELEMETRY_PATH());
    const a = generateTelemetry(telemetry, { now: NOW });
    const b = generateTelemetry(telemetry, { now: NOW });
    expect(JSON.stringify([...a])).toBe(JSON.stringify([...b]));
    let total = 0;
    for (const tables of a.values())
      for (const table of Object.values(tables)) {
        total += table.rows.length;
        for (const row of table.rows) expect((row.TimeGenerated as Date).getTime()).toBeLessThanOrEqual(NOW.getTime());
      }
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(50_000);
    expect(a.get(WEST)?.InsightsMetrics?.rows).toEqual([]);
  });

  it("models a surge, a daily peak and a steady pool", () => {
    const hour = (h: number) => Date.parse("2026-11-28T10:00:00Z") - h * 3_600_000;
    const now = NOW.getTime();
    const surge = { base: 2, surge: { to: 12, lastHours: 5 } };
    expect([0, 4, 5, 200].map((h) => nodesAt(surge, hour(h), now))).toEqual([12, 12, 2, 2]);
    const daily = { base: 2, daily: { to: 8, startedHoursAgo: 3, hours: 6 } };
    expect([0, 3, 4, 24, 27, 28, 22, 21].map((h) => nodesAt(daily, hour(h), now))).toEqual([8, 8, 2, 8, 8, 2, 8, 2]);
  });

  it("splits images and formats commands as the agent does", () => {
    expect(splitImage("docker.io/xmrig/xmrig:6.21.0")).toEqual({
      repository: "docker.io",
      image: "xmrig/xmrig",
      tag: "6.21.0",
    });
    expect(splitImage("nginx")).toEqual({ repository: "", image: "nginx", tag: "latest" });
    expect(splitImage("mcr.microsoft.com/app@sha256:abc")).toEqual({
      repository: "mcr.microsoft.com",
      image: "app",
      tag: "",
    });
    expect(goSliceText(["xmrig", "-o", "stratum+tcp://h:1"])).toBe("[xmrig -o stratum+tcp://h:1]");
  });

  it("gives the workspaces as Resource Graph rows, for the Resource Graph fake", async () => {
    const rows = workspaceResourceGraphRows(await loadTelemetry(DEMO_TELEMETRY_PATH()));
    expect(rows).toEqual([
      {
        id: "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-aks-eastus",
        name: "law-aks-eastus",
        type: "microsoft.operationalinsights/workspaces",
        subscriptionId: "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31",
        resourceGroup: "rg-monitor",
        location: "eastus",
        properties: { customerId: EAST, provisioningState: "Succeeded", sku: { name: "PerGB2018" } },
      },
      expect.objectContaining({
        name: "law-aks-westeurope",
        location: "westeurope",
        properties: expect.objectContaining({ customerId: WEST }),
      }),
    ]);
  });
});
