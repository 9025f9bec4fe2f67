/**
 * Effective permissions at subscription scope (`GET /subscriptions/{id}/providers/Microsoft.Authorization/permissions`),
 * the collector's one authoritative ARM check per subscription. Resource Graph silently leaves out
 * what the identity cannot read; these tell "empty" from "hidden" before anything is called covered.
 */
export interface ArmPermission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
}

/** What the AKS collector reads, by data source. */
export const CLUSTER_READ_ACTIONS = ["Microsoft.ContainerService/managedClusters/read"] as const;
export const NETWORK_READ_ACTIONS = [
  "Microsoft.Network/publicIPAddresses/read",
  "Microsoft.Network/loadBalancers/read",
  "Microsoft.Network/networkSecurityGroups/read",
] as const;

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\/]/g, "\\$&");

/** Azure action patterns: `*` matches any run of characters, and actions compare without case. */
const matches = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "i").test(action);

/** An action is allowed when some entry grants it and that same entry does not take it back. */
export const allows = (permissions: readonly ArmPermission[], action: string): boolean =>
  permissions.some((p) => p.actions.some((a) => matches(a, action)) && !p.notActions.some((a) => matches(a, action)));

/** The first of `actions` the permissions do not allow, or null when they allow all. */
export const firstDenied = (permissions: readonly ArmPermission[], actions: readonly string[]): string | null =>
  actions.find((action) => !allows(permissions, action)) ?? null;
