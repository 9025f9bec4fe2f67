import type { ExposurePort, ServiceExposure, SourceRestriction } from "../../model/exposure.js";
import type { AksCluster } from "./aks-mapper.js";
import { asArray, asNumber, asRecord, asString, type JsonRecord } from "./json-fields.js";

/**
 * Pure: Service exposure as cloud-provider-azure builds it, from the rows of the three network
 * queries. A Service is exposed when a public IP tagged for it (`k8s-azure-service`, or the legacy
 * `service`) sits on a frontend of a load balancer in its cluster's node resource group. The
 * provider's `k8s-azure-lb_allow_*` NSG rules naming that address say who may connect. NSG rules
 * alone never make an exposure: the provider also writes an `Internet` allow rule to an internal
 * load balancer's private address, which no internet client can reach.
 */
export interface AksNetworkRows {
  readonly publicIps: readonly JsonRecord[];
  readonly loadBalancers: readonly JsonRecord[];
  readonly securityGroups: readonly JsonRecord[];
}

/** The provider's rules for `loadBalancerSourceRanges` (and the `Internet` default); `_deny-all_` ones add nothing. */
const PROVIDER_ALLOW_RULE = /^k8s-azure-lb_allow_/i;
/** Sources that mean any internet address. */
const OPEN_SOURCES = new Set(["*", "internet", "any", "0.0.0.0/0", "::/0"]);

const lower = (value: string | undefined): string => (value ?? "").toLowerCase();

interface ArmIdParts {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

/** Subscription and resource group of an ARM ID, lower-cased; null for anything else. */
function armIdParts(id: string): ArmIdParts | null {
  const match = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\//i.exec(id);
  return match ? { subscriptionId: lower(match[1]), resourceGroup: lower(match[2]) } : null;
}

/** `.../loadBalancers/<lb>/frontendIPConfigurations/<frontend>` → the load balancer's ID, lower-cased. */
function loadBalancerOfFrontend(frontendId: string): string | null {
  const match = /^(.*\/providers\/microsoft\.network\/loadbalancers\/[^/]+)\/frontendipconfigurations\/[^/]+$/i.exec(
    frontendId,
  );
  return match ? lower(match[1]) : null;
}

/** `ns/a, ns/b` → the Services it names; anything that is not namespace/name is not a Service. */
export function servicesOfTag(value: string | undefined): { namespace: string; name: string }[] {
  const out = new Map<string, { namespace: string; name: string }>();
  for (const entry of (value ?? "").split(",")) {
    const parts = entry.trim().split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) continue;
    out.set(`${parts[0]}/${parts[1]}`, { namespace: parts[0], name: parts[1] });
  }
  return [...out.values()];
}

interface AllowRule {
  readonly name: string;
  readonly securityGroup: string;
  readonly sources: readonly string[];
  readonly ports: readonly ExposurePort[];
}

const stringsOf = (single: unknown, many: unknown): string[] =>
  [asString(single), ...asArray(many).map(asString)].filter((s): s is string => s !== undefined);

/** `80`, `80-81`, `*` → ports (a range is kept as its first port; `*` says nothing about ports). */
function portsOf(protocol: string, ranges: readonly string[]): ExposurePort[] {
  return ranges.flatMap((range) => {
    const port = Number(range.split("-")[0]);
    return Number.isInteger(port) && port > 0 ? [{ protocol, port }] : [];
  });
}

/** Destination address → the provider's inbound allow rules naming it, across every NSG read. */
function indexAllowRules(securityGroups: readonly JsonRecord[]): Map<string, AllowRule[]> {
  const byAddress = new Map<string, AllowRule[]>();
  for (const group of securityGroups) {
    for (const value of asArray(group.securityRules)) {
      const rule = asRecord(value);
      const props = asRecord(rule?.properties) ?? {};
      const name = asString(rule?.name) ?? "";
      if (!PROVIDER_ALLOW_RULE.test(name)) continue;
      if (lower(asString(props.access)) !== "allow" || lower(asString(props.direction)) !== "inbound") continue;
      const protocol = (asString(props.protocol) ?? "*").toUpperCase();
      const allow: AllowRule = {
        name,
        securityGroup: asString(group.name) ?? "",
        sources: stringsOf(props.sourceAddressPrefix, props.sourceAddressPrefixes),
        ports: portsOf(protocol, stringsOf(props.destinationPortRange, props.destinationPortRanges)),
      };
      for (const address of stringsOf(props.destinationAddressPrefix, props.destinationAddressPrefixes)) {
        const key = lower(address);
        byAddress.set(key, [...(byAddress.get(key) ?? []), allow]);
      }
    }
  }
  return byAddress;
}

