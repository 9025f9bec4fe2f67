import { describe, expect, it } from "vitest";
import { k8sDashboardExposed } from "../../shared/rules/k8s-dashboard-exposed/k8s-dashboard-exposed.js";
import { cluster, coverageFor, exposure, inventoryOf, ruleContext } from "../support/helpers.js";

const evaluate = (extra: Parameters<typeof inventoryOf>[1], c = cluster()) =>
  k8sDashboardExposed.evaluate(
    inventoryOf([c], { coverage: coverageFor("clusters", "service-exposure"), ...extra }),
    ruleContext(),
  );
const dashboard = exposure({
  namespace: "kubernetes-dashboard",
  serviceName: "kubernetes-dashboard",
  addresses: ["20.9.9.9"],
});

describe("k8s-dashboard-exposed", () => {
  it("fails the kube-dashboard add-on, whatever its key casing", () => {
    const [v] = evaluate({}, cluster({ addons: [{ name: "KubeDashboard", enabled: true }] }));
    expect(v).toMatchObject({ status: "fail", subject: "addon" });
    expect(v?.detail).toContain("kube-dashboard add-on enabled");
  });

  it("fails a dashboard Service on an open public address, and passes a restricted one", () => {
    const [open] = evaluate({ exposures: [dashboard] });
    expect(open).toMatchObject({ status: "fail", subject: "kubernetes-dashboard/kubernetes-dashboard" });
    expect(open?.detail).toContain("20.9.9.9");
    const [closed] = evaluate({
      exposures: [{ ...dashboard, sourceRestriction: "restricted", sourceCidrs: ["10.0.0.0/8"] }],
    });
    expect(closed).toMatchObject({ status: "pass", subject: "kubernetes-dashboard/kubernetes-dashboard" });
  });

  it("passes a cluster with neither, and says unknown when its exposures were not read", () => {
    expect(evaluate({ exposures: [exposure()] })[0]).toMatchObject({ status: "pass", subject: "" });
    const [v] = k8sDashboardExposed.evaluate(
      inventoryOf([cluster()], { coverage: coverageFor("clusters") }),
      ruleContext(),
    );
    expect(v?.status).toBe("unknown");
  });
});
