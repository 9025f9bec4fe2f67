import { DATA_SOURCES } from "../../model/coverage.js";
import type { Rule, Verdict } from "../../model/rule.js";
import { coveredFor, onCluster, onClusterOf, unseen, whereOf } from "../support.js";
import { metadata } from "./metadata.js";

/** Evidence lines kept in a finding; the rest are counted. */
const MAX_LINES = 20;

export const cryptoMinerWorkload: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters.flatMap((cluster): Verdict[] => {
      const evidence = onClusterOf(inventory.minerEvidence, cluster);
      if (evidence.length === 0) {
        if (coveredFor(inventory, cluster, DATA_SOURCES.containerInsights))
          return [
            {
              ...onCluster(cluster),
              status: "pass",
              subject: "",
              detail: `Container Insights shows no miner on cluster ${cluster.name} in ${whereOf(cluster)}.`,
              evidence: {},
            },
          ];
        // EKS has no Container Insights in this design: nothing to judge, and no alarm to raise.
        return cluster.cloud === "azure" ? [unseen(cluster, "no Container Insights data for it")] : [];
      }
      const kinds = [...new Set(evidence.map((e) => e.kind))];
      const pods = [...new Set(evidence.map((e) => `${e.namespace ?? "?"}/${e.pod ?? "?"}`))];
      return [
        {
          ...onCluster(cluster),
          status: "fail",
          subject: "",
          detail: `Miner evidence (${kinds.join(", ")}) on cluster ${cluster.name} in ${whereOf(cluster)}, in ${pods.slice(0, 3).join(", ")}${pods.length > 3 ? ` and ${pods.length - 3} more pod(s)` : ""}.`,
          evidence: {
            count: evidence.length,
            pods,
            lines: evidence.slice(0, MAX_LINES).map((e) => ({
              kind: e.kind,
              indicator: e.indicator,
              namespace: e.namespace,
              pod: e.pod,
              container: e.container,
              image: e.image,
              excerpt: e.excerpt,
              firstSeen: e.firstSeen,
            })),
            ...(evidence.length > MAX_LINES ? { more: evidence.length - MAX_LINES } : {}),
          },
        },
      ];
    }),
};
