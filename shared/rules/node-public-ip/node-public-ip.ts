import type { Rule } from "../../model/rule.js";
import { gpuEscalation, onCluster, whereOf } from "../support.js";
import { metadata } from "./metadata.js";

export const nodePublicIp: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters.map((cluster) => {
      const publicIps = cluster.nodePools.filter((p) => p.publicNodeIps).map((p) => p.name);
      const openAccess = cluster.nodePools.filter((p) => p.remoteAccess?.openToWorld === true).map((p) => p.name);
      const evidence = { poolsWithPublicIps: publicIps, poolsWithOpenRemoteAccess: openAccess };
      if (publicIps.length === 0 && openAccess.length === 0)
        return {
          ...onCluster(cluster),
          status: "pass",
          subject: "",
          detail: `No node pool of cluster ${cluster.name} in ${whereOf(cluster)} is reachable from the internet.`,
          evidence,
        };
      const escalation = gpuEscalation(metadata.severity, cluster);
      const parts = [
        publicIps.length > 0 ? `gives public IPs to the nodes of ${publicIps.join(", ")}` : "",
        openAccess.length > 0 ? `allows SSH from any address to ${openAccess.join(", ")}` : "",
      ].filter(Boolean);
      return {
        ...onCluster(cluster),
        status: "fail",
        subject: "",
        severity: escalation.severity,
        detail: `Cluster ${cluster.name} in ${whereOf(cluster)} ${parts.join(" and ")}.`,
        evidence: { ...evidence, ...escalation.evidence },
      };
    }),
};
