import { DATA_SOURCES } from "../../model/coverage.js";
import type { Rule } from "../../model/rule.js";
import { metadata } from "./metadata.js";

const scopeName = (cloud: "azure" | "aws", scope: string): string => {
  if (cloud === "azure") return scope === "tenant" ? "the tenant" : `subscription ${scope}`;
  return scope === "ambient" ? "the account of the ambient AWS credentials" : `account ${scope}`;
};

/** Every collection gap becomes an `unknown` finding, so missing coverage is visible and alertable. */
export const auditBlindSpot: Rule = {
  metadata,
  evaluate: (inventory) =>
    inventory.gaps.map((gap) => {
      const target = gap.clusterName ? `cluster ${gap.clusterName} in ` : "";
      const place = gap.region ? ` (${gap.region})` : "";
      const source = gap.source ?? DATA_SOURCES.clusters;
      return {
        status: "unknown",
        cloud: gap.cloud,
        scope: gap.scope,
        region: gap.region,
        clusterId: gap.clusterId,
        clusterName: gap.clusterName,
        subject: `${gap.operation}|${gap.region ?? ""}`,
        detail: `Could not ${gap.operation.replace(/-/g, " ")} for ${target}${scopeName(gap.cloud, gap.scope)}${place}: ${gap.reason}`,
        evidence: { operation: gap.operation, reason: gap.reason, code: gap.code, source },
        ...(gap.severity ? { severity: gap.severity } : {}),
        // It resolves once that source is seen again in this place, and a wider gap keeps it open.
        sources: [source],
      };
    }),
};
