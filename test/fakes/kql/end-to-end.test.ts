import { describe, expect, it } from "vitest";
import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import { analyzeKql } from "../../../shared/fakes/kql/language-service.js";
import { containerInsightsSchema, resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import type { KqlTableData } from "../../../shared/fakes/kql/types.js";
import { at, NOW, records } from "./helpers.js";

// Realistic product-shaped queries over the documented table schemas, end to end.

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";
const resources: KqlTableData = {
  columns: resourceGraphSchema.tables.resources ?? {},
  rows: [
    {
      id: `${SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1`,
      name: "kubernetes-a1",
      type: "microsoft.network/publicipaddresses",
      tags: { "k8s-azure-service": "istio-system/istio-ingressgateway", "k8s-azure-cluster-name": "kubernetes" },
      properties: { ipAddress: "20.1.2.3", ipConfiguration: { id: "fe-1" } },
    },
    {
      id: `${SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/legacy-ip`,
      name: "legacy-ip",
      type: "Microsoft.Network/publicIPAddresses",
      tags: { service: "default/web" },
      properties: { ipAddress: "20.9.9.9" },
    },
    {
      id: `${SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/outbound`,
      name: "outbound",
      type: "microsoft.network/publicipaddresses",
      tags: { "aks-managed-type": "outbound" },
      properties: { ipAddress: "20.5.5.5" },
    },
    {
      id: `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1`,
      name: "c1",
      type: "microsoft.containerservice/managedclusters",
      tags: null,
      properties: {
        kubernetesVersion: "1.31.2",
        agentPoolProfiles: [
          { name: "system", vmSize: "Standard_D4s_v5", count: 3, mode: "System" },
          { name: "gpu", vmSize: "Standard_NC6s_v3", count: 2, mode: "User" },
        ],
      },
    },
    {
      id: `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c2`,
      name: "c2",
      type: "microsoft.containerservice/managedclusters",
      properties: { kubernetesVersion: "1.30.0", agentPoolProfiles: [] },
    },
  ],
};
const resourceGraph = {
  resources,
  resourcecontainers: { columns: resourceGraphSchema.tables.resourcecontainers ?? {}, rows: [] },
};

const labels = (pool: string, accelerator?: string): string =>
  JSON.stringify([
    {
      "kubernetes.azure.com/agentpool": pool,
      ...(accelerator ? { "kubernetes.azure.com/accelerator": accelerator } : {}),
    },
  ]);

const nodeRow = (time: string, computer: string, cluster: string, pool: string, accelerator?: string) => ({
  TimeGenerated: at(time),
  Computer: computer,
  ClusterId: cluster,
  ClusterName: cluster.split("/").at(-1) ?? "",
  Labels: labels(pool, accelerator),
  Status: "Ready",
});

const C1 = `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1`;
const C2 = `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c2`;

const workspace = {
  KubeNodeInventory: {
    columns: containerInsightsSchema.tables.KubeNodeInventory ?? {},
    rows: [
      nodeRow("2024-05-15T10:05:00Z", "aks-gpu-0", C1, "gpu", "nvidia"),
      nodeRow("2024-05-15T10:35:00Z", "aks-gpu-0", C1, "gpu", "nvidia"),
      nodeRow("2024-05-15T10:40:00Z", "aks-gpu-1", C1, "gpu", "nvidia"),
      nodeRow("2024-05-15T11:05:00Z", "aks-gpu-0", C1, "gpu", "nvidia"),
      nodeRow("2024-05-15T11:06:00Z", "aks-system-0", C1, "system"),
      nodeRow("2024-05-15T11:10:00Z", "aks-gpu-9", C2, "gpupool", "nvidia"),
      // Older than two days: filtered out.
      nodeRow("2024-05-12T11:10:00Z", "aks-gpu-7", C2, "gpupool", "nvidia"),
    ],
  },
  KubePodInventory: {
    columns: containerInsightsSchema.tables.KubePodInventory ?? {},
    rows: [
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        Name: "miner-7d9",
        Namespace: "default",
        ContainerID: "cid-1",
        ClusterId: C1,
      },
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        Name: "web-1",
        Namespace: "default",
        ContainerID: "cid-2",
        ClusterId: C1,
      },
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        Name: "pending",
        Namespace: "default",
        ContainerID: "",
        ClusterId: C1,
      },
    ],
  },
  ContainerInventory: {
    columns: containerInsightsSchema.tables.ContainerInventory ?? {},
    rows: [
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        ContainerID: "cid-1",
        Repository: "docker.io",
        Image: "xmrig/xmrig",
        ImageTag: "latest",
      },
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        ContainerID: "cid-2",
        Repository: "mcr.microsoft.com",
        Image: "nginx",
        ImageTag: "1.27",
      },
      {
        TimeGenerated: at("2024-05-15T11:00:00Z"),
        ContainerID: "cid-3",
        Repository: "docker.io",
        Image: "orphan",
        ImageTag: "1",
      },
    ],
  },
};

const arg = (query: string) => runKql(query, resourceGraph, { now: NOW, tableNamesCaseInsensitive: true });
const logs = (query: string) => runKql(query, workspace, { now: NOW });

