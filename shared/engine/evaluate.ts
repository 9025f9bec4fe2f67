import { describeError } from "../errors.js";
import { DATA_SOURCES, type DataSource } from "../model/coverage.js";
import type { Finding } from "../model/finding.js";
import type { Inventory } from "../model/inventory.js";
import type { Rule, Verdict } from "../model/rule.js";
import { fingerprintOf } from "./fingerprint.js";

/** A finding before the lifecycle gives it a state and first/last seen. */
export interface DraftFinding extends Omit<Finding, "state" | "firstSeen" | "lastSeen"> {
  /** The data the verdict read: where it may resolve by absence. */
  readonly sources: readonly DataSource[];
}

export interface Evaluation {
  readonly drafts: readonly DraftFinding[];
  /** Rules that threw: their findings from earlier runs must not resolve by absence. */
  readonly failedRules: ReadonlySet<string>;
}

/** The rule whose blind spots a crashing rule's clusters become. */
export const BLIND_SPOT_RULE_ID = "audit-blind-spot";

/** Orders rules so that every rule comes after the rules it depends on; rejects unknown ids and cycles. */
export function orderByDependencies(rules: readonly Rule[]): Rule[] {
  const byId = new Map(rules.map((r) => [r.metadata.id, r]));
  const ordered: Rule[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (rule: Rule, path: readonly string[]): void => {
    const id = rule.metadata.id;
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new Error(`rule dependency cycle: ${[...path, id].join(" -> ")}`);
    state.set(id, "visiting");
    for (const dependency of rule.metadata.dependsOn ?? []) {
      const target = byId.get(dependency);
      if (!target) throw new Error(`rule ${id} depends on unknown rule ${dependency}`);
      visit(target, [...path, id]);
    }
    state.set(id, "done");
    ordered.push(rule);
  };
  for (const rule of rules) visit(rule, []);
  return ordered;
}

function draftOf(rule: Rule, verdict: Verdict): DraftFinding {
  const { metadata } = rule;
  return {
    ruleId: metadata.id,
    severity: verdict.severity ?? metadata.severity,
    status: verdict.status,
    cloud: verdict.cloud,
    scope: verdict.scope,
    region: verdict.region,
    clusterId: verdict.clusterId,
    clusterName: verdict.clusterName,
    title: metadata.title,
    detail: verdict.detail,
    evidence: verdict.evidence,
    fingerprint: fingerprintOf({
      ruleId: metadata.id,
      cloud: verdict.cloud,
      scope: verdict.scope,
      clusterId: verdict.clusterId,
      subject: verdict.subject,
    }),
    resourceId: verdict.resourceId ?? null,
    sources: verdict.sources ?? metadata.sources,
  };
}

/** One blind spot per cluster the crashed rule covers: visible, and never a mass resolution. */
function crashDrafts(rule: Rule, inventory: Inventory, message: string): DraftFinding[] {
  const { metadata } = rule;
  const clusters = inventory.clusters.filter((c) => metadata.clouds.includes(c.cloud));
  return clusters.map((cluster) => ({
    ruleId: BLIND_SPOT_RULE_ID,
    severity: "medium",
    status: "unknown",
    cloud: cluster.cloud,
    scope: cluster.scope,
    region: cluster.region,
    clusterId: cluster.id,
    clusterName: cluster.name,
    title: "Part of the estate could not be audited",
    detail: `Rule ${metadata.id} could not evaluate cluster ${cluster.name}: ${message.slice(0, 200)}`,
    evidence: { operation: "evaluate-rule", ruleId: metadata.id, reason: message.slice(0, 500), code: "RuleError" },
    fingerprint: fingerprintOf({
      ruleId: BLIND_SPOT_RULE_ID,
      cloud: cluster.cloud,
      scope: cluster.scope,
      clusterId: cluster.id,
      subject: `rule-error|${metadata.id}`,
    }),
    resourceId: null,
    sources: [DATA_SOURCES.clusters],
  }));
}

/**
 * Pure: runs every rule over the inventory, dependencies first, each with its own
 * config. A rule that throws yields blind spots for its clusters, and so does any
 * rule that depends on it.
 */
export function evaluateRules(
  rules: readonly Rule[],
  inventory: Inventory,
  options: { readonly now: Date; readonly configs: ReadonlyMap<string, unknown> },
): Evaluation {
  const drafts: DraftFinding[] = [];
  const failedRules = new Set<string>();
  const verdicts = new Map<string, readonly Verdict[]>();
  for (const rule of orderByDependencies(rules)) {
    const { metadata } = rule;
    const dependencies = new Set(metadata.dependsOn ?? []);
    const brokenDependency = [...dependencies].find((d) => failedRules.has(d));
    let result: readonly Verdict[];
    try {
      if (brokenDependency) throw new Error(`depends on rule ${brokenDependency}, which failed`);
      result = rule.evaluate(inventory, {
        now: options.now,
        config: options.configs.get(metadata.id) ?? rule.config?.defaults,
        verdictsOf: (ruleId) => (dependencies.has(ruleId) ? (verdicts.get(ruleId) ?? []) : []),
      });
    } catch (error) {
      failedRules.add(metadata.id);
      drafts.push(...crashDrafts(rule, inventory, describeError(error)));
      continue;
    }
    verdicts.set(metadata.id, result);
    for (const verdict of result) drafts.push(draftOf(rule, verdict));
  }
  return { drafts, failedRules };
}
