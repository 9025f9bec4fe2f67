import { describe, expect, it } from "vitest";
import { describeError, redact, registerSecret } from "../../shared/errors.js";

describe("redact", () => {
  it("masks Slack webhook paths, SAS signatures, account keys and bearer tokens", () => {
    const text = [
      "POST https://hooks.slack.com/services/T0/B0/abcdefSECRET failed",
      "https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?api-version=1&sp=%2F&sv=1.0&sig=SIGSECRET",
      "AccountName=a;AccountKey=KEYSECRET==;EndpointSuffix=x",
      "Authorization: Bearer eyJhbGciOi.TOKENSECRET",
    ].join("\n");
    const out = redact(text);
    for (const secret of ["abcdefSECRET", "SIGSECRET", "KEYSECRET", "TOKENSECRET"]) expect(out).not.toContain(secret);
    expect(out).toContain("AccountName=a");
    expect(out).toContain("prod-1.westus.logic.azure.com");
  });

  it("masks registered values anywhere, and describeError redacts too", () => {
    registerSecret("https://hooks.example.org/very/secret/path");
    expect(redact("failed: https://hooks.example.org/very/secret/path!")).toBe("failed: [redacted]!");
    const error = Object.assign(new Error("connect to https://hooks.example.org/very/secret/path refused"), {
      code: "ECONNREFUSED",
    });
    expect(describeError(error)).toBe("connect to [redacted] refused (ECONNREFUSED)");
  });
});
