import type { ClusterRecord } from "../../model/inventory.js";
import type { Rule, Verdict } from "../../model/rule.js";
import { gpuEscalation } from "../support.js";
import { metadata } from "./metadata.js";

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

function verdictFor(cluster: ClusterRecord): Verdict {
  const { apiServer } = cluster;
  const where = `${cluster.cloud === "azure" ? "subscription" : "account"} ${cluster.scope}`;
  const base = {
    cloud: cluster.cloud,
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
    subject: "",
  } as const;
  const evidence = {
    publicEndpoint: apiServer.publicEndpoint,
    privateCluster: apiServer.privateCluster,
    allowedSourceCidrs: apiServer.allowedSourceCidrs === null ? null : [...apiServer.allowedSourceCidrs],
    fqdn: apiServer.fqdn,
    publicNetworkAccess: apiServer.publicNetworkAccess ?? null,
  };
  if (!apiServer.publicEndpoint) {
    return {
      ...base,
      status: "pass",
      evidence,
      detail: `Cluster ${cluster.name} in ${where} has no public API endpoint.`,
    };
  }
  const open =
    apiServer.allowedSourceCidrs === null || apiServer.allowedSourceCidrs.some((c) => OPEN_CIDRS.has(c.trim()));
  if (open) {
    const escalation = gpuEscalation(metadata.severity, cluster);
    return {
      ...base,
      status: "fail",
      severity: escalation.severity,
      evidence: { ...evidence, ...escalation.evidence },
      detail: `Cluster ${cluster.name} in ${where} exposes its API server to any internet address.`,
    };
  }
  return {
    ...base,
    status: "pass",
    evidence,
    detail: `Cluster ${cluster.name} in ${where} restricts its public API server to ${apiServer.allowedSourceCidrs?.length ?? 0} CIDR range(s).`,
  };
}

export const apiServerPublic: Rule = {
  metadata,
  evaluate: (inventory) => inventory.clusters.map(verdictFor),
};
