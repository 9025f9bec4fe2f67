import { DATA_SOURCES } from "../../model/coverage.js";
import type { Rule, Verdict } from "../../model/rule.js";
import { coveredFor, gpuEscalation, onCluster, onClusterOf, unseen, whereOf } from "../support.js";
import { metadata } from "./metadata.js";

/** Exposure × Kubeflow: the campaign's entry point. Reads the Istio verdicts and the Kubeflow and miner signals. */
export const kubeflowDashboardExposed: Rule = {
  metadata,
  evaluate: (inventory, context) => {
    const istio = context.verdictsOf("istio-ingress-public");
    return inventory.clusters.map((cluster): Verdict => {
      const openGateways = onClusterOf(istio, cluster).filter((v) => v.status === "fail");
      if (openGateways.length === 0)
        return {
          ...onCluster(cluster),
          status: "pass",
          subject: "",
          detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has no publicly exposed Istio gateway in front of Kubeflow.`,
          evidence: {},
        };
      const gateways = openGateways.map((v) => v.subject);
      const kubeflow = onClusterOf(inventory.kubeflow, cluster)[0];
      if (!kubeflow) {
        if (cluster.cloud === "azure" && !coveredFor(inventory, cluster, DATA_SOURCES.containerInsights))
          return unseen(
            cluster,
            `Istio gateway ${gateways.join(", ")} is public, but no Container Insights data says whether Kubeflow runs behind it`,
            metadata.severity,
          );
        if (cluster.cloud === "aws")
          return unseen(
            cluster,
            `Istio gateway ${gateways.join(", ")} is public, and EKS has no telemetry here that says whether Kubeflow runs behind it`,
            metadata.severity,
          );
        return {
          ...onCluster(cluster),
          status: "pass",
          subject: "",
          detail: `Cluster ${cluster.name} in ${whereOf(cluster)} exposes Istio gateway ${gateways.join(", ")}, but no Kubeflow runs behind it.`,
          evidence: { gateways },
        };
      }
      const miners = onClusterOf(inventory.minerEvidence, cluster);
      const escalation = gpuEscalation(metadata.severity, cluster);
      const severity = miners.length > 0 ? "critical" : escalation.severity;
      const address = openGateways.flatMap((v) => {
        const addresses = v.evidence.addresses;
        return Array.isArray(addresses) ? addresses.map(String) : [];
      });
      return {
        ...onCluster(cluster),
        status: "fail",
        subject: "",
        severity,
        resourceId: openGateways[0]?.resourceId ?? null,
        detail: `Kubeflow (${kubeflow.components.join(", ") || "control plane"}) on cluster ${cluster.name} in ${whereOf(cluster)} is reachable from the internet through Istio gateway ${gateways.join(", ")}${address.length > 0 ? ` at ${[...new Set(address)].join(", ")}` : ""}${miners.length > 0 ? `, and miner evidence was found (${miners.length})` : ""}.`,
        evidence: {
          gateways,
          addresses: [...new Set(address)],
          kubeflowNamespaces: [...kubeflow.namespaces],
          kubeflowComponents: [...kubeflow.components],
          minerEvidence: miners.length,
          ...(miners.length > 0 ? { escalated: "critical: miner evidence on the same cluster" } : escalation.evidence),
        },
      };
    });
  },
};
