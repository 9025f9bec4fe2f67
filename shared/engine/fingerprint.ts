import { hash } from "node:crypto";
import type { Cloud } from "../model/inventory.js";

/**
 * Stable across runs for the same problem on the same resource. Hex only, so it is
 * a safe Table Storage RowKey whatever the resource names contain.
 */
export function fingerprintOf(parts: {
  readonly ruleId: string;
  readonly cloud: Cloud;
  readonly scope: string;
  readonly clusterId: string | null;
  readonly subject: string;
}): string {
  // ARM IDs compare case-insensitively; EKS ARNs carry case-sensitive cluster names ("Prod" is not "prod").
  const fold = (value: string): string => (parts.cloud === "azure" ? value.toLowerCase() : value);
  const material = [parts.ruleId, parts.cloud, fold(parts.scope), fold(parts.clusterId ?? ""), parts.subject].join(
    "\u0000",
  );
  // The one-shot hash: the same digest as createHash("sha256"), without a Hash object per finding.
  return hash("sha256", material, "hex").slice(0, 40);
}
