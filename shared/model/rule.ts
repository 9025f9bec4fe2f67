import type { Cloud } from "./cluster.js";
import type { DataSource } from "./coverage.js";
import type { Evidence, Severity } from "./finding.js";
import type { Inventory } from "./inventory.js";

export interface RuleRemediation {
  readonly text: string;
  readonly azureCli?: string;
  readonly awsCli?: string;
  readonly bicep?: string;
  readonly terraform?: string;
  readonly url?: string;
}

export interface RuleMetadata {
  /** Stable, kebab-case; users mute by it. Equals the rule's folder name. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly clouds: readonly Cloud[];
  readonly categories: readonly string[];
  readonly description: string;
  readonly risk: string;
  readonly remediation: RuleRemediation;
  readonly references: readonly string[];
  /**
   * The data its verdicts read. A finding that disappears resolves only where this
   * run covered every one of them; a gap in any of them keeps it as it was.
   */
  readonly sources: readonly DataSource[];
  /** Rules whose verdicts this rule reads (`context.verdictsOf`); they are evaluated first. */
  readonly dependsOn?: readonly string[];
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
  /** Overrides the rule's default severity (escalation, correlation). */
  readonly severity?: Severity;
  /** The resource the verdict is about when more specific than the cluster. */
  readonly resourceId?: string | null;
  /** Overrides `metadata.sources` for this verdict (a blind spot depends on the source that failed). */
  readonly sources?: readonly DataSource[];
}

/** Thresholds and switches of one rule, read from settings (`AUDIT_RULE_CONFIG`). */
export interface RuleConfigSpec<C> {
  readonly defaults: C;
  /** Validates the user's value (merged over the defaults); throws an Error naming the problem. */
  parse(raw: unknown): C;
}

export interface RuleContext<C = unknown> {
  readonly now: Date;
  readonly config: C;
  /** Verdicts of a rule this one declared in `dependsOn`; empty for any other. */
  verdictsOf(ruleId: string): readonly Verdict[];
}

export interface Rule<C = unknown> {
  readonly metadata: RuleMetadata;
  readonly config?: RuleConfigSpec<C>;
  /** Pure: same inventory and context, same verdicts. */
  evaluate(inventory: Inventory, context: RuleContext<C>): readonly Verdict[];
}
