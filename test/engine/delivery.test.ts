import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Collector, STAGES } from "../../shared/engine/ports.js";
import { type AuditDeps, runAudit } from "../../shared/engine/run-audit.js";
import { startWebhookCapture, type WebhookCapture } from "../../shared/fakes/webhook-capture.js";
import type { ClusterRecord, CoverageEntry } from "../../shared/model/inventory.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { auditBlindSpot } from "../../shared/rules/audit-blind-spot/audit-blind-spot.js";
import { createSlackNotifier } from "../../shared/sinks/slack/slack-notifier.js";
import { createTeamsNotifier } from "../../shared/sinks/teams/teams-notifier.js";
import { deliveredItems } from "../support/chat-parse.js";
import { gpuPool as gpuPoolOf } from "../support/gpu.js";
import { cluster } from "../support/helpers.js";
import { memoryStore } from "../support/memory-store.js";

let capture: WebhookCapture;
beforeAll(async () => {
  capture = await startWebhookCapture(inject("tls"));
});
afterAll(async () => {
  await capture?.close();
});

const gpuPool = gpuPoolOf({ name: "gpu", maxCount: 8 });

function estate(prefix: string, clusters: () => { name: string; gpu?: boolean }[]): Collector {
  return {
    id: "estate",
    cloud: "azure",
    stage: STAGES.primary,
    collect: async () => {
      const scope = `${prefix}-sub`;
      const coverage: CoverageEntry[] = [{ cloud: "azure", scope, region: null, clusterId: null, source: "clusters" }];
      const records: ClusterRecord[] = clusters().map((c) =>
        cluster({
          scope,
          id: `/subscriptions/${scope}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${c.name}`,
          name: c.name,
          nodePools: c.gpu ? [gpuPool] : [],
        }),
      );
      return { clusters: records, coverage };
    },
  };
}

async function engine(prefix: string, clusters: () => { name: string; gpu?: boolean }[], maxCriticalMessages = 10) {
  const memory = await memoryStore();
  const post = { sleep: async () => {}, maxAttempts: 2 };
  let tick = 0;
  return async (notify = true) => {
    tick += 1;
    const deps: AuditDeps = {
      collectors: [estate(prefix, clusters)],
      rules: [apiServerPublic, auditBlindSpot],
      store: memory.store(),
      notifiers: [
        createSlackNotifier(capture.slackUrl, { post, maxCriticalMessages }),
        createTeamsNotifier(capture.teamsUrl, { post, maxCriticalMessages }),
      ],
      minNotifySeverity: "high",
      clock: () => new Date(Date.parse("2026-11-28T00:00:00Z") + tick * 15 * 60_000),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    };
    return runAudit(deps, { trigger: "test", notify });
  };
}

const itemsOf = (channel: "slack" | "teams", since: number, prefix: string) =>
  capture.posts
    .slice(since)
    .filter((p) => p.channel === channel)
    .flatMap(deliveredItems)
    .filter((i) => i.cluster.startsWith(prefix))
    .map((i) => `${i.kind}:${i.cluster}`);

describe("chat delivery through an outage", () => {
  it("delivers every alert of three Slack-down runs exactly once after it recovers; Teams is unaffected", async () => {
    const names: string[] = [];
    const run = await engine("out", () => names.map((name) => ({ name })));
    const start = capture.posts.length;
    const teamsPerRun: string[][] = [];
    capture.setDown("slack", 500);
    for (let i = 0; i < 3; i++) {
      names.push(`out-c${i}`);
      const before = capture.posts.length;
      const report = await run();
      expect(report.run.sinks.find((s) => s.sink === "slack")?.ok).toBe(false);
      teamsPerRun.push(itemsOf("teams", before, "out"));
    }
    // Teams heard each new cluster in the run it appeared, not later.
    expect(teamsPerRun).toEqual([["new:out-c0"], ["new:out-c1"], ["new:out-c2"]]);
    expect(itemsOf("slack", start, "out")).toEqual([]);
    capture.setDown("slack", null);
    const recovered = await run();
    expect(recovered.run.counts.owed).toBe(0);
    await run();
    expect(itemsOf("slack", start, "out").sort()).toEqual(["new:out-c0", "new:out-c1", "new:out-c2"]);
    expect(itemsOf("teams", start, "out").sort()).toEqual(["new:out-c0", "new:out-c1", "new:out-c2"]);
    // The late ones say when they were decided.
    expect(JSON.stringify(capture.posts.slice(start).filter((p) => p.channel === "slack"))).toContain(
      "(decided 2026-11-28",
    );
  });
});

describe("chat volume", () => {
  it("turns 400 failing findings into one digest plus the criticals per channel, within every limit, the rest counted", async () => {
    const clusters = Array.from({ length: 400 }, (_, i) => ({
      name: `vol-c${String(i).padStart(3, "0")}`,
      gpu: i < 25,
    }));
    const run = await engine("vol", () => clusters, 10);
    const start = capture.posts.length;
    const report = await run();
    expect(report.run.counts.fail).toBe(400);
    const posts = capture.posts.slice(start);
    for (const channel of ["slack", "teams"] as const) {
      const mine = posts.filter((p) => p.channel === channel);
      // Ten criticals on their own (the cap), then one digest with everything else.
      expect(mine).toHaveLength(11);
      const digest = JSON.stringify(mine.at(-1)?.body);
      expect(digest).toMatch(/\d+ more in the findings table/);
    }
    for (const p of posts.filter((x) => x.channel === "slack")) {
      const body = p.body as { blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
      expect(body.blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(body.blocks).length).toBeLessThan(13_000);
      for (const b of body.blocks) {
        if (b.type === "header") expect(b.text?.text.length).toBeLessThanOrEqual(150);
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
        expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
      }
    }
    for (const p of posts.filter((x) => x.channel === "teams"))
      expect(Buffer.byteLength(JSON.stringify(p.body))).toBeLessThan(28_000);
    // Every intent counts as delivered, the summarised ones included: nothing is owed, and a second run is quiet.
    expect(report.run.counts.owed).toBe(0);
    expect(report.run.counts.notified).toBe(800);
    const before = capture.posts.length;
    await run();
    expect(capture.posts.length).toBe(before);
  });
});
