import { describe, expect, it } from "vitest";
import { localAccountsEnabled } from "../../shared/rules/local-accounts-enabled/local-accounts-enabled.js";
import { cluster, inventoryOf, ruleContext } from "../support/helpers.js";

const evaluate = (value: boolean | null, cloud: "azure" | "aws" = "azure") =>
  localAccountsEnabled.evaluate(inventoryOf([cluster({ localAccountsEnabled: value, cloud })]), ruleContext());

describe("local-accounts-enabled", () => {
  it("fails when local accounts work, including when the field is unset (the AKS default)", () => {
    expect(evaluate(true)[0]?.status).toBe("fail");
    const [unset] = evaluate(null);
    expect(unset?.status).toBe("fail");
    expect(unset?.evidence.disableLocalAccounts).toContain("AKS default");
  });

  it("passes when they are disabled, and does not judge EKS", () => {
    expect(evaluate(false)[0]?.status).toBe("pass");
    expect(evaluate(null, "aws")).toEqual([]);
  });
});
