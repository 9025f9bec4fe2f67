import { describe, expect, it } from "vitest";
import type { Inventory } from "../../shared/model/inventory.js";
import { istioIngressPublic } from "../../shared/rules/istio-ingress-public/istio-ingress-public.js";
import { kubeflowDashboardExposed } from "../../shared/rules/kubeflow-dashboard-exposed/kubeflow-dashboard-exposed.js";
import { cluster, coverageFor, exposure, inventoryOf, ruleContext } from "../support/helpers.js";

const c1 = cluster();
const kubeflow = {
  cloud: "azure" as const,
  clusterId: c1.id,
  namespaces: ["kubeflow"],
  components: ["centraldashboard", "ml-pipeline"],
  firstSeen: null,
  lastSeen: null,
};
const miner = {
  cloud: "azure" as const,
  clusterId: c1.id,
  kind: "image" as const,
  indicator: "xmrig",
  namespace: "kubeflow-user",
  pod: "notebook-0",
  container: "main",
  image: "docker.io/xmrig/xmrig:latest",
  excerpt: "docker.io/xmrig/xmrig:latest",
  firstSeen: null,
};

/** Evaluates the dependency first, as the engine does, and hands its verdicts over. */
function evaluate(inventory: Inventory) {
  const istio = istioIngressPublic.evaluate(inventory, ruleContext());
  return kubeflowDashboardExposed.evaluate(
    inventory,
    ruleContext({ verdictsOf: (id) => (id === "istio-ingress-public" ? istio : []) }),
  );
}
const all = coverageFor("clusters", "service-exposure", "container-insights");

describe("kubeflow-dashboard-exposed", () => {
  it("declares its dependency on istio-ingress-public", () => {
    expect(kubeflowDashboardExposed.metadata.dependsOn).toEqual(["istio-ingress-public"]);
  });

  it("fails when a public Istio gateway fronts a cluster that runs Kubeflow", () => {
    const [v] = evaluate(inventoryOf([c1], { coverage: all, exposures: [exposure()], kubeflow: [kubeflow] }));
    expect(v).toMatchObject({ status: "fail", severity: "high" });
    expect(v?.detail).toContain("Kubeflow (centraldashboard, ml-pipeline) on cluster c1");
    expect(v?.detail).toContain("istio-system/istio-ingressgateway at 20.1.2.3");
  });

  it("is critical with miner evidence on the same cluster", () => {
    const [v] = evaluate(
      inventoryOf([c1], { coverage: all, exposures: [exposure()], kubeflow: [kubeflow], minerEvidence: [miner] }),
    );
    expect(v).toMatchObject({ status: "fail", severity: "critical" });
    expect(v?.evidence.escalated).toContain("miner");
  });

  it("is unknown, with the reason, when Container Insights cannot say whether Kubeflow runs", () => {
    const [v] = evaluate(
      inventoryOf([c1], { coverage: coverageFor("clusters", "service-exposure"), exposures: [exposure()] }),
    );
    expect(v).toMatchObject({ status: "unknown", severity: "high" });
    expect(v?.detail).toContain("no Container Insights data");
  });

  it("passes without a public gateway, and with one but no Kubeflow", () => {
    expect(evaluate(inventoryOf([c1], { coverage: all, kubeflow: [kubeflow] }))[0]?.status).toBe("pass");
    const [v] = evaluate(inventoryOf([c1], { coverage: all, exposures: [exposure()] }));
    expect(v?.status).toBe("pass");
    expect(v?.detail).toContain("no Kubeflow runs behind it");
  });
});
