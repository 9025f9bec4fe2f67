import { describe, expect, it } from "vitest";
import {
  CLUSTER_LOAD_BALANCERS_QUERY,
  MANAGED_CLUSTERS_QUERY,
  NETWORK_SECURITY_GROUPS_QUERY,
  SERVICE_PUBLIC_IPS_QUERY,
} from "../../shared/collectors/azure/aks-queries.js";
import { runKql } from "../../shared/fakes/kql/interpreter.js";
import { analyzeKql } from "../../shared/fakes/kql/language-service.js";
import { resourceGraphSchema } from "../../shared/fakes/kql/schema.js";
import { HOSTILE_STRINGS } from "../support/helpers.js";

const columns = (entries: string) =>
  entries.split(/\s+/).map((e) => ({ name: e.split(":")[0], type: e.split(":")[1] }));

const QUERIES = [
  {
    name: "managed clusters",
    query: MANAGED_CLUSTERS_QUERY,
    columns: columns(
      "id:string name:string subscriptionId:string resourceGroup:string location:string tags:dynamic " +
        "kubernetesVersion:string powerState:string fqdn:string privateFqdn:string publicNetworkAccess:string " +
        "enableRBAC:dynamic disableLocalAccounts:dynamic nodeResourceGroup:string apiServerAccessProfile:dynamic " +
        "aadProfile:dynamic networkProfile:dynamic addonProfiles:dynamic agentPoolProfiles:dynamic",
    ),
  },
  {
    name: "Service public IPs",
    query: SERVICE_PUBLIC_IPS_QUERY,
    columns: columns(
      "id:string name:string subscriptionId:string resourceGroup:string location:string serviceTag:string " +
        "legacyServiceTag:string clusterNameTag:string ipAddress:string ipConfigurationId:string",
    ),
  },
  {
    name: "cluster load balancers",
    query: CLUSTER_LOAD_BALANCERS_QUERY,
    columns: columns(
      "id:string name:string subscriptionId:string resourceGroup:string location:string " +
        "frontendIPConfigurations:dynamic loadBalancingRules:dynamic",
    ),
  },
  {
    name: "network security groups",
    query: NETWORK_SECURITY_GROUPS_QUERY,
    columns: columns(
      "id:string name:string subscriptionId:string resourceGroup:string location:string securityRules:dynamic",
    ),
  },
];

const RESOURCE_COLUMNS = resourceGraphSchema.tables.resources ?? {};
const run = (query: string, rows: Record<string, unknown>[]) =>
  runKql(
    query,
    { resources: { columns: RESOURCE_COLUMNS, rows } },
    { now: new Date(), tableNamesCaseInsensitive: true },
  );

describe("the AKS collector's Resource Graph queries", () => {
  it.each(QUERIES)("$name parses and binds with no diagnostics and the expected columns", ({ query, columns }) => {
    const analysis = analyzeKql(query, resourceGraphSchema);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.resultColumns).toEqual(columns);
  });

  it.each(QUERIES)("$name keeps a string id and orders by it, so pages never drop or repeat rows", ({ query }) => {
    expect(query).toMatch(/\| order by id asc$/);
    expect(query).not.toMatch(/\b(limit|take|sample|top)\b/);
  });

  it("finds clusters by type in any casing, and keeps the REST shape of the nested profiles", () => {
    const result = run(MANAGED_CLUSTERS_QUERY, [
      {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/b",
        type: "Microsoft.ContainerService/ManagedClusters",
        properties: { kubernetesVersion: "1.30.0", enableRBAC: false, addonProfiles: { omsAgent: { enabled: true } } },
      },
      {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
        type: "microsoft.containerservice/managedclusters",
        properties: { currentKubernetesVersion: "1.31.2", kubernetesVersion: "1.31" },
      },
      { id: "/x", type: "microsoft.network/publicipaddresses", properties: {} },
    ]);
    const at = (name: string) => result.columns.findIndex((c) => c.name === name);
    expect(result.rows.map((r) => String(r[at("id")]).split("/").pop())).toEqual(["a", "b"]);
    expect(result.rows.map((r) => r[at("kubernetesVersion")])).toEqual(["1.31.2", "1.30.0"]);
    expect(result.rows.map((r) => r[at("enableRBAC")])).toEqual([null, false]);
    expect(result.rows[1]?.[at("addonProfiles")]).toEqual({ omsAgent: { enabled: true } });
  });

  it("keeps public IPs tagged for Services (current or legacy tag) and returns hostile tag values as data", () => {
    const rows = [
      ...HOSTILE_STRINGS.map((value, i) => ({
        id: `/p/${i}`,
        type: "microsoft.network/publicipaddresses",
        tags: { "k8s-azure-service": value },
        properties: {},
      })),
      {
        id: "/p/legacy",
        type: "microsoft.network/publicipaddresses",
        tags: { service: "web/storefront", "kubernetes-cluster-name": "kubernetes" },
        properties: { ipAddress: "20.1.2.3", ipConfiguration: { id: "/fe" } },
      },
      {
        id: "/p/outbound",
        type: "microsoft.network/publicipaddresses",
        tags: { "aks-managed-type": "x" },
        properties: {},
      },
      {
        id: "/p/empty",
        type: "microsoft.network/publicipaddresses",
        tags: { "k8s-azure-service": "" },
        properties: {},
      },
    ];
    const result = run(SERVICE_PUBLIC_IPS_QUERY, rows);
    const at = (name: string) => result.columns.findIndex((c) => c.name === name);
    const byId = new Map(result.rows.map((r) => [r[at("id")], r]));
    expect([...byId.keys()].sort()).toEqual([...HOSTILE_STRINGS.map((_, i) => `/p/${i}`), "/p/legacy"].sort());
    HOSTILE_STRINGS.forEach((value, i) => {
      expect(byId.get(`/p/${i}`)?.[at("serviceTag")]).toBe(value);
    });
    expect(byId.get("/p/legacy")?.slice(at("legacyServiceTag"))).toEqual([
      "web/storefront",
      "kubernetes",
      "20.1.2.3",
      "/fe",
    ]);
  });

  it("reads only the provider's two load balancers, whatever their casing", () => {
    const lb = (id: string, name: string) => ({ id, name, type: "Microsoft.Network/loadBalancers", properties: {} });
    const result = run(CLUSTER_LOAD_BALANCERS_QUERY, [
      lb("/lb/1", "kubernetes"),
      lb("/lb/2", "Kubernetes-Internal"),
      lb("/lb/3", "my-app-lb"),
    ]);
    expect(result.rows.map((r) => r[0])).toEqual(["/lb/1", "/lb/2"]);
  });
});
