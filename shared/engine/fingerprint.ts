import { createHash } from "node:crypto";
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
  // ARM IDs compare case-insensitively; EKS ARNs and names are lower-case in practice.
  const material = [
    parts.ruleId,
    parts.cloud,
    parts.scope.toLowerCase(),
    (parts.clusterId ?? "").toLowerCase(),
    parts.subject,
  ].join("\u0000");
  return createHash("sha256").update(material).digest("hex").slice(0, 40);
}
