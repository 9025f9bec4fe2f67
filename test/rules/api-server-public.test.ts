import { describe, expect, it } from "vitest";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { cluster, inventoryOf, ruleContext } from "../support/helpers.js";

const evaluate = (c: ReturnType<typeof cluster>) => {
  const [verdict] = apiServerPublic.evaluate(inventoryOf([c]), ruleContext());
  if (!verdict) throw new Error("no verdict");
  return verdict;
};

describe("api-server-public", () => {
  it("fails a public AKS cluster with no authorized ranges", () => {
    const v = evaluate(cluster({ name: "kubeflow-gpu" }));
    expect(v.status).toBe("fail");
    expect(v.detail).toContain("kubeflow-gpu");
    expect(v.detail).toContain("subscription 11111111-1111-1111-1111-111111111111");
    expect(v.evidence.allowedSourceCidrs).toBeNull();
  });

  it("fails when the allowed ranges include the whole internet (IPv4 or IPv6)", () => {
    for (const cidrs of [["0.0.0.0/0"], ["10.0.0.0/8", " ::/0"]]) {
      expect(
        evaluate(
          cluster({
            apiServer: { publicEndpoint: true, allowedSourceCidrs: cidrs, privateCluster: false, fqdn: null },
          }),
        ).status,
      ).toBe("fail");
    }
  });

  it("passes a public endpoint restricted to specific ranges", () => {
    const v = evaluate(
      cluster({
        apiServer: { publicEndpoint: true, allowedSourceCidrs: ["203.0.113.0/24"], privateCluster: false, fqdn: null },
      }),
    );
    expect(v.status).toBe("pass");
    expect(v.detail).toContain("1 CIDR range");
  });

  it("passes a cluster with no public endpoint", () => {
    expect(
      evaluate(
        cluster({ apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null } }),
      ).status,
    ).toBe("pass");
  });

  it("judges an EKS record by the same facts, naming the account", () => {
    const eks = cluster({
      cloud: "aws",
      scope: "123456789012",
      id: "arn:aws:eks:eu-west-1:123456789012:cluster/ml",
      name: "ml",
      apiServer: {
        publicEndpoint: true,
        allowedSourceCidrs: ["0.0.0.0/0"],
        privateCluster: false,
        fqdn: "x.eks.amazonaws.com",
      },
    });
    const v = evaluate(eks);
    expect(v.status).toBe("fail");
    expect(v.detail).toContain("account 123456789012");
  });

  it("emits one verdict per cluster, pass included", () => {
    const verdicts = apiServerPublic.evaluate(
      inventoryOf([
        cluster({ id: "a", name: "a" }),
        cluster({
          id: "b",
          name: "b",
          apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: true, fqdn: null },
        }),
      ]),
      ruleContext(),
    );
    expect(verdicts.map((v) => v.status)).toEqual(["fail", "pass"]);
  });
});
