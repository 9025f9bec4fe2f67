import type { Rule } from "../../model/rule.js";
import { onCluster, whereOf } from "../support.js";
import { metadata } from "./metadata.js";

export const rbacDisabled: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters.map((cluster) =>
      cluster.rbacEnabled === false
        ? {
            ...onCluster(cluster),
            status: "fail" as const,
            subject: "",
            detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has Kubernetes RBAC turned off.`,
            evidence: { enableRBAC: false },
          }
        : {
            ...onCluster(cluster),
            status: "pass" as const,
            subject: "",
            // EKS always enforces RBAC; AKS reports enableRBAC, and enables it by default when unset.
            detail: `Cluster ${cluster.name} in ${whereOf(cluster)} enforces Kubernetes RBAC.`,
            evidence: { enableRBAC: cluster.rbacEnabled ?? "not reported (enabled by default)" },
          },
    ),
};
