import { clusterKey } from "../model/cluster.js";
import type { MuteRecord } from "../model/finding.js";
import type { Inventory } from "../model/inventory.js";
import type { DraftFinding } from "./evaluate.js";

export interface MuteContext {
  readonly now: Date;
  /** Tags of the finding's cluster (empty for scope-level findings). */
  readonly clusterTags: Readonly<Record<string, string>>;
}

/** Decides whether a finding is muted now (a mutelist entry that matches and has not expired). */
export interface MuteMatcher {
  match(finding: DraftFinding, context: MuteContext): MuteRecord | null;
  /** The entries in force and those that have expired, for the run report. */
  status?(now: Date): { readonly active: number; readonly expired: readonly MuteRecord[] };
}

/** Pure: problems a mute matches become `muted`, keeping their real status; passes stay as they are. */
export function applyMutes(
  drafts: readonly DraftFinding[],
  matcher: MuteMatcher,
  now: Date,
  inventory: Inventory,
): DraftFinding[] {
  const tags = new Map(inventory.clusters.map((c) => [clusterKey(c.cloud, c.id), c.tags] as const));
  return drafts.map((draft) => {
    if (draft.status !== "fail" && draft.status !== "unknown") return draft;
    const clusterTags = draft.clusterId ? (tags.get(clusterKey(draft.cloud, draft.clusterId)) ?? {}) : {};
    const mute = matcher.match(draft, { now, clusterTags });
    return mute ? { ...draft, status: "muted", mutedStatus: draft.status, mute } : draft;
  });
}
