import { describe, expect, it } from "vitest";
import type { DraftFinding } from "../../shared/engine/evaluate.js";
import { fingerprintOf } from "../../shared/engine/fingerprint.js";
import { applyHistory, isNotifiable, planNotifications } from "../../shared/engine/lifecycle.js";
import type { HistoryRecord } from "../../shared/engine/ports.js";
import { finding } from "../support/helpers.js";

const now = new Date("2026-11-28T12:00:00Z");
const earlier = "2026-11-27T12:00:00.000Z";
const draft = (status: DraftFinding["status"], fingerprint = "a".repeat(40)): DraftFinding => {
  const { state: _s, firstSeen: _f, lastSeen: _l, ...rest } = finding({ status, fingerprint });
  return rest;
};
const history = (
  status: HistoryRecord["status"],
  pending: HistoryRecord["pendingChannels"] = [],
): Map<string, HistoryRecord> =>
  new Map([
    [
      "a".repeat(40),
      { fingerprint: "a".repeat(40), status, firstSeen: earlier, lastSeen: earlier, pendingChannels: pending },
    ],
  ]);

describe("fingerprintOf", () => {
  it("is stable, case-insensitive on ARM IDs, and hex", () => {
    const a = fingerprintOf({ ruleId: "r", cloud: "azure", scope: "SUB", clusterId: "/Subscriptions/X", subject: "" });
    const b = fingerprintOf({ ruleId: "r", cloud: "azure", scope: "sub", clusterId: "/subscriptions/x", subject: "" });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{40}$/);
    expect(
      fingerprintOf({ ruleId: "r", cloud: "azure", scope: "sub", clusterId: "/subscriptions/x", subject: "svc" }),
    ).not.toBe(a);
    expect(
      fingerprintOf({ ruleId: "r2", cloud: "azure", scope: "sub", clusterId: "/subscriptions/x", subject: "" }),
    ).not.toBe(a);
  });
});

describe("applyHistory", () => {
  it("marks first sightings new and repeats open, keeping firstSeen", () => {
    const [first] = applyHistory([draft("fail")], new Map(), now);
    expect(first).toMatchObject({ state: "new", firstSeen: now.toISOString(), lastSeen: now.toISOString() });
    const [again] = applyHistory([draft("fail")], history("fail"), now);
    expect(again).toMatchObject({ state: "open", firstSeen: earlier, lastSeen: now.toISOString() });
  });

  it("resolves a failure that now passes, and reopens as new when it comes back", () => {
    expect(applyHistory([draft("pass")], history("fail"), now)[0]?.state).toBe("resolved");
    expect(applyHistory([draft("fail")], history("pass"), now)[0]).toMatchObject({
      state: "new",
      firstSeen: now.toISOString(),
    });
  });

  it("drops a duplicate fingerprint within one run", () => {
    expect(applyHistory([draft("fail"), draft("pass")], new Map(), now)).toHaveLength(1);
  });
});

describe("notifications", () => {
  it("tells chat about new failures and resolutions at or above the threshold only", () => {
    expect(isNotifiable(finding({ state: "new" }), "high")).toBe(true);
    expect(isNotifiable(finding({ state: "open" }), "high")).toBe(false);
    expect(isNotifiable(finding({ state: "new", severity: "medium" }), "high")).toBe(false);
    expect(isNotifiable(finding({ state: "new", severity: "medium" }), "low")).toBe(true);
    expect(isNotifiable(finding({ state: "resolved", status: "pass" }), "high")).toBe(true);
    expect(isNotifiable(finding({ state: "new", status: "pass" }), "high")).toBe(false);
    // A new blind spot is news too, once the threshold lets its severity through.
    expect(isNotifiable(finding({ state: "new", status: "unknown", severity: "medium" }), "high")).toBe(false);
    expect(isNotifiable(finding({ state: "new", status: "unknown", severity: "medium" }), "medium")).toBe(true);
    expect(isNotifiable(finding({ state: "open", status: "unknown", severity: "medium" }), "medium")).toBe(false);
  });

  it("re-sends an open failure only on the channel that still owes it", () => {
    const open = finding({ state: "open", fingerprint: "a".repeat(40) });
    const plan = planNotifications([open], history("fail", ["teams"]), ["slack", "teams"], "high");
    expect(plan.get("slack")).toEqual([]);
    expect(plan.get("teams")).toEqual([open]);
  });
});
