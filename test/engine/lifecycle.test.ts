import { describe, expect, it } from "vitest";
import type { DraftFinding } from "../../shared/engine/evaluate.js";
import { fingerprintOf } from "../../shared/engine/fingerprint.js";
import { advance, type Observation } from "../../shared/engine/lifecycle.js";
import type { HistoryRecord } from "../../shared/engine/ports.js";
import type { FindingStatus, Severity } from "../../shared/model/finding.js";
import { finding } from "../support/helpers.js";

const now = new Date("2026-11-28T12:00:00Z");
const earlier = "2026-11-27T12:00:00.000Z";
const firstEver = "2026-10-01T00:00:00.000Z";
const options = { reminderAfterHours: null };

const draft = (status: "fail" | "pass" | "unknown", severity: Severity = "high", muted = false): DraftFinding => {
  const {
    state: _s,
    firstSeen: _f,
    lastSeen: _l,
    ...rest
  } = finding({ status, severity, fingerprint: "a".repeat(40) });
  return {
    ...rest,
    sources: ["clusters"],
    ...(muted ? { status: "muted" as const, mutedStatus: status } : {}),
  };
};

const record = (overrides: Partial<HistoryRecord>): HistoryRecord => ({
  fingerprint: "a".repeat(40),
  ruleId: "api-server-public",
  cloud: "azure",
  scope: "s",
  region: "eastus",
  clusterId: "/subscriptions/s/c1",
  clusterName: "c1",
  title: "t",
  detail: "d",
  resourceId: null,
  sources: ["clusters"],
  status: "fail",
  mutedStatus: null,
  state: "open",
  severity: "high",
  peakSeverity: "high",
  firstSeen: firstEver,
  lastSeen: earlier,
  episode: 2,
  episodeStartedAt: earlier,
  failedInEpisode: true,
  lastRemindedAt: null,
  outbox: {},
  etag: "W/1",
  ...overrides,
});

const PREVIOUS: Record<string, HistoryRecord | undefined> = {
  none: undefined,
  "pass (never a problem)": record({ status: "pass", state: "open", episode: 0, failedInEpisode: false }),
  resolved: record({ status: "pass", state: "resolved" }),
  fail: record({}),
  "unknown only (a blind spot so far)": record({ status: "unknown", failedInEpisode: false }),
  "unknown after a failure": record({ status: "unknown", failedInEpisode: true }),
  "muted failure": record({ status: "muted", mutedStatus: "fail" }),
};

type Current = "fail" | "pass" | "unknown" | "muted fail" | "absent, audited" | "absent, not seen";
const observe = (current: Current): Observation => {
  switch (current) {
    case "absent, audited":
      return { kind: "absent-resolvable" };
    case "absent, not seen":
      return { kind: "absent-unseen" };
    case "muted fail":
      return { kind: "present", draft: draft("fail", "high", true) };
    default:
      return { kind: "present", draft: draft(current) };
  }
};

/** [previous, current, state, transition, key, status] — null state: nothing changes. */
const TABLE: [string, Current, string | null, string | null, string | null, FindingStatus | null][] = [
  ["none", "fail", "new", "new", "new:1:fail", "fail"],
  ["none", "pass", "new", null, null, "pass"],
  ["none", "unknown", "new", "new", "new:1:unknown", "unknown"],
  ["none", "muted fail", "new", "new", "new:1:fail", "muted"],
  ["none", "absent, audited", null, null, null, null],
  ["none", "absent, not seen", null, null, null, null],
  ["pass (never a problem)", "fail", "new", "new", "new:1:fail", "fail"],
  ["pass (never a problem)", "pass", "open", null, null, "pass"],
  ["pass (never a problem)", "unknown", "new", "new", "new:1:unknown", "unknown"],
  ["pass (never a problem)", "muted fail", "new", "new", "new:1:fail", "muted"],
  ["pass (never a problem)", "absent, audited", null, null, null, null],
  ["pass (never a problem)", "absent, not seen", null, null, null, null],
  ["resolved", "fail", "new", "new", "new:3:fail", "fail"],
  ["resolved", "pass", "open", null, null, "pass"],
  ["resolved", "unknown", "new", "new", "new:3:unknown", "unknown"],
  ["resolved", "muted fail", "new", "new", "new:3:fail", "muted"],
  ["resolved", "absent, audited", null, null, null, null],
  ["resolved", "absent, not seen", null, null, null, null],
  ["fail", "fail", "open", null, null, "fail"],
  ["fail", "pass", "resolved", "resolved", "resolved:2", "pass"],
  ["fail", "unknown", "open", null, null, "unknown"],
  ["fail", "muted fail", "open", null, null, "muted"],
  ["fail", "absent, audited", "resolved", "resolved", "resolved:2", "pass"],
  ["fail", "absent, not seen", null, null, null, null],
  ["unknown only (a blind spot so far)", "fail", "new", "new", "new:2:fail", "fail"],
  ["unknown only (a blind spot so far)", "pass", "resolved", "resolved", "resolved:2", "pass"],
  ["unknown only (a blind spot so far)", "unknown", "open", null, null, "unknown"],
  ["unknown only (a blind spot so far)", "muted fail", "new", "new", "new:2:fail", "muted"],
  ["unknown only (a blind spot so far)", "absent, audited", "resolved", "resolved", "resolved:2", "pass"],
  ["unknown only (a blind spot so far)", "absent, not seen", null, null, null, null],
  ["unknown after a failure", "fail", "open", null, null, "fail"],
  ["unknown after a failure", "pass", "resolved", "resolved", "resolved:2", "pass"],
  ["unknown after a failure", "unknown", "open", null, null, "unknown"],
  ["unknown after a failure", "muted fail", "open", null, null, "muted"],
  ["unknown after a failure", "absent, audited", "resolved", "resolved", "resolved:2", "pass"],
  ["unknown after a failure", "absent, not seen", null, null, null, null],
  ["muted failure", "fail", "open", "unmuted", `unmuted:2:${earlier}`, "fail"],
  ["muted failure", "muted fail", "open", null, null, "muted"],
  ["muted failure", "unknown", "open", "unmuted", `unmuted:2:${earlier}`, "unknown"],
  ["muted failure", "pass", "resolved", "resolved", "resolved:2", "pass"],
  ["muted failure", "absent, audited", "resolved", "resolved", "resolved:2", "pass"],
  ["muted failure", "absent, not seen", null, null, null, null],
];

