import { isEnabledAddon } from "../../model/cluster.js";
import { DATA_SOURCES } from "../../model/coverage.js";
import { isOpenToInternet } from "../../model/exposure.js";
import type { Rule, Verdict } from "../../model/rule.js";
import { compileMatcher, exposureEvidence, matchExposedServices } from "../service-match.js";
import { coveredFor, gpuEscalation, onCluster, unseen, whereOf } from "../support.js";
import dashboards from "./dashboards.json" with { type: "json" };
import { metadata } from "./metadata.js";

const dashboardMatcher = compileMatcher(dashboards);

export const k8sDashboardExposed: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters.flatMap((cluster): Verdict[] => {
      const escalation = gpuEscalation(metadata.severity, cluster);
      const verdicts: Verdict[] = [];
      if (isEnabledAddon(cluster, "kubeDashboard")) {
        verdicts.push({
          ...onCluster(cluster),
          status: "fail",
          subject: "addon",
          severity: escalation.severity,
          detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has the kube-dashboard add-on enabled.`,
          evidence: { addon: "kubeDashboard", enabled: true, ...escalation.evidence },
        });
      }
      for (const service of matchExposedServices(inventory, cluster, dashboardMatcher)) {
        const open = service.exposures.filter(isOpenToInternet);
        const name = `${service.namespace}/${service.name}`;
        const evidence = { service: name, matchedBy: service.matchedBy, ...exposureEvidence(service.exposures) };
        verdicts.push(
          open.length > 0
            ? {
                ...onCluster(cluster),
                status: "fail",
                subject: name,
                severity: escalation.severity,
                resourceId: open[0]?.resourceId ?? null,
                detail: `Dashboard Service ${name} on cluster ${cluster.name} in ${whereOf(cluster)} is reachable from any internet address at ${[...new Set(open.flatMap((e) => e.addresses))].join(", ") || "a public address"}.`,
                evidence: { ...evidence, ...escalation.evidence },
              }
            : {
                ...onCluster(cluster),
                status: "pass",
                subject: name,
                detail: `Dashboard Service ${name} on cluster ${cluster.name} in ${whereOf(cluster)} is not open to the internet.`,
                evidence,
              },
        );
      }
      if (verdicts.length > 0) return verdicts;
      if (!coveredFor(inventory, cluster, DATA_SOURCES.serviceExposure))
        return [unseen(cluster, "its public IPs and load balancers could not be read")];
      return [
        {
          ...onCluster(cluster),
          status: "pass",
          subject: "",
          detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has no dashboard add-on and no dashboard Service on a cloud address.`,
          evidence: {},
        },
      ];
    }),
};
