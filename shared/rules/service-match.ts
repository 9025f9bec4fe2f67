import type { ClusterRecord } from "../model/cluster.js";
import type { ServiceExposure } from "../model/exposure.js";
import type { Inventory, KubeService } from "../model/inventory.js";
import { onClusterOf } from "./support.js";

/** How a kind of Service is recognised (an Istio gateway, a dashboard), from a data file. */
export interface ServiceMatcher {
  readonly names: readonly string[];
  readonly namePatterns?: readonly string[];
  readonly selectors?: readonly { readonly key: string; readonly value: string }[];
  /** A selector key whose value matches a pattern (revisioned gateways: istio=ingressgateway-1-22). */
  readonly selectorValuePatterns?: readonly { readonly key: string; readonly pattern: string }[];
  readonly selectorKeyPatterns?: readonly string[];
}

export interface CompiledMatcher {
  /** Why this Service matches (`name …` or `selector k=v`), or null. */
  match(namespace: string, name: string, service: KubeService | undefined): string | null;
}

export function compileMatcher(data: ServiceMatcher): CompiledMatcher {
  const names = new Set(data.names.map((n) => n.toLowerCase()));
  const patterns = (data.namePatterns ?? []).map((p) => new RegExp(p, "i"));
  const keyPatterns = (data.selectorKeyPatterns ?? []).map((p) => new RegExp(p));
  const valuePatterns = (data.selectorValuePatterns ?? []).map((p) => ({ key: p.key, pattern: new RegExp(p.pattern) }));
  return {
    match(namespace, name, service) {
      if (names.has(`${namespace}/${name}`.toLowerCase())) return `name ${namespace}/${name}`;
      if (patterns.some((p) => p.test(name))) return `name ${name}`;
      for (const [key, value] of Object.entries(service?.selector ?? {})) {
        if ((data.selectors ?? []).some((s) => s.key === key && s.value === value)) return `selector ${key}=${value}`;
        if (valuePatterns.some((p) => p.key === key && p.pattern.test(value))) return `selector ${key}=${value}`;
        if (keyPatterns.some((p) => p.test(key))) return `selector ${key}=${value}`;
      }
      return null;
    },
  };
}

export interface MatchedService {
  readonly namespace: string;
  readonly name: string;
  readonly matchedBy: string;
  readonly exposures: readonly ServiceExposure[];
}

/** The cluster's exposed Services of one kind, each with every cloud-side address in front of it. */
export function matchExposedServices(
  inventory: Inventory,
  cluster: ClusterRecord,
  matcher: CompiledMatcher,
): MatchedService[] {
  const services = new Map<string, KubeService>(
    onClusterOf(inventory.services, cluster).map((s) => [`${s.namespace}/${s.name}`, s]),
  );
  const groups = new Map<
    string,
    { namespace: string; name: string; matchedBy: string; exposures: ServiceExposure[] }
  >();
  for (const exposure of onClusterOf(inventory.exposures, cluster)) {
    const key = `${exposure.namespace}/${exposure.serviceName}`;
    const matchedBy = matcher.match(exposure.namespace, exposure.serviceName, services.get(key));
    if (!matchedBy) continue;
    const group = groups.get(key) ?? {
      namespace: exposure.namespace,
      name: exposure.serviceName,
      matchedBy,
      exposures: [],
    };
    group.exposures.push(exposure);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** The facts of a Service's exposures, as evidence. */
export function exposureEvidence(exposures: readonly ServiceExposure[]) {
  return {
    addresses: [...new Set(exposures.flatMap((e) => e.addresses))],
    ports: [...new Set(exposures.flatMap((e) => e.ports.map((p) => `${p.protocol}/${p.port}`)))],
    sourceRestriction: exposures.some((e) => e.sourceRestriction === "open")
      ? "open"
      : exposures.some((e) => e.sourceRestriction === "unknown")
        ? "unknown"
        : "restricted",
    sourceCidrs: [...new Set(exposures.flatMap((e) => e.sourceCidrs))],
    internetFacing: exposures.some((e) => e.internetFacing),
    resources: exposures.map((e) => e.resourceId),
    loadBalancerOwner: [...new Set(exposures.map((e) => e.owner))],
    cloudEvidence: exposures.map((e) => e.evidence),
  };
}