describe("end to end", () => {
  it("ARG: public IPs of Kubernetes services, with legacy tags", () => {
    const query = `resources
      | where type =~ 'microsoft.network/publicipaddresses'
      | extend svc = tostring(coalesce(tags['k8s-azure-service'], tags['service']))
      | where isnotempty(svc)
      | project id, ip = tostring(properties.ipAddress), svc
      | order by id asc`;
    expect(analyzeKql(query, resourceGraphSchema).diagnostics).toEqual([]);
    const result = arg(query);
    expect(result.columns).toEqual([
      { name: "id", type: "string" },
      { name: "ip", type: "string" },
      { name: "svc", type: "string" },
    ]);
    expect(records(result)).toEqual([
      {
        id: `${SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1`,
        ip: "20.1.2.3",
        svc: "istio-system/istio-ingressgateway",
      },
      {
        id: `${SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/publicIPAddresses/legacy-ip`,
        ip: "20.9.9.9",
        svc: "default/web",
      },
    ]);
  });

  it("ARG: accepts the documented table casing (Resources)", () => {
    expect(arg("Resources | where type =~ 'microsoft.containerservice/managedclusters' | count").rows).toEqual([[2]]);
  });

  it("Container Insights: GPU nodes per pool and hour from the Labels JSON string", () => {
    const query = `KubeNodeInventory
      | where TimeGenerated > ago(2d)
      | extend L = parse_json(Labels)[0]
      | extend pool = tostring(L['kubernetes.azure.com/agentpool']), accel = tostring(L['kubernetes.azure.com/accelerator'])
      | where accel == 'nvidia'
      | summarize nodes = dcount(Computer) by ClusterId, pool, bin(TimeGenerated, 1h)
      | order by TimeGenerated asc`;
    const analysis = analyzeKql(query, containerInsightsSchema);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.resultColumns).toEqual([
      { name: "ClusterId", type: "string" },
      { name: "pool", type: "string" },
      { name: "TimeGenerated", type: "datetime" },
      { name: "nodes", type: "long" },
    ]);
    const rows = logs(query).rows;
    // Rows of one hour have no defined order: compare the hours in order, and the set per hour.
    expect(rows.map((r) => r[2])).toEqual([
      at("2024-05-15T10:00:00Z"),
      at("2024-05-15T11:00:00Z"),
      at("2024-05-15T11:00:00Z"),
    ]);
    expect(rows).toEqual(
      expect.arrayContaining([
        [C1, "gpu", at("2024-05-15T10:00:00Z"), 2],
        [C1, "gpu", at("2024-05-15T11:00:00Z"), 1],
        [C2, "gpupool", at("2024-05-15T11:00:00Z"), 1],
      ]),
    );
  });

  it("Container Insights: pods joined to their container images", () => {
    const query = `KubePodInventory
      | where isnotempty(ContainerID)
      | distinct Name, Namespace, ContainerID
      | join kind=inner (ContainerInventory | project ContainerID, Image, ImageTag) on ContainerID
      | project Name, Namespace, Image, ImageTag, ContainerID1
      | order by Name asc`;
    expect(analyzeKql(query, containerInsightsSchema).diagnostics).toEqual([]);
    expect(records(logs(query))).toEqual([
      { Name: "miner-7d9", Namespace: "default", Image: "xmrig/xmrig", ImageTag: "latest", ContainerID1: "cid-1" },
      { Name: "web-1", Namespace: "default", Image: "nginx", ImageTag: "1.27", ContainerID1: "cid-2" },
    ]);
  });

  it("ARG: node pools of each cluster with mv-expand", () => {
    const query = `resources
      | where type =~ 'microsoft.containerservice/managedclusters'
      | mv-expand pool = properties.agentPoolProfiles
      | project id, name, pool = tostring(pool.name), vmSize = tostring(pool.vmSize), nodes = toint(pool['count'])
      | order by name asc, pool asc`;
    expect(analyzeKql(query, resourceGraphSchema).diagnostics).toEqual([]);
    // c2 has no pools: an empty array expands to no rows.
    expect(records(arg(query)).map(({ id: _, ...rest }) => rest)).toEqual([
      { name: "c1", pool: "gpu", vmSize: "Standard_NC6s_v3", nodes: 2 },
      { name: "c1", pool: "system", vmSize: "Standard_D4s_v5", nodes: 3 },
    ]);
  });

  it("Container Insights: latest state per node with arg_max", () => {
    const query = `KubeNodeInventory
      | where TimeGenerated > ago(1d)
      | summarize arg_max(TimeGenerated, *) by ClusterId, Computer
      | extend pool = tostring(parse_json(Labels)[0]['kubernetes.azure.com/agentpool'])
      | summarize nodes = count() by ClusterId, pool
      | order by ClusterId asc, pool asc`;
    expect(records(logs(query))).toEqual([
      { ClusterId: C1, pool: "gpu", nodes: 2 },
      { ClusterId: C1, pool: "system", nodes: 1 },
      { ClusterId: C2, pool: "gpupool", nodes: 1 },
    ]);
  });
});
