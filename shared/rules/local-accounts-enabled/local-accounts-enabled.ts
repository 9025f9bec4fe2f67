import type { Rule } from "../../model/rule.js";
import { onCluster, whereOf } from "../support.js";
import { metadata } from "./metadata.js";

export const localAccountsEnabled: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.clusters
      .filter((c) => c.cloud === "azure")
      .map((cluster) => {
        // AKS keeps local accounts unless disableLocalAccounts is true; an unset field means enabled.
        const enabled = cluster.localAccountsEnabled !== false;
        const evidence = {
          disableLocalAccounts:
            cluster.localAccountsEnabled === null ? "not set (AKS default: local accounts enabled)" : !enabled,
          aadManaged: cluster.identityProfile?.aadManaged ?? null,
        };
        return enabled
          ? {
              ...onCluster(cluster),
              status: "fail" as const,
              subject: "",
              detail: `Cluster ${cluster.name} in ${whereOf(cluster)} still accepts static local admin credentials.`,
              evidence,
            }
          : {
              ...onCluster(cluster),
              status: "pass" as const,
              subject: "",
              detail: `Cluster ${cluster.name} in ${whereOf(cluster)} has local accounts disabled.`,
              evidence,
            };
      }),
};
