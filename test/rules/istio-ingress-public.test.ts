import { describe, expect, it } from "vitest";
import { istioIngressPublic } from "../../shared/rules/istio-ingress-public/istio-ingress-public.js";
import { gpuPool as gpuPoolOf } from "../support/gpu.js";
import { cluster, coverageFor, exposure, inventoryOf, ruleContext } from "../support/helpers.js";

const gpuPool = gpuPoolOf({ maxCount: 20 });
const evaluate = (extra: Parameters<typeof inventoryOf>[1], c = cluster()) =>
  istioIngressPublic.evaluate(
    inventoryOf([c], { coverage: coverageFor("clusters", "service-exposure"), ...extra }),
    ruleContext(),
  );

describe("istio-ingress-public", () => {
  it("fails the default gateway on an open public IP, naming cluster, subscription and address", () => {
    const [v] = evaluate({ exposures: [exposure()] });
    expect(v).toMatchObject({ status: "fail", subject: "istio-system/istio-ingressgateway", severity: "high" });
    expect(v?.detail).toBe(
      "Istio ingress gateway istio-system/istio-ingressgateway on cluster c1 in subscription 11111111-1111-1111-1111-111111111111 is reachable from any internet address at 20.1.2.3.",
    );
    expect(v?.evidence).toMatchObject({
      addresses: ["20.1.2.3"],
      ports: ["TCP/443"],
      matchedBy: "name istio-system/istio-ingressgateway",
    });
  });

  it("passes a gateway restricted by source ranges, and an internal one", () => {
    const [restricted] = evaluate({
      exposures: [exposure({ sourceRestriction: "restricted", sourceCidrs: ["203.0.113.0/24"] })],
    });
    expect(restricted).toMatchObject({ status: "pass" });
    expect(restricted?.detail).toContain("restricts its sources");
    const [internal] = evaluate({ exposures: [exposure({ internetFacing: false, addresses: ["10.0.0.7"] })] });
    expect(internal).toMatchObject({ status: "pass" });
    expect(internal?.detail).toContain("is internal");
  });

  it("treats a load balancer whose sources cannot be known as open, and says so", () => {
    const [v] = evaluate({
      exposures: [exposure({ sourceRestriction: "unknown", kind: "load-balancer", owner: "aws-cloud-provider" })],
    });
    expect(v?.status).toBe("fail");
    expect(v?.detail).toContain("cannot be restricted there");
    const [aks] = evaluate({ exposures: [exposure({ sourceRestriction: "unknown", evidence: { nsgRules: [] } })] });
    expect(aks?.status).toBe("fail");
    expect(aks?.detail).toContain("no NSG rule of the cloud provider names that address");
  });

  it("finds a renamed gateway by its selector in Container Insights", () => {
    const renamed = exposure({ namespace: "edge", serviceName: "public-entry" });
    expect(evaluate({ exposures: [renamed] })[0]).toMatchObject({ status: "pass", subject: "" });
    const [v] = evaluate({
      exposures: [renamed],
      services: [
        {
          cloud: "azure",
          clusterId: cluster().id.toUpperCase(),
          namespace: "edge",
          name: "public-entry",
          serviceType: "LoadBalancer",
          selector: { istio: "ingressgateway", "istio.io/rev": "asm-1-22" },
        },
      ],
    });
    expect(v).toMatchObject({ status: "fail", subject: "edge/public-entry" });
    expect(v?.evidence.matchedBy).toBe("selector istio=ingressgateway");
  });

  it("finds a revisioned gateway by its selector value (istio=ingressgateway-<rev>)", () => {
    const renamed = exposure({ namespace: "istio-ingress", serviceName: "edge-gw" });
    const service = (selector: Record<string, string>) => ({
      cloud: "azure" as const,
      clusterId: cluster().id,
      namespace: "istio-ingress",
      name: "edge-gw",
      serviceType: "LoadBalancer",
      selector,
    });
    const [v] = evaluate({ exposures: [renamed], services: [service({ istio: "ingressgateway-1-22" })] });
    expect(v).toMatchObject({ status: "fail", subject: "istio-ingress/edge-gw" });
    expect(v?.evidence.matchedBy).toBe("selector istio=ingressgateway-1-22");
    const [other] = evaluate({ exposures: [renamed], services: [service({ istio: "ingressgatewayish" })] });
    expect(other).toMatchObject({ status: "pass", subject: "" });
  });

  it("raises the severity one level on a cluster with GPU pools, and says why", () => {
    const [v] = evaluate({ exposures: [exposure()] }, cluster({ nodePools: [gpuPool] }));
    expect(v?.severity).toBe("critical");
    expect(v?.evidence.escalated).toContain("gpua100");
  });

  it("passes a cluster without a gateway only where its exposures were read", () => {
    expect(evaluate({})[0]).toMatchObject({ status: "pass", subject: "" });
    const [v] = istioIngressPublic.evaluate(
      inventoryOf([cluster()], { coverage: coverageFor("clusters") }),
      ruleContext(),
    );
    expect(v).toMatchObject({ status: "unknown", severity: "info" });
  });

  it("ignores exposures of other clusters and other Services", () => {
    const verdicts = evaluate({
      exposures: [
        exposure({ clusterId: "/subscriptions/x/other" }),
        exposure({ namespace: "web", serviceName: "shop" }),
      ],
    });
    expect(verdicts).toEqual([expect.objectContaining({ status: "pass", subject: "" })]);
  });
});
