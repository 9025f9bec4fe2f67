import { DATA_SOURCES } from "../../model/coverage.js";
import { isOpenToInternet } from "../../model/exposure.js";
import type { Rule, Verdict } from "../../model/rule.js";
import { compileMatcher, exposureEvidence, matchExposedServices } from "../service-match.js";
import { coveredFor, gpuEscalation, onCluster, unseen, whereOf } from "../support.js";
import gateways from "./istio-gateways.json" with { type: "json" };
import { metadata } from "./metadata.js";

export const istioGatewayMatcher = compileMatcher(gateways);

/** One verdict per Istio gateway Service with a cloud-side address, or one per cluster when there is none. */
export const istioIngressPublic: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters.flatMap((cluster): Verdict[] => {
      const found = matchExposedServices(inventory, cluster, istioGatewayMatcher);
      if (found.length === 0) {
        if (!coveredFor(inventory, cluster, DATA_SOURCES.serviceExposure))
          return [unseen(cluster, "its public IPs and load balancers could not be read")];
        return [
          {
            ...onCluster(cluster),
            status: "pass",
            subject: "",
            detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has no Istio ingress gateway behind a cloud address.`,
            evidence: {},
          },
        ];
      }
      return found.map((gateway): Verdict => {
        const evidence = {
          service: `${gateway.namespace}/${gateway.name}`,
          matchedBy: gateway.matchedBy,
          ...exposureEvidence(gateway.exposures),
        };
        const open = gateway.exposures.filter(isOpenToInternet);
        const resourceId = (open[0] ?? gateway.exposures[0])?.resourceId ?? null;
        const base = { ...onCluster(cluster), subject: `${gateway.namespace}/${gateway.name}`, resourceId };
        if (open.length === 0) {
          const why = gateway.exposures.some((e) => e.internetFacing) ? "restricts its sources" : "is internal";
          return {
            ...base,
            status: "pass",
            detail: `Istio ingress gateway ${gateway.namespace}/${gateway.name} on cluster ${cluster.name} in ${whereOf(cluster)} ${why}.`,
            evidence,
          };
        }
        const escalation = gpuEscalation(metadata.severity, cluster);
        const where = [...new Set(open.flatMap((e) => e.addresses))].join(", ") || "a public address";
        // Why the sources are unknown differs by cloud: an NLB without security groups, or no NSG rule read on AKS.
        const unknown = open.filter((e) => e.sourceRestriction === "unknown");
        const caveat =
          unknown.length === 0
            ? ""
            : unknown.some((e) => e.owner === "cloud-provider-azure")
              ? " (no NSG rule of the cloud provider names that address, so who may connect cannot be told)"
              : " (the load balancer has no security group, so its sources cannot be restricted there)";
        return {
          ...base,
          status: "fail",
          severity: escalation.severity,
          detail: `Istio ingress gateway ${gateway.namespace}/${gateway.name} on cluster ${cluster.name} in ${whereOf(cluster)} is reachable from any internet address at ${where}${caveat}.`,
          evidence: { ...evidence, ...escalation.evidence },
        };
      });
    }),
};
