import { describe, expect, it } from "vitest";
import { mapClusterResource } from "../../shared/collectors/azure/aks-resource-mapper.js";
import { isEnabledAddon } from "../../shared/model/cluster.js";

const SUB = "4F8C2A1E-6B3D-4E7A-9C15-2D8E7F6A0B31";
const ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml`;

/** A row of MANAGED_CLUSTERS_QUERY: typed scalars, nested profiles in their REST shape. */
const row = (overrides: Record<string, unknown> = {}) => ({
  id: ID,
  name: "ml",
  subscriptionId: SUB,
  resourceGroup: "rg",
  location: "eastus",
  tags: { team: "ml", bad: 7 },
  kubernetesVersion: "1.31.2",
  powerState: "Running",
  fqdn: "ml-dns.hcp.eastus.azmk8s.io",
  privateFqdn: "",
  publicNetworkAccess: "Enabled",
  enableRBAC: true,
  disableLocalAccounts: null,
  nodeResourceGroup: "MC_rg_ml_eastus",
  apiServerAccessProfile: null,
  aadProfile: null,
  networkProfile: null,
  addonProfiles: null,
  agentPoolProfiles: null,
  ...overrides,
});

describe("mapClusterResource (Resource Graph / REST shape)", () => {
  it("maps the envelope and treats a cluster with no access profile as public and unrestricted", () => {
    const { record, outboundIpIds } = mapClusterResource(row());
    expect(record).toMatchObject({
      cloud: "azure",
      scope: SUB.toLowerCase(),
      region: "eastus",
      id: ID,
      name: "ml",
      kubernetesVersion: "1.31.2",
      powerState: "Running",
      rbacEnabled: true,
      // Unset: AKS keeps local accounts, the rule says so; the record says it was not reported.
      localAccountsEnabled: null,
      nodeResourceGroup: "MC_rg_ml_eastus",
      network: null,
      identityProfile: null,
      tags: { team: "ml" },
    });
    expect(record.apiServer).toEqual({
      publicEndpoint: true,
      allowedSourceCidrs: null,
      privateCluster: false,
      fqdn: "ml-dns.hcp.eastus.azmk8s.io",
      publicNetworkAccess: "Enabled",
    });
    expect(outboundIpIds).toEqual([]);
  });

  it("reads a private cluster, authorized ranges and disabled public network access", () => {
    const privateCluster = mapClusterResource(
      row({
        fqdn: "",
        privateFqdn: "ml.privatelink.eastus.azmk8s.io",
        apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: true },
      }),
    ).record.apiServer;
    expect(privateCluster).toMatchObject({
      publicEndpoint: false,
      privateCluster: true,
      fqdn: "ml.privatelink.eastus.azmk8s.io",
    });
    expect(mapClusterResource(row({ publicNetworkAccess: "Disabled" })).record.apiServer).toMatchObject({
      publicEndpoint: false,
      privateCluster: false,
      publicNetworkAccess: "Disabled",
    });
    expect(
      mapClusterResource(
        row({ apiServerAccessProfile: { authorizedIPRanges: [" 203.0.113.0/24 ", "", 7, "198.51.100.17/32"] } }),
      ).record.apiServer.allowedSourceCidrs,
    ).toEqual(["203.0.113.0/24", "198.51.100.17/32"]);
  });

  it("finds GPU pools by VM size family with GPUs per node, leaves NP (FPGA) sizes out, and reads node public IPs", () => {
    const { record } = mapClusterResource(
      row({
        agentPoolProfiles: [
          { name: "system", count: 3, vmSize: "Standard_D4s_v5", mode: "System" },
          {
            name: "a100",
            count: 4,
            vmSize: "Standard_NC24ads_A100_v4",
            enableAutoScaling: true,
            minCount: 0,
            maxCount: 8,
            scaleSetPriority: "Spot",
          },
          { name: "h100", count: "2", vmSize: "Standard_ND96isr_H100_v5" },
          { name: "fpga", count: 1, vmSize: "Standard_NP20s", enableNodePublicIP: true },
          { name: "labelled", count: 1, vmSize: "Standard_X9", nodeLabels: { accelerator: "nvidia" } },
        ],
      }),
    );
    expect(record.nodePools.map((p) => [p.name, p.gpu, p.gpusPerNode, p.nodeCount])).toEqual([
      ["system", false, null, 3],
      ["a100", true, 1, 4],
      // A count of the wrong type reads as unknown (0), never as a string.
      ["h100", true, 8, 0],
      ["fpga", false, null, 1],
      ["labelled", true, null, 1],
    ]);
    expect(record.nodePools[1]).toMatchObject({ minCount: 0, maxCount: 8, spot: true, publicNodeIps: false });
    expect(record.nodePools[3]?.publicNodeIps).toBe(true);
  });

  it("reads add-ons in any key casing, lower-cases the monitoring workspace, and sees kubeDashboard", () => {
    const workspace =
      "/subscriptions/X/resourceGroups/RG-Monitor/providers/Microsoft.OperationalInsights/workspaces/LAW";
    const { record } = mapClusterResource(
      row({
        addonProfiles: {
          omsAgent: { enabled: true, config: { LogAnalyticsWorkspaceResourceId: workspace } },
          KubeDashboard: { enabled: true },
          azurepolicy: { enabled: false, config: null },
        },
      }),
    );
    expect(record.logAnalyticsWorkspaceId).toBe(workspace.toLowerCase());
    expect(record.addons).toEqual([
      { name: "omsAgent", enabled: true, config: { LogAnalyticsWorkspaceResourceId: workspace } },
      { name: "KubeDashboard", enabled: true, config: {} },
      { name: "azurepolicy", enabled: false, config: {} },
    ]);
    expect(isEnabledAddon(record, "kubeDashboard")).toBe(true);
    const off = mapClusterResource(
      row({ addonProfiles: { omsagent: { enabled: false, config: { logAnalyticsWorkspaceResourceID: workspace } } } }),
    );
    expect(off.record.logAnalyticsWorkspaceId).toBeNull();
  });

  it("reads RBAC, Entra ID, local accounts, the network profile and the managed outbound IPs (REST names)", () => {
    const outbound =
      "/subscriptions/x/resourceGroups/MC_rg_ml_eastus/providers/Microsoft.Network/publicIPAddresses/out";
    const { record, outboundIpIds } = mapClusterResource(
      row({
        enableRBAC: false,
        disableLocalAccounts: true,
        aadProfile: { managed: true, enableAzureRBAC: true, enableAzureRbac: false },
        networkProfile: {
          networkPlugin: "azure",
          networkPolicy: "cilium",
          loadBalancerSku: "standard",
          outboundType: "loadBalancer",
          loadBalancerProfile: { effectiveOutboundIPs: [{ id: outbound }, { id: 3 }] },
        },
      }),
    );
    expect(record.rbacEnabled).toBe(false);
    expect(record.localAccountsEnabled).toBe(false);
    expect(record.identityProfile).toEqual({ aadManaged: true, azureRbac: true });
    expect(record.network).toEqual({
      loadBalancerSku: "standard",
      outboundType: "loadBalancer",
      networkPlugin: "azure",
      networkPolicy: "cilium",
    });
    expect(outboundIpIds).toEqual([outbound]);
    expect(mapClusterResource(row({ disableLocalAccounts: false })).record.localAccountsEnabled).toBe(true);
  });
});
