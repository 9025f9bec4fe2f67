import { app, InvocationContext, type Timer } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditTimer } from "../../functions/auditTimer.js";
import type { SimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import { uniqueTableName } from "../support/helpers.js";
import { startTestCloud, withEnvironment } from "../support/simulated.js";

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
};

function context(): { ctx: InvocationContext; logs: { level: string; text: string }[] } {
  const logs: { level: string; text: string }[] = [];
  const ctx = new InvocationContext({
    invocationId: "inv-1",
    functionName: "auditTimer",
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(" ") }),
  });
  return { ctx, logs };
}

let cloud: SimulatedCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => cloud.stop());

describe("auditTimer registration", () => {
  async function registeredOptions(schedule: string | undefined): Promise<unknown> {
    const timerSpy = vi.spyOn(app, "timer").mockImplementation(() => {});
    vi.resetModules();
    const previous = process.env.AUDIT_SCHEDULE;
    if (schedule === undefined) delete process.env.AUDIT_SCHEDULE;
    else process.env.AUDIT_SCHEDULE = schedule;
    try {
      await import("../../functions/auditTimer.js");
      expect(timerSpy).toHaveBeenCalledTimes(1);
      expect(timerSpy.mock.calls[0]?.[0]).toBe("auditTimer");
      return timerSpy.mock.calls[0]?.[1];
    } finally {
      if (previous === undefined) delete process.env.AUDIT_SCHEDULE;
      else process.env.AUDIT_SCHEDULE = previous;
      timerSpy.mockRestore();
    }
  }

  it("registers app.timer every 15 minutes by default, not on start-up", async () => {
    expect(await registeredOptions(undefined)).toMatchObject({
      schedule: "0 */15 * * * *",
      runOnStartup: false,
      handler: expect.any(Function),
    });
  });

  it("takes the schedule from the AUDIT_SCHEDULE app setting", async () => {
    expect(await registeredOptions("0 0 */2 * * *")).toMatchObject({ schedule: "0 0 */2 * * *" });
  });
});

describe("auditTimer (Functions v4 handler)", () => {
  it("runs the whole audit through the managed identity and logs one summary line", async () => {
    const { ctx, logs } = context();
    await withEnvironment(cloud.environment, () => auditTimer(timer, ctx));
    const summaries = logs.filter((l) => l.text.startsWith("audit run "));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.level).toBe("information");
    // Gaps: the denied subscription, the opt-in AWS region, and the AKS cluster without Container Insights.
    expect(summaries[0]?.text).toMatch(
      /7 clusters; \d+ fail, \d+ unknown, \d+ pass; \d+ new, 0 resolved; 3 gaps; table=ok slack=ok teams=ok gpu-anomalies=ok$/,
    );
    // DefaultAzureCredential, restricted to the managed identity, fetched tokens from the fake endpoint.
    expect(cloud.identity.tokensIssued()).toBeGreaterThan(0);
    expect(cloud.arm.requests.every((r) => /^Bearer [\w-]+\.[\w-]+\.fake-token-/.test(r.authorization ?? ""))).toBe(
      true,
    );
    // Per channel: the criticals (public API servers on GPU clusters) alone, then one digest.
    const perChannel = (channel: string) => cloud.webhooks.posts.filter((p) => p.channel === channel).length;
    expect(perChannel("slack")).toBe(perChannel("teams"));
    expect(perChannel("slack")).toBeGreaterThanOrEqual(2);
    expect(perChannel("slack")).toBeLessThanOrEqual(11);
    // EKS was read through the real AWS SDK with the static test keys, against the loopback fake only.
    expect(cloud.eks?.requests.some((r) => r.service === "eks" && r.region === "us-east-1")).toBe(true);
    expect(JSON.stringify(logs)).not.toContain("fakeSlackSecretToken");
  });

  it("warns when the timer is late", async () => {
    const { ctx, logs } = context();
    await withEnvironment(cloud.environment, () => auditTimer({ ...timer, isPastDue: true }, ctx));
    expect(logs.some((l) => l.level === "warning" && l.text.includes("late"))).toBe(true);
  });

  it("fails the invocation when a sink fails, naming it, without the secret", async () => {
    const { ctx, logs } = context();
    const env = {
      ...cloud.environment,
      AUDIT_FINDINGS_TABLE: uniqueTableName("f"),
      // The capture server answers 404 no_service on this path, like a revoked Slack webhook.
      AUDIT_SLACK_WEBHOOK_URL: `${cloud.webhooks.url}/revoked/T/B/revokedSecretToken99`,
    };
    await expect(withEnvironment(env, () => auditTimer(timer, ctx))).rejects.toThrow(/did not deliver all output/);
    const summary = logs.find((l) => l.text.startsWith("audit run "));
    expect(summary?.level).toBe("error");
    expect(summary?.text).toContain("slack=FAILED");
    expect(summary?.text).toContain("table=ok");
    expect(JSON.stringify(logs)).not.toContain("revokedSecretToken99");
  });

  it("stops on invalid configuration before any network call, naming every problem", async () => {
    const { ctx, logs } = context();
    const before = cloud.arm.requests.length;
    const env = {
      ...cloud.environment,
      AUDIT_AZURE_CLOUD: "Narnia",
      AUDIT_SLACK_WEBHOOK_URL: "http://hooks.slack.com/x",
    };
    await expect(withEnvironment(env, () => auditTimer(timer, ctx))).rejects.toThrow(
      /AUDIT_AZURE_CLOUD[\s\S]*AUDIT_SLACK_WEBHOOK_URL/,
    );
    expect(logs.some((l) => l.level === "error" && l.text.includes("Invalid configuration (2 problems)"))).toBe(true);
    expect(cloud.arm.requests.length).toBe(before);
  });
});
