import type { ManagedCluster } from "@azure/arm-containerservice";
import { describe, expect, it } from "vitest";
import { mapManagedCluster } from "../../shared/collectors/azure/aks-mapper.js";
import { azureGpusPerNode, isAzureGpuVmSize } from "../../shared/collectors/azure/gpu-vm-sizes.js";
import { isEnabledAddon } from "../../shared/model/cluster.js";

const SUB = "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31";
const base: ManagedCluster = {
  id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/ml`,
  name: "ml",
  location: "eastus",
};

describe("mapManagedCluster", () => {
  it("treats a cluster with no access profile as public and unrestricted", () => {
    const r = mapManagedCluster(base, SUB);
    expect(r.apiServer).toEqual({
      publicEndpoint: true,
      allowedSourceCidrs: null,
      privateCluster: false,
      fqdn: null,
      publicNetworkAccess: null,
    });
    expect(r.scope).toBe(SUB);
    expect(r.region).toBe("eastus");
  });

  it("reads private clusters, disabled public access and authorized ranges", () => {
    expect(
      mapManagedCluster({ ...base, apiServerAccessProfile: { enablePrivateCluster: true } }, SUB).apiServer
        .publicEndpoint,
    ).toBe(false);
    expect(mapManagedCluster({ ...base, publicNetworkAccess: "Disabled" }, SUB).apiServer.publicEndpoint).toBe(false);
    const ranged = mapManagedCluster(
      { ...base, apiServerAccessProfile: { authorizedIPRanges: [" 203.0.113.0/24 ", ""] } },
      SUB,
    );
    expect(ranged.apiServer.allowedSourceCidrs).toEqual(["203.0.113.0/24"]);
  });

  it("finds GPU pools by VM size or accelerator label, with GPU counts", () => {
    const r = mapManagedCluster(
      {
        ...base,
        agentPoolProfiles: [
          { name: "sys", vmSize: "Standard_D4s_v5", count: 3 },
          {
            name: "a100",
            vmSize: "Standard_NC24ads_A100_v4",
            count: 4,
            enableAutoScaling: true,
            minCount: 0,
            maxCount: 8,
          },
          {
            name: "custom",
            vmSize: "Standard_X1",
            count: 1,
            nodeLabels: { "kubernetes.azure.com/accelerator": "nvidia" },
          },
          { name: "fpga", vmSize: "Standard_NP10s", count: 1, enableNodePublicIP: true },
        ],
      },
      SUB,
    );
    expect(r.nodePools.map((p) => [p.name, p.gpu, p.gpusPerNode])).toEqual([
      ["sys", false, null],
      ["a100", true, 1],
      ["custom", true, null],
      ["fpga", false, null],
    ]);
    expect(r.nodePools[1]).toMatchObject({ nodeCount: 4, minCount: 0, maxCount: 8 });
    expect(r.nodePools[3]?.publicNodeIps).toBe(true);
  });

  it("reads add-ons whatever their key casing, and the monitoring workspace", () => {
    const r = mapManagedCluster(
      {
        ...base,
        addonProfiles: {
          omsAgent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: "/subscriptions/x/workspaces/law" } },
          KubeDashboard: { enabled: true },
        },
        enableRbac: false,
        disableLocalAccounts: false,
      },
      SUB,
    );
    // Workspace IDs compare without case: the mapper lower-cases them.
    expect(r.logAnalyticsWorkspaceId).toBe("/subscriptions/x/workspaces/law");
    expect(r.addons).toEqual([
      {
        name: "omsAgent",
        enabled: true,
        config: { logAnalyticsWorkspaceResourceID: "/subscriptions/x/workspaces/law" },
      },
      { name: "KubeDashboard", enabled: true, config: {} },
    ]);
    expect(isEnabledAddon(r, "kubeDashboard")).toBe(true);
    expect(r.rbacEnabled).toBe(false);
    expect(r.localAccountsEnabled).toBe(true);
  });
});

describe("GPU VM sizes", () => {
  it("knows the N-series and leaves FPGA sizes out", () => {
    expect(azureGpusPerNode("Standard_ND96isr_H100_v5")).toBe(8);
    expect(isAzureGpuVmSize("standard_nc4as_t4_v3")).toBe(true);
    expect(isAzureGpuVmSize("Standard_NP20s")).toBe(false);
    expect(isAzureGpuVmSize("Standard_D8s_v5")).toBe(false);
  });
});