/** Frontend IP configuration ID → the ports of the load-balancing rules on it. */
function indexFrontendPorts(loadBalancers: readonly JsonRecord[]): Map<string, ExposurePort[]> {
  const byFrontend = new Map<string, ExposurePort[]>();
  for (const lb of loadBalancers) {
    for (const value of asArray(lb.loadBalancingRules)) {
      const props = asRecord(asRecord(value)?.properties) ?? {};
      const frontend = lower(asString(asRecord(props.frontendIPConfiguration)?.id));
      const port = asNumber(props.frontendPort);
      if (!frontend || port === undefined) continue;
      const protocol = (asString(props.protocol) ?? "TCP").toUpperCase();
      byFrontend.set(frontend, [...(byFrontend.get(frontend) ?? []), { protocol, port }]);
    }
  }
  return byFrontend;
}

const uniquePorts = (ports: readonly ExposurePort[]): ExposurePort[] =>
  [...new Map(ports.map((p) => [`${p.protocol}/${p.port}`, p])).values()].sort(
    (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol),
  );

function restrictionOf(rules: readonly AllowRule[]): { restriction: SourceRestriction; cidrs: string[] } {
  // No provider rule names the address: the NSG in front of it was not read here, so nothing can be told.
  if (rules.length === 0) return { restriction: "unknown", cidrs: [] };
  const sources = rules.flatMap((r) => r.sources);
  if (sources.length === 0 || sources.some((s) => OPEN_SOURCES.has(s.trim().toLowerCase())))
    return { restriction: "open", cidrs: [] };
  return { restriction: "restricted", cidrs: [...new Set(sources.map((s) => s.trim()))].sort() };
}

export function mapServiceExposures(clusters: readonly AksCluster[], rows: AksNetworkRows): ServiceExposure[] {
  const byNodeGroup = new Map<string, AksCluster>();
  const outbound = new Set<string>();
  for (const cluster of clusters) {
    const group = lower(cluster.record.nodeResourceGroup ?? undefined);
    if (group) byNodeGroup.set(`${lower(cluster.record.scope)}|${group}`, cluster);
    for (const id of cluster.outboundIpIds) outbound.add(lower(id));
  }
  const allowRules = indexAllowRules(rows.securityGroups);
  const frontendPorts = indexFrontendPorts(rows.loadBalancers);
  const exposures: ServiceExposure[] = [];

  for (const ip of rows.publicIps) {
    const id = asString(ip.id) ?? "";
    // The cluster's own outbound address is not a Service, even if someone tagged it.
    if (!id || outbound.has(lower(id))) continue;
    const current = servicesOfTag(asString(ip.serviceTag));
    const legacy = servicesOfTag(asString(ip.legacyServiceTag));
    const services = [...new Map([...current, ...legacy].map((s) => [`${s.namespace}/${s.name}`, s])).values()];
    if (services.length === 0) continue;
    // Only an address on a load balancer frontend serves a Service; one on a NIC, or on nothing, does not.
    const frontendId = asString(ip.ipConfigurationId) ?? "";
    const loadBalancerId = loadBalancerOfFrontend(frontendId);
    if (!loadBalancerId) continue;
    // The IP lives in the node resource group, or (azure-pip-name in another group) fronts a load balancer there.
    const own = armIdParts(id);
    const fronted = armIdParts(loadBalancerId);
    const cluster =
      (own && byNodeGroup.get(`${own.subscriptionId}|${own.resourceGroup}`)) ??
      (fronted && byNodeGroup.get(`${fronted.subscriptionId}|${fronted.resourceGroup}`));
    if (!cluster) continue;

    const address = asString(ip.ipAddress);
    const rules = address ? (allowRules.get(lower(address)) ?? []) : [];
    const { restriction, cidrs } = restrictionOf(rules);
    const ports = uniquePorts([...(frontendPorts.get(lower(frontendId)) ?? []), ...rules.flatMap((r) => r.ports)]);
    const names = services.map((s) => `${s.namespace}/${s.name}`);
    const tagNames = [
      ...(current.length > 0 ? ["k8s-azure-service"] : []),
      ...(legacy.length > 0 ? ["service (legacy)"] : []),
    ];
    for (const service of services) {
      const self = `${service.namespace}/${service.name}`;
      exposures.push({
        cloud: "azure",
        scope: cluster.record.scope,
        region: cluster.record.region || null,
        clusterId: cluster.record.id,
        namespace: service.namespace,
        serviceName: service.name,
        kind: "public-ip",
        owner: "cloud-provider-azure",
        internetFacing: true,
        addresses: address ? [address] : [],
        ports,
        sourceRestriction: restriction,
        sourceCidrs: cidrs,
        resourceId: id,
        evidence: {
          publicIp: asString(ip.name) ?? id,
          serviceTag: tagNames,
          loadBalancer: loadBalancerId.split("/").pop() ?? "",
          frontend: frontendId.split("/").pop() ?? "",
          nsgRules: rules.map((r) => r.name),
          securityGroups: [...new Set(rules.map((r) => r.securityGroup))],
          allowedSources: [...new Set(rules.flatMap((r) => r.sources))],
          ...(names.length > 1 ? { sharedWith: names.filter((n) => n !== self) } : {}),
          ...(rules.length === 0 ? { note: "no k8s-azure-lb_allow rule names this address" } : {}),
        },
      });
    }
  }
  return exposures;
}
