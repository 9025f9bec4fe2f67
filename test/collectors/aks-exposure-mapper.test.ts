import { describe, expect, it } from "vitest";
import {
  type AksNetworkRows,
  mapServiceExposures,
  servicesOfTag,
} from "../../shared/collectors/azure/aks-exposure-mapper.js";
import type { AksCluster } from "../../shared/collectors/azure/aks-mapper.js";
import { isOpenToInternet } from "../../shared/model/exposure.js";
import { cluster, HOSTILE_STRINGS } from "../support/helpers.js";

const SUB = "11111111-1111-1111-1111-111111111111";
const NODE_RG = "MC_rg_c1_eastus";
const net = (kind: string, name: string, group = NODE_RG, lower = false) =>
  `/subscriptions/${SUB}/${lower ? "resourcegroups" : "resourceGroups"}/${group}/providers/Microsoft.Network/${kind}/${name}`;
const frontend = (lb: string, name: string, group = NODE_RG) =>
  `${net("loadBalancers", lb, group)}/frontendIPConfigurations/${name}`;
const OUTBOUND = net("publicIPAddresses", "0f1e2d3c-outbound");

const aks = (overrides: Partial<AksCluster["record"]> = {}): AksCluster => ({
  record: cluster({ nodeResourceGroup: NODE_RG, ...overrides }),
  outboundIpIds: [OUTBOUND],
});

/** A row of SERVICE_PUBLIC_IPS_QUERY. */
const ip = (name: string, address: string, fields: Record<string, unknown> = {}) => ({
  id: net("publicIPAddresses", name),
  name,
  subscriptionId: SUB,
  resourceGroup: NODE_RG.toLowerCase(),
  location: "eastus",
  serviceTag: "",
  legacyServiceTag: "",
  clusterNameTag: "kubernetes",
  ipAddress: address,
  ipConfigurationId: frontend("kubernetes", `fe-${name}`),
  ...fields,
});

/** A provider allow rule (as in the NSG's securityRules). */
const allow = (name: string, sources: string[], destinations: string[], ports: string[], extra = {}) => ({
  name: `k8s-azure-lb_allow_IPv4_${name}`,
  properties: {
    protocol: "Tcp",
    access: "Allow",
    direction: "Inbound",
    priority: 500,
    ...(sources.length === 1 ? { sourceAddressPrefix: sources[0] } : { sourceAddressPrefixes: sources }),
    destinationAddressPrefixes: destinations,
    ...(ports.length === 1 ? { destinationPortRange: ports[0] } : { destinationPortRanges: ports }),
    ...extra,
  },
});

const nsg = (rules: unknown[], name = "aks-agentpool-1-nsg") => ({
  id: net("networkSecurityGroups", name, NODE_RG, true),
  name,
  subscriptionId: SUB,
  resourceGroup: NODE_RG.toLowerCase(),
  securityRules: rules,
});

const lbRule = (lb: string, fe: string, protocol: string, port: number) => ({
  name: `${fe}-${protocol}-${port}`,
  properties: {
    frontendIPConfiguration: { id: frontend(lb, fe) },
    protocol,
    frontendPort: port,
    backendPort: 30000 + port,
  },
});

const rows = (partial: Partial<AksNetworkRows>): AksNetworkRows => ({
  publicIps: [],
  loadBalancers: [],
  securityGroups: [],
  ...partial,
});

