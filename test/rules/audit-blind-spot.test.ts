import { describe, expect, it } from "vitest";
import type { CollectionGap } from "../../shared/model/inventory.js";
import { auditBlindSpot } from "../../shared/rules/audit-blind-spot/audit-blind-spot.js";
import { inventoryOf, ruleContext } from "../support/helpers.js";

const gap = (overrides: Partial<CollectionGap>): CollectionGap => ({
  cloud: "azure",
  scope: "sub-1",
  region: null,
  clusterId: null,
  clusterName: null,
  operation: "list-managed-clusters",
  reason: "access denied (AuthorizationFailed, HTTP 403)",
  code: "AuthorizationFailed",
  ...overrides,
});

const verdictsFor = (gaps: CollectionGap[]) => auditBlindSpot.evaluate(inventoryOf([], { gaps }), ruleContext());

describe("audit-blind-spot", () => {
  it("reports every gap as unknown, naming the scope and the reason", () => {
    const [v] = verdictsFor([gap({})]);
    expect(v).toMatchObject({ status: "unknown", cloud: "azure", scope: "sub-1", clusterId: null });
    expect(v?.detail).toBe(
      "Could not list managed clusters for subscription sub-1: access denied (AuthorizationFailed, HTTP 403)",
    );
    expect(v?.evidence).toEqual({
      operation: "list-managed-clusters",
      reason: "access denied (AuthorizationFailed, HTTP 403)",
      code: "AuthorizationFailed",
      source: "clusters",
    });
    // It depends on the data that was missing, so it resolves once that data is seen again.
    expect(v?.sources).toEqual(["clusters"]);
  });

  it("keeps an expected condition informational and names the source a gap withholds", () => {
    const [optIn, telemetry] = verdictsFor([
      gap({ cloud: "aws", scope: "123456789012", region: "ap-east-1", severity: "info" }),
      gap({ source: "container-insights", clusterId: "c", clusterName: "c", operation: "query-container-insights" }),
    ]);
    expect(optIn?.severity).toBe("info");
    expect(telemetry?.severity).toBeUndefined();
    expect(telemetry?.sources).toEqual(["container-insights"]);
  });

  it("words tenant, ambient-account, region and cluster gaps plainly", () => {
    const [tenant, ambient, region, cluster] = verdictsFor([
      gap({ scope: "tenant", operation: "list-subscriptions" }),
      gap({ cloud: "aws", scope: "ambient", operation: "resolve-account" }),
      gap({ cloud: "aws", scope: "123456789012", region: "ap-east-1", operation: "list-eks-clusters" }),
      gap({
        cloud: "aws",
        scope: "123456789012",
        region: "us-east-1",
        clusterName: "ml",
        clusterId: "arn:x",
        operation: "describe-eks-cluster",
      }),
    ]);
    expect(tenant?.detail).toMatch(/^Could not list subscriptions for the tenant:/);
    expect(ambient?.detail).toMatch(/^Could not resolve account for the account of the ambient AWS credentials:/);
    expect(region?.detail).toMatch(/^Could not list eks clusters for account 123456789012 \(ap-east-1\):/);
    expect(cluster?.detail).toMatch(
      /^Could not describe eks cluster for cluster ml in account 123456789012 \(us-east-1\):/,
    );
  });

  it("keeps one fingerprint subject per operation and region, whatever the reason says", () => {
    const [a, b, c] = verdictsFor([gap({}), gap({ reason: "throttled" }), gap({ region: "westeurope" })]);
    expect(a?.subject).toBe(b?.subject);
    expect(a?.subject).not.toBe(c?.subject);
  });
});
