import { describe, expect, it } from "vitest";
import { ruleInventory } from "../../shared/bench/rule-inventory.js";
import { evaluateRules } from "../../shared/engine/evaluate.js";
import { type CoverageEntry, isCovered, isWithheld } from "../../shared/model/coverage.js";
import { sameResourceId } from "../../shared/model/inventory.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { onClusterOf } from "../../shared/rules/support.js";
import { cluster } from "../support/helpers.js";

const AZ = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/Prod";
const EKS = "arn:aws:eks:us-east-1:111111111111:cluster/Prod";

describe("the per-list indexes the rules read through", () => {
  it("finds exactly what a filter with sameResourceId finds: ARM IDs without case, EKS ARNs with case, in list order", () => {
    const items = [
      { clusterId: AZ.toLowerCase(), n: 1 },
      { clusterId: EKS, n: 2 },
      { clusterId: EKS.toLowerCase(), n: 3 },
      { clusterId: null, n: 4 },
      { clusterId: AZ, n: 5 },
    ];
    for (const c of [
      cluster({ id: AZ }),
      cluster({ cloud: "aws", id: EKS }),
      cluster({ cloud: "aws", id: EKS.toLowerCase() }),
    ])
      expect(onClusterOf(items, c)).toEqual(items.filter((i) => sameResourceId(c.cloud, i.clusterId, c.id)));
    expect(onClusterOf(items, cluster({ id: AZ })).map((i) => i.n)).toEqual([1, 5]);
    // A list that grew since it was indexed is indexed again.
    items.push({ clusterId: AZ.toUpperCase(), n: 6 });
    expect(onClusterOf(items, cluster({ id: AZ })).map((i) => i.n)).toEqual([1, 5, 6]);
  });

  it("answers coverage and gap lookups as a scan would, also after entries were added", () => {
    const coverage: CoverageEntry[] = [
      { cloud: "azure", scope: "ABC", region: null, clusterId: null, source: "clusters" },
      { cloud: "aws", scope: "111111111111", region: "us-east-1", clusterId: null, source: "clusters" },
    ];
    const place = { cloud: "azure", scope: "abc", region: "eastus", clusterId: AZ } as const;
    expect(isCovered(coverage, place, "clusters")).toBe(true);
    expect(isCovered(coverage, place, "service-exposure")).toBe(false);
    coverage.push({ cloud: "azure", scope: "abc", region: null, clusterId: null, source: "service-exposure" });
    expect(isCovered(coverage, place, "service-exposure")).toBe(true);
    expect(
      isCovered(coverage, { cloud: "aws", scope: "111111111111", region: "eu-west-1", clusterId: null }, "clusters"),
    ).toBe(false);
    const gaps = [
      { ...place, clusterId: null, clusterName: null, operation: "x", reason: "y", code: null, scope: "ABC" },
    ];
    expect(isWithheld(gaps, place, ["container-insights"])).toBe(true);
    expect(isWithheld(gaps, { ...place, scope: "other" }, ["container-insights"])).toBe(false);
  });

  it("keeps every verdict of a generated estate as the scans gave them (same findings, same order)", () => {
    const now = new Date("2026-12-01T10:05:00Z");
    const inventory = ruleInventory(400, now);
    const drafts = evaluateRules(ALL_RULES, inventory, { now, configs: new Map() }).drafts;
    // Recomputed per cluster with plain scans of the inventory: the indexes change nothing.
    const minerFindings = drafts.filter((d) => d.ruleId === "crypto-miner-workload" && d.status === "fail");
    const scanned = inventory.clusters.filter((c) =>
      inventory.minerEvidence.some((m) => sameResourceId(c.cloud, m.clusterId, c.id)),
    );
    expect(minerFindings.map((d) => d.clusterId)).toEqual(scanned.map((c) => c.id));
    const istioFails = drafts.filter((d) => d.ruleId === "istio-ingress-public" && d.status === "fail").length;
    expect(istioFails).toBe(
      inventory.exposures.filter((e) => e.serviceName === "istio-ingressgateway" && e.sourceRestriction === "open")
        .length,
    );
    expect(new Set(drafts.map((d) => d.fingerprint)).size).toBe(drafts.length);
  });
});