describe("Service exposure as cloud-provider-azure builds it", () => {
  it("maps a tagged public IP on the kubernetes LB, open to Internet, with ports from the LB rules and the NSG rule as evidence", () => {
    const [exposure, ...more] = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [ip("kubernetes-a1", "20.1.2.3", { serviceTag: "istio-system/istio-ingressgateway" })],
        loadBalancers: [
          {
            id: net("loadBalancers", "kubernetes"),
            name: "kubernetes",
            loadBalancingRules: [
              lbRule("kubernetes", "fe-kubernetes-a1", "Tcp", 443),
              lbRule("kubernetes", "fe-kubernetes-a1", "Tcp", 80),
            ],
          },
        ],
        securityGroups: [nsg([allow("aaa", ["Internet"], ["20.1.2.3"], ["80", "443"])])],
      }),
    );
    expect(more).toEqual([]);
    expect(exposure).toMatchObject({
      cloud: "azure",
      scope: SUB,
      clusterId: cluster().id,
      namespace: "istio-system",
      serviceName: "istio-ingressgateway",
      kind: "public-ip",
      owner: "cloud-provider-azure",
      internetFacing: true,
      addresses: ["20.1.2.3"],
      ports: [
        { protocol: "TCP", port: 80 },
        { protocol: "TCP", port: 443 },
      ],
      sourceRestriction: "open",
      sourceCidrs: [],
      resourceId: net("publicIPAddresses", "kubernetes-a1"),
      evidence: {
        nsgRules: ["k8s-azure-lb_allow_IPv4_aaa"],
        securityGroups: ["aks-agentpool-1-nsg"],
        allowedSources: ["Internet"],
        loadBalancer: "kubernetes",
      },
    });
  });

  it.each([
    [["Internet"], "open", []],
    [["0.0.0.0/0"], "open", []],
    [["*"], "open", []],
    [["203.0.113.0/24", "198.51.100.7/32"], "restricted", ["198.51.100.7/32", "203.0.113.0/24"]],
    [["AzureFrontDoor.Backend"], "restricted", ["AzureFrontDoor.Backend"]],
  ])("source %j means %s", (sources, restriction, cidrs) => {
    const [exposure] = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [ip("p", "20.1.2.3", { serviceTag: "web/shop" })],
        securityGroups: [nsg([allow("r", sources, ["20.1.2.3"], ["443"])])],
      }),
    );
    expect(exposure).toMatchObject({ sourceRestriction: restriction, sourceCidrs: cidrs });
  });

  it("is open when any of the address's allow rules is open, and reads ports from the NSG when no LB rule has them", () => {
    const [exposure] = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [ip("p", "20.1.2.3", { serviceTag: "web/shop" })],
        securityGroups: [
          nsg([
            allow("a", ["203.0.113.0/24"], ["20.1.2.3"], ["443"]),
            allow("b", ["Internet"], ["20.1.2.3", "20.9.9.9"], ["8080-8081"]),
            // Deny rules and rules of other names do not widen or narrow anything.
            allow("c", ["Internet"], ["20.1.2.3"], ["22"], { access: "Deny" }),
            {
              name: "custom-allow-ssh",
              properties: {
                access: "Allow",
                direction: "Inbound",
                sourceAddressPrefix: "*",
                destinationAddressPrefix: "20.1.2.3",
              },
            },
          ]),
        ],
      }),
    );
    expect(exposure?.sourceRestriction).toBe("open");
    expect(exposure?.evidence.nsgRules).toEqual(["k8s-azure-lb_allow_IPv4_a", "k8s-azure-lb_allow_IPv4_b"]);
    expect(exposure?.ports).toEqual([
      { protocol: "TCP", port: 443 },
      { protocol: "TCP", port: 8080 },
    ]);
  });

  it("says unknown, never restricted, when no provider rule names the address", () => {
    const [exposure] = mapServiceExposures(
      [aks()],
      rows({ publicIps: [ip("p", "20.1.2.3", { serviceTag: "web/shop" })] }),
    );
    expect(exposure).toMatchObject({ sourceRestriction: "unknown", evidence: { nsgRules: [] } });
    expect(exposure && isOpenToInternet(exposure)).toBe(true);
  });

  it("makes one exposure per Service when one IP is shared by several", () => {
    const exposures = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [
          ip("shared", "20.1.2.3", {
            serviceTag: "ingress-nginx/ingress-nginx-controller, ingress-nginx/ingress-nginx-controller-udp,,bad,a/b/c",
          }),
        ],
        securityGroups: [nsg([allow("a", ["Internet"], ["20.1.2.3"], ["80", "443"])])],
      }),
    );
    expect(exposures.map((e) => `${e.namespace}/${e.serviceName}`)).toEqual([
      "ingress-nginx/ingress-nginx-controller",
      "ingress-nginx/ingress-nginx-controller-udp",
    ]);
    expect(exposures.map((e) => e.evidence.sharedWith)).toEqual([
      ["ingress-nginx/ingress-nginx-controller-udp"],
      ["ingress-nginx/ingress-nginx-controller"],
    ]);
    expect(new Set(exposures.map((e) => e.resourceId)).size).toBe(1);
  });

  it("reads the legacy service and kubernetes-cluster-name tags, and unions both tags", () => {
    const exposures = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [
          ip("old", "20.1.2.4", { legacyServiceTag: "web/storefront" }),
          ip("both", "20.1.2.5", { serviceTag: "a/one", legacyServiceTag: "a/one,a/two" }),
        ],
      }),
    );
    expect(exposures.map((e) => [`${e.namespace}/${e.serviceName}`, e.evidence.serviceTag])).toEqual([
      ["web/storefront", ["service (legacy)"]],
      ["a/one", ["k8s-azure-service", "service (legacy)"]],
      ["a/two", ["k8s-azure-service", "service (legacy)"]],
    ]);
  });

  it("never makes an internal load balancer public, though the provider writes an Internet allow rule to its private IP", () => {
    const exposures = mapServiceExposures(
      [aks()],
      rows({
        loadBalancers: [
          {
            id: net("loadBalancers", "kubernetes-internal"),
            name: "kubernetes-internal",
            frontendIPConfigurations: [
              { id: frontend("kubernetes-internal", "a7c3"), properties: { privateIPAddress: "10.224.0.50" } },
            ],
            loadBalancingRules: [lbRule("kubernetes-internal", "a7c3", "Tcp", 443)],
          },
        ],
        securityGroups: [nsg([allow("ilb", ["Internet"], ["10.224.0.50"], ["80", "443"])])],
      }),
    );
    expect(exposures).toEqual([]);
  });

  it("leaves out the managed outbound IP, even on the kubernetes LB and even if tagged", () => {
    const outbound = {
      ...ip("0f1e2d3c-outbound", "20.1.9.9", { serviceTag: "istio-system/istio-ingressgateway" }),
      id: OUTBOUND,
    };
    const exposures = mapServiceExposures(
      [aks()],
      rows({ publicIps: [outbound], securityGroups: [nsg([allow("x", ["Internet"], ["20.1.9.9"], ["443"])])] }),
    );
    expect(exposures).toEqual([]);
  });

  it("maps an IP in another resource group through its frontend on the cluster's LB, case-insensitively", () => {
    const elsewhere = {
      ...ip("pip-custom", "20.1.2.6", { serviceTag: "web/api" }),
      id: net("publicIPAddresses", "pip-custom", "rg-static-ips"),
      resourceGroup: "rg-static-ips",
      ipConfigurationId: frontend("kubernetes", "a123", NODE_RG.toLowerCase()).replace(
        "resourceGroups",
        "resourcegroups",
      ),
    };
    const [exposure] = mapServiceExposures(
      [aks({ nodeResourceGroup: NODE_RG.toUpperCase() })],
      rows({ publicIps: [elsewhere] }),
    );
    expect(exposure).toMatchObject({ serviceName: "api", clusterId: cluster().id, evidence: { frontend: "a123" } });
  });

  it("ignores IPs on a NIC, unattached IPs, and IPs of clusters it does not know", () => {
    const exposures = mapServiceExposures(
      [aks()],
      rows({
        publicIps: [
          ip("nic", "20.1.2.7", {
            serviceTag: "web/vm",
            ipConfigurationId: `${net("networkInterfaces", "vm-nic")}/ipConfigurations/ipconfig1`,
          }),
          ip("loose", "20.1.2.8", { serviceTag: "web/loose", ipConfigurationId: "" }),
          {
            ...ip("other", "20.1.2.9", { serviceTag: "web/other" }),
            id: net("publicIPAddresses", "other", "MC_rg_c2_eastus"),
            ipConfigurationId: frontend("kubernetes", "f", "MC_rg_c2_eastus"),
          },
        ],
      }),
    );
    expect(exposures).toEqual([]);
  });

  it("keeps hostile tag values as data", () => {
    const hostile = HOSTILE_STRINGS.map((s) => `${s.replace(/[,/]/g, "")}`);
    const exposures = mapServiceExposures(
      [aks()],
      rows({ publicIps: hostile.map((s, i) => ip(`p${i}`, `20.1.3.${i}`, { serviceTag: `${s}/${s}` })) }),
    );
    expect(exposures.map((e) => e.namespace)).toEqual(hostile);
    expect(exposures.map((e) => e.serviceName)).toEqual(hostile);
    expect(servicesOfTag("a/b/c,/x,y/,ok/fine")).toEqual([{ namespace: "ok", name: "fine" }]);
  });
});