describe("the lifecycle state machine", () => {
  it.each(TABLE)("%s, then %s", (previousName, current, state, transition, key, status) => {
    const next = advance(PREVIOUS[previousName], observe(current), now, options);
    if (state === null) {
      expect(next).toBeNull();
      return;
    }
    expect(next).toMatchObject({ state, transition, transitionKey: key, status });
    // firstSeen is the first time ever, across resolutions and returns.
    expect(next?.firstSeen).toBe(PREVIOUS[previousName]?.firstSeen ?? now.toISOString());
    expect(next?.lastSeen).toBe(now.toISOString());
  });

  it("covers every pair of previous and current observations", () => {
    const currents: Current[] = ["fail", "pass", "unknown", "muted fail", "absent, audited", "absent, not seen"];
    const missing = Object.keys(PREVIOUS).flatMap((previous) =>
      currents.filter((c) => !TABLE.some(([p, t]) => p === previous && t === c)).map((c) => `${previous} then ${c}`),
    );
    expect(missing).toEqual([]);
  });

  it("silences every transition of a muted finding, and the resolution of one", () => {
    expect(advance(undefined, observe("muted fail"), now, options)?.silenced).toBe(true);
    expect(advance(PREVIOUS["muted failure"], { kind: "absent-resolvable" }, now, options)?.silenced).toBe(true);
    expect(advance(PREVIOUS.fail, observe("pass"), now, options)?.silenced).toBe(false);
  });

  it("escalates once above the episode's peak, not on every swing", () => {
    const up = advance(PREVIOUS.fail, { kind: "present", draft: draft("fail", "critical") }, now, options);
    expect(up).toMatchObject({
      transition: "escalated",
      transitionKey: "escalated:2:critical",
      previousSeverity: "high",
      peakSeverity: "critical",
    });
    const down = advance(
      record({ severity: "critical", peakSeverity: "critical" }),
      { kind: "present", draft: draft("fail", "high") },
      now,
      options,
    );
    expect(down).toMatchObject({ transition: null, peakSeverity: "critical", severity: "high" });
    const upAgain = advance(
      record({ severity: "high", peakSeverity: "critical" }),
      { kind: "present", draft: draft("fail", "critical") },
      now,
      options,
    );
    expect(upAgain?.transition).toBeNull();
  });

  it("starts a new episode with its own keys when a resolved problem returns", () => {
    const back = advance(record({ status: "pass", state: "resolved", episode: 4 }), observe("fail"), now, options);
    expect(back).toMatchObject({ episode: 5, transitionKey: "new:5:fail", episodeStartedAt: now.toISOString() });
  });

  it("reminds about a critical still open after the configured hours, once per period", () => {
    const open = record({
      severity: "critical",
      peakSeverity: "critical",
      episodeStartedAt: "2026-11-28T05:00:00.000Z",
    });
    const critical = { kind: "present" as const, draft: draft("fail", "critical") };
    expect(advance(open, critical, now, { reminderAfterHours: 6 })).toMatchObject({
      transition: "reminder",
      transitionKey: `reminder:2:${earlier}`,
      lastRemindedAt: now.toISOString(),
    });
    expect(advance(open, critical, now, { reminderAfterHours: 8 })?.transition).toBeNull();
    expect(
      advance({ ...open, lastRemindedAt: "2026-11-28T09:00:00.000Z" }, critical, now, { reminderAfterHours: 6 })
        ?.transition,
    ).toBeNull();
    expect(advance(open, critical, now, options)?.transition).toBeNull();
  });
});

describe("fingerprintOf", () => {
  const fp = (cloud: "azure" | "aws", scope: string, clusterId: string, subject = "") =>
    fingerprintOf({ ruleId: "r", cloud, scope, clusterId, subject });

  it("is stable, hex, and case-insensitive on ARM IDs", () => {
    expect(fp("azure", "SUB", "/Subscriptions/X")).toBe(fp("azure", "sub", "/subscriptions/x"));
    expect(fp("azure", "sub", "/subscriptions/x")).toMatch(/^[0-9a-f]{40}$/);
    expect(fp("azure", "sub", "/subscriptions/x", "svc")).not.toBe(fp("azure", "sub", "/subscriptions/x"));
  });

  it("keeps EKS names case-sensitive: Prod and prod are two clusters", () => {
    const arn = (name: string) => `arn:aws:eks:us-east-1:111122223333:cluster/${name}`;
    expect(fp("aws", "111122223333", arn("Prod"))).not.toBe(fp("aws", "111122223333", arn("prod")));
  });
});
