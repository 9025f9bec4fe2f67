import type { Finding } from "../model/finding.js";
import type { Inventory } from "../model/inventory.js";
import type { Rule, RuleContext } from "../model/rule.js";
import { fingerprintOf } from "./fingerprint.js";

export type DraftFinding = Omit<Finding, "state" | "firstSeen" | "lastSeen">;

/** Pure: runs every rule over the inventory. A rule that throws yields one `unknown` finding, not a crash. */
export function evaluateRules(rules: readonly Rule[], inventory: Inventory, context: RuleContext): DraftFinding[] {
  const drafts: DraftFinding[] = [];
  for (const rule of rules) {
    const { metadata } = rule;
    let verdicts: ReturnType<Rule["evaluate"]>;
    try {
      verdicts = rule.evaluate(inventory, context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      drafts.push({
        ruleId: metadata.id,
        severity: metadata.severity,
        status: "unknown",
        cloud: metadata.clouds[0] ?? "azure",
        scope: "engine",
        region: null,
        clusterId: null,
        clusterName: null,
        title: metadata.title,
        detail: `Rule ${metadata.id} failed to evaluate: ${message.slice(0, 200)}`,
        evidence: { ruleError: message.slice(0, 500) },
        fingerprint: fingerprintOf({
          ruleId: metadata.id,
          cloud: metadata.clouds[0] ?? "azure",
          scope: "engine",
          clusterId: null,
          subject: "rule-error",
        }),
      });
      continue;
    }
    for (const v of verdicts) {
      drafts.push({
        ruleId: metadata.id,
        severity: v.severity ?? metadata.severity,
        status: v.status,
        cloud: v.cloud,
        scope: v.scope,
        region: v.region,
        clusterId: v.clusterId,
        clusterName: v.clusterName,
        title: metadata.title,
        detail: v.detail,
        evidence: v.evidence,
        fingerprint: fingerprintOf({
          ruleId: metadata.id,
          cloud: v.cloud,
          scope: v.scope,
          clusterId: v.clusterId,
          subject: v.subject,
        }),
      });
    }
  }
  return drafts;
}
