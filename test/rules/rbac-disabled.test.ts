import { describe, expect, it } from "vitest";
import { rbacDisabled } from "../../shared/rules/rbac-disabled/rbac-disabled.js";
import { cluster, inventoryOf, ruleContext } from "../support/helpers.js";

describe("rbac-disabled", () => {
  it("fails only when RBAC is reported off", () => {
    const verdicts = rbacDisabled.evaluate(
      inventoryOf([
        cluster({ id: "a", name: "a", rbacEnabled: false }),
        cluster({ id: "b", name: "b", rbacEnabled: true }),
        cluster({ id: "c", name: "c", rbacEnabled: null }),
      ]),
      ruleContext(),
    );
    expect(verdicts.map((v) => [v.clusterName, v.status])).toEqual([
      ["a", "fail"],
      ["b", "pass"],
      ["c", "pass"],
    ]);
    expect(verdicts[0]?.detail).toContain("Kubernetes RBAC turned off");
  });
});
