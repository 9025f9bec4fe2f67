import type { MuteRecord } from "../model/finding.js";
import type { DraftFinding } from "./evaluate.js";

/** Decides whether a finding is muted now (a mutelist entry that matches and has not expired). */
export interface MuteMatcher {
  match(finding: DraftFinding, now: Date): MuteRecord | null;
}

/** Pure: problems a mute matches become `muted`, keeping their real status; passes stay as they are. */
export function applyMutes(drafts: readonly DraftFinding[], matcher: MuteMatcher, now: Date): DraftFinding[] {
  return drafts.map((draft) => {
    if (draft.status !== "fail" && draft.status !== "unknown") return draft;
    const mute = matcher.match(draft, now);
    return mute ? { ...draft, status: "muted", mutedStatus: draft.status, mute } : draft;
  });
}
