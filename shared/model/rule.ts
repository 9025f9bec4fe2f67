import type { Evidence, Severity } from "./finding.js";
import type { Cloud, Inventory } from "./inventory.js";

export interface RuleMetadata {
  /** Stable, kebab-case; users mute by it. Equals the rule's folder name. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly clouds: readonly Cloud[];
  readonly categories: readonly string[];
  readonly description: string;
  readonly risk: string;
  readonly remediation: {
    readonly text: string;
    readonly azureCli?: string;
    readonly awsCli?: string;
  };
  readonly references: readonly string[];
}

/** What a rule decides for one resource; the engine turns it into a Finding. */
export interface Verdict {
  readonly status: "fail" | "pass" | "unknown";
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string | null;
  readonly clusterName: string | null;
  /** Tells apart several findings of one rule on one cluster (e.g. a Service); part of the fingerprint. */
  readonly subject: string;
  /** One sentence naming the resource and its scope. */
  readonly detail: string;
  readonly evidence: Evidence;
  readonly severity?: Severity;
}

export interface RuleContext {
  readonly now: Date;
}

export interface Rule {
  readonly metadata: RuleMetadata;
  /** Pure: same inventory and context, same verdicts. */
  evaluate(inventory: Inventory, context: RuleContext): readonly Verdict[];
}
