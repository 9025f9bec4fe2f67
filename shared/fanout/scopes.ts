/**
 * The scopes of a fanned-out sweep, pure. A scope is what one queue worker
 * audits: a batch of Azure subscriptions (one Resource Graph query covers them)
 * or one AWS account-region.
 */

import { awsAccountTargets } from "../collectors/aws/aws-targets.js";
import type { Settings } from "../config/settings.js";

export type ScopeSpec =
  | { readonly kind: "azure"; readonly subscriptions: readonly string[] }
  | { readonly kind: "aws"; readonly roleArn: string | null; readonly region: string };

/** A stable key per scope (the worker's progress row); only IDs we validated, so safe in a table key. */
export function scopeKey(scope: ScopeSpec): string {
  if (scope.kind === "aws") return `aws|${scope.roleArn ?? "ambient"}|${scope.region}`;
  const sorted = [...scope.subscriptions].map((s) => s.toLowerCase()).sort();
  return `azure|${sorted[0] ?? "discover"}|${sorted.length}`;
}

export function describeScope(scope: ScopeSpec): string {
  if (scope.kind === "aws")
    return `AWS ${scope.roleArn ? `role ${scope.roleArn}` : "ambient account"} in ${scope.region}`;
  return scope.subscriptions.length === 0
    ? "Azure (every readable subscription)"
    : `Azure subscriptions ${scope.subscriptions.slice(0, 3).join(", ")}${scope.subscriptions.length > 3 ? ` and ${scope.subscriptions.length - 3} more` : ""}`;
}

/** Pure: the sweep's scopes. An empty subscription list (discovery failed or none given) becomes one discovering scope. */
export function planScopes(settings: Settings, subscriptions: readonly string[] | null): ScopeSpec[] {
  const scopes: ScopeSpec[] = [];
  if (settings.clouds.includes("azure")) {
    if (subscriptions === null || subscriptions.length === 0) scopes.push({ kind: "azure", subscriptions: [] });
    else {
      const size = settings.fanOut.subscriptionsPerScope;
      const unique = [...new Set(subscriptions.map((s) => s.toLowerCase()))];
      for (let i = 0; i < unique.length; i += size)
        scopes.push({ kind: "azure", subscriptions: unique.slice(i, i + size) });
    }
  }
  if (settings.clouds.includes("aws"))
    for (const target of awsAccountTargets(settings.aws.roleArns))
      for (const region of settings.aws.regions)
        scopes.push({ kind: "aws", roleArn: target.kind === "role" ? target.roleArn : null, region });
  return scopes;
}

/** The settings a worker runs with: the same product, narrowed to its scope. */
export function settingsForScope(settings: Settings, scope: ScopeSpec): Settings {
  if (scope.kind === "azure")
    return Object.freeze({
      ...settings,
      clouds: ["azure"] as const,
      azure: Object.freeze({ ...settings.azure, subscriptions: [...scope.subscriptions] }),
    });
  return Object.freeze({
    ...settings,
    clouds: ["aws"] as const,
    aws: Object.freeze({ ...settings.aws, roleArns: scope.roleArn ? [scope.roleArn] : [], regions: [scope.region] }),
  });
}

/** The history partitions a worker reads: its subscriptions, or its AWS account (ambient: unknown until STS answers). */
export function historyScopesOf(scope: ScopeSpec): { cloud: "azure" | "aws"; scope: string }[] | undefined {
  if (scope.kind === "azure")
    return scope.subscriptions.length === 0
      ? undefined
      : scope.subscriptions.map((s) => ({ cloud: "azure", scope: s }));
  const account = /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(scope.roleArn ?? "")?.[1];
  return account ? [{ cloud: "aws", scope: account }] : undefined;
}
