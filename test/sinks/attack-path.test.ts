import { describe, expect, it } from "vitest";
import { attackChain, planMessages } from "../../shared/sinks/digest.js";
import { renderSlackMessages } from "../../shared/sinks/slack/render-blocks.js";
import { renderTeamsMessages } from "../../shared/sinks/teams/render-card.js";
import { notification, testRun } from "../support/helpers.js";

const AKS =
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/kubeflow-gpu-prod";
const fp = (i: number) => i.toString(16).padStart(40, "0");
const onPath = (ruleId: string, i: number, severity: "critical" | "high" = "critical") =>
  notification({
    ruleId,
    fingerprint: fp(i),
    clusterId: AKS,
    clusterName: "kubeflow-gpu-prod",
    severity,
    detail: `Cluster kubeflow-gpu-prod ${ruleId}`,
  });
const path = [
  onPath("istio-ingress-public", 1),
  onPath("kubeflow-dashboard-exposed", 2),
  onPath("crypto-miner-workload", 3),
  notification({
    ruleId: "gpu-node-spike",
    fingerprint: fp(4),
    clusterId: AKS,
    clusterName: "kubeflow-gpu-prod",
    severity: "critical",
    evidence: { excessCostPerHour: 36.7, currency: "USD" },
  }),
];
const context = { store: "127.0.0.1:1/findings", azureCloud: "AzurePublicCloud" as const };

describe("attack paths in chat", () => {
  it("reads the path in one line, in order, with the spike's cost", () => {
    expect(attackChain(path)).toBe(
      "Attack path: public Istio gateway → Kubeflow reachable → crypto-miner running → GPU nodes spiking (USD 36.70/h)",
    );
    // Related open problems count even when only one of them changed this run.
    expect(attackChain([{ ...onPath("crypto-miner-workload", 3), related: ["istio-ingress-public"] }])).toBe(
      "Attack path: public Istio gateway → crypto-miner running",
    );
    expect(attackChain([onPath("crypto-miner-workload", 3)])).toBeNull();
    expect(attackChain([onPath("istio-ingress-public", 1)])).toBeNull();
  });

  it("sends the whole path as one message first, ahead of other criticals, and keeps it out of the digest", () => {
    const other = notification({
      ruleId: "api-server-public",
      fingerprint: fp(9),
      clusterId: "other",
      clusterName: "other",
      severity: "critical",
    });
    const plan = planMessages([other, ...path], { maxCriticalMessages: 10 });
    expect(plan.alone.map((a) => [a.kind, a.group.notifications.length])).toEqual([
      ["attack-path", 4],
      ["critical", 1],
    ]);
    expect(plan.digest).toEqual([]);
    const [slack] = renderSlackMessages(plan, testRun, context);
    expect(slack?.payload.blocks[0]).toMatchObject({
      type: "header",
      text: { text: "cluster-audit: ATTACK PATH on kubeflow-gpu-prod" },
    });
    expect(JSON.stringify(slack?.payload.blocks)).toContain("Attack path: public Istio gateway → Kubeflow reachable");
    const actions = slack?.payload.blocks.find((b) => b.type === "actions");
    expect(actions).toMatchObject({
      elements: [{ type: "button", url: `https://portal.azure.com/#resource${AKS}/overview` }],
    });
    const [teams] = renderTeamsMessages(plan, testRun, context);
    const card = JSON.stringify(teams?.payload);
    expect(card).toContain("ATTACK PATH on kubeflow-gpu-prod");
    expect(card).toContain('"type":"Action.OpenUrl"');
  });

  it("does not page for an alert that is owed late and already resolved", () => {
    const late = onPath("api-server-public", 5);
    const resolution = { ...late, intent: { ...late.intent, kind: "resolved" as const, key: "resolved:1" } };
    const plan = planMessages([late, resolution], { maxCriticalMessages: 10 });
    expect(plan.alone).toEqual([]);
    expect(plan.digest[0]?.notifications).toHaveLength(2);
  });
});
