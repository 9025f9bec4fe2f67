import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Collector, type Notification, STAGES } from "../../shared/engine/ports.js";
import { type AuditDeps, runAudit } from "../../shared/engine/run-audit.js";
import { startWebhookCapture, type WebhookCapture } from "../../shared/fakes/webhook-capture.js";
import type { ClusterRecord, CollectionGap, CoverageEntry } from "../../shared/model/inventory.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { auditBlindSpot } from "../../shared/rules/audit-blind-spot/audit-blind-spot.js";
import { seededRandom } from "../../shared/seeded-random.js";
import { renderSlackMessages } from "../../shared/sinks/slack/render-blocks.js";
import { renderTeamsMessages } from "../../shared/sinks/teams/render-card.js";
import { createWebhookNotifier } from "../../shared/sinks/webhook/webhook-notifier.js";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import type { EntityTable, TableOperation } from "../../shared/store/entity-table.js";
import { createFindingStore } from "../../shared/store/finding-store.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import { deliveredItems } from "../support/chat-parse.js";
import { gpuPool as gpuPoolOf } from "../support/gpu.js";
import { cluster, uniqueTableName } from "../support/helpers.js";

/**
 * The delivery guarantee, under crashes. Each seeded scenario runs the real engine,
 * store and notifiers (real Slack and Teams renderers posting to a loopback webhook
 * capture) over an estate that changes run by run, and hard-stops some runs at a
 * random step: during the store write, after the intents are written, between two
 * messages, after a message's 2xx and before its mark, during the mark. After the
 * crash nothing else of that run lands, as if the process died. Then it checks what
 * chat received against every intent that was ever durably decided.
 */

class Crash extends Error {
  override readonly name = "Crash";
}

type FaultKind = "store-write" | "before-send" | "after-send" | "during-mark";
interface Fault {
  readonly kind: FaultKind;
  readonly ordinal: number;
}

interface Harness {
  crashed: boolean;
  fault: Fault | null;
  storeWrites: number;
  posts: number;
  marks: number;
  run: number;
  /** Every intent key a row durably held, per `fingerprint|channel`. */
  readonly durable: Map<string, Set<string>>;
  /** What each rendered message carries, by its exact body: the renderers are the real ones. */
  readonly carriedBy: Map<string, { channel: string; carried: { fingerprint: string; key: string }[] }>;
  /** Every 2xx-accepted message, in order: what chat actually received. */
  readonly accepted: { channel: string; run: number; carried: { fingerprint: string; key: string }[] }[];
}

function faultyTable(inner: EntityTable, h: Harness, track: boolean): EntityTable {
  const guard = () => {
    if (h.crashed) throw new Crash("process is gone");
  };
  return {
    name: inner.name,
    target: inner.target,
    ensureExists: async () => {
      guard();
      return inner.ensureExists();
    },
    async *list(options) {
      guard();
      yield* inner.list(options);
    },
    get: async (pk, rk) => {
      guard();
      return inner.get(pk, rk);
    },
    submit: async (operations: readonly TableOperation[]) => {
      guard();
      const write = operations.some((o) => o.kind === "create" || o.kind === "replace");
      const mark = operations.some((o) => o.kind === "merge");
      if (track && write) h.storeWrites += 1;
      if (track && mark) h.marks += 1;
      if (
        track &&
        ((h.fault?.kind === "store-write" && write && h.storeWrites === h.fault.ordinal) ||
          (h.fault?.kind === "during-mark" && mark && h.marks === h.fault.ordinal))
      ) {
        h.crashed = true;
        throw new Crash("hard stop in the store");
      }
      const etags = await inner.submit(operations);
      if (track)
        for (const op of operations) {
          if (op.kind === "delete" || typeof op.row.outbox !== "string") continue;
          const outbox = JSON.parse(op.row.outbox) as Record<string, { key: string }[]>;
          for (const [channel, intents] of Object.entries(outbox))
            for (const intent of intents) {
              const id = `${op.row.rowKey}|${channel}`;
              h.durable.set(id, (h.durable.get(id) ?? new Set()).add(intent.key));
            }
        }
      return etags;
    },
  };
}

function faultyFetch(h: Harness): typeof fetch {
  return async (input, init) => {
    if (h.crashed) throw new Crash("process is gone");
    h.posts += 1;
    if (h.fault?.kind === "before-send" && h.posts === h.fault.ordinal) {
      h.crashed = true;
      throw new Crash("hard stop before the message");
    }
    const response = await fetch(input, init);
    if (response.ok) {
      const rendered = h.carriedBy.get(String(init?.body));
      if (!rendered) throw new Error("a message the renderers did not produce");
      h.accepted.push({ channel: rendered.channel, run: h.run, carried: rendered.carried });
    }
    if (h.fault?.kind === "after-send" && h.posts === h.fault.ordinal && response.ok) {
      h.crashed = true;
      throw new Crash("hard stop after the 2xx, before the mark");
    }
    return response;
  };
}

interface ClusterState {
  present: boolean;
  public: boolean;
  gpu: boolean;
  blind: boolean;
}

const gpuPool = gpuPoolOf({ name: "gpu", maxCount: 8 });

/** The real Slack or Teams notifier, noting what each rendered body carries so the test can count intents. */
function recorded(
  channel: "slack" | "teams",
  url: string,
  h: Harness,
  post: { fetch: typeof fetch; sleep: () => Promise<void> },
) {
  return createWebhookNotifier({
    channel,
    url,
    post,
    maxCriticalMessages: 2,
    spacingMs: 0,
    accepted: (r) => r.status === 200 || r.status === 202,
    render: (plan, run, context) => {
      const messages: { payload: unknown; carries: readonly Notification[] }[] =
        channel === "slack" ? renderSlackMessages(plan, run, context) : renderTeamsMessages(plan, run, context);
      for (const m of messages)
        h.carriedBy.set(JSON.stringify(m.payload), {
          channel,
          carried: m.carries.map((n) => ({ fingerprint: n.finding.fingerprint, key: n.intent.key })),
        });
      return messages;
    },
  });
}

function estateCollector(prefix: string, states: ClusterState[]): Collector {
  return {
    id: "estate",
    cloud: "azure",
    stage: STAGES.primary,
    collect: async () => {
      const clusters: ClusterRecord[] = [];
      const coverage: CoverageEntry[] = [];
      const gaps: CollectionGap[] = [];
      states.forEach((s, i) => {
        const scope = `${prefix}-sub${i}`;
        if (s.blind) {
          gaps.push({
            cloud: "azure",
            scope,
            region: null,
            clusterId: null,
            clusterName: null,
            operation: "list-managed-clusters",
            reason: "access denied",
            code: "AuthorizationFailed",
          });
          return;
        }
        coverage.push({ cloud: "azure", scope, region: null, clusterId: null, source: "clusters" });
        if (!s.present) return;
        clusters.push(
          cluster({
            scope,
            id: `/subscriptions/${scope}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${prefix}-c${i}`,
            name: `${prefix}-c${i}`,
            nodePools: s.gpu ? [gpuPool] : [],
            apiServer: { publicEndpoint: s.public, allowedSourceCidrs: null, privateCluster: !s.public, fqdn: null },
          }),
        );
      });
      return { clusters, coverage, gaps };
    },
  };
}

let capture: WebhookCapture;
beforeAll(async () => {
  capture = await startWebhookCapture(inject("tls"));
});
afterAll(async () => {
  await capture?.close();
});

const RUNS = 6;
const SETTLE_RUNS = 2;
const FAULT_KINDS: readonly FaultKind[] = ["store-write", "before-send", "after-send", "during-mark"];

async function scenario(
  seed: number,
  tables: () => Promise<{ findings: EntityTable; runs: EntityTable }>,
): Promise<{ crashes: number; windowHits: number; mismatches: string[]; delivered: number }> {
  const random = seededRandom(seed);
  const prefix = `s${seed}`;
  const states: ClusterState[] = Array.from({ length: 5 }, () => ({
    present: random() < 0.8,
    public: random() < 0.6,
    gpu: random() < 0.4,
    blind: false,
  }));
  const h: Harness = {
    crashed: false,
    fault: null,
    storeWrites: 0,
    posts: 0,
    marks: 0,
    run: 0,
    durable: new Map(),
    carriedBy: new Map(),
    accepted: [],
  };
  const { findings, runs } = await tables();
  const firstPost = capture.posts.length;
  const windows = new Map<string, number>();
  let crashes = 0;
  let windowHits = 0;
  const post = { fetch: faultyFetch(h), sleep: async () => {} };
  for (let run = 0; run < RUNS + SETTLE_RUNS; run++) {
    const settling = run >= RUNS;
    if (!settling && run > 0)
      for (const s of states) {
        const roll = random();
        if (roll < 0.15) s.present = !s.present;
        else if (roll < 0.35) s.public = !s.public;
        else if (roll < 0.45) s.gpu = !s.gpu;
        else if (roll < 0.52) s.blind = !s.blind;
      }
    if (settling) for (const s of states) s.blind = false;
    h.crashed = false;
    h.storeWrites = 0;
    h.posts = 0;
    h.marks = 0;
    h.run = run;
    const kind = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] ?? "before-send";
    h.fault = !settling && random() < 0.6 ? { kind, ordinal: 1 + Math.floor(random() * 3) } : null;
    const findingsTable = faultyTable(findings, h, true);
    const deps: AuditDeps = {
      collectors: [estateCollector(prefix, states)],
      rules: [apiServerPublic, auditBlindSpot],
      store: createFindingStore({
        findings: findingsTable,
        runs: faultyTable(runs, h, false),
        sourcesOf: () => ["clusters"],
      }),
      notifiers: [recorded("slack", capture.slackUrl, h, post), recorded("teams", capture.teamsUrl, h, post)],
      minNotifySeverity: "medium",
      clock: () => new Date(Date.parse("2026-11-28T00:00:00Z") + run * 15 * 60_000),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    };
    await runAudit(deps, { trigger: "test", notify: true });
    if (!h.crashed) continue;
    crashes += 1;
    // A message that arrived but whose intents its rows still hold will be sent again: the one named window.
    const pending = new Set<string>();
    for await (const row of findings.list()) {
      const outbox = JSON.parse(String(row.outbox ?? "{}")) as Record<string, { key: string }[]>;
      for (const [channel, intents] of Object.entries(outbox))
        for (const intent of intents) pending.add(`${row.rowKey}|${channel}|${intent.key}`);
    }
    for (const message of h.accepted.filter((m) => m.run === run)) {
      const stale = message.carried
        .map((c) => `${c.fingerprint}|${message.channel}|${c.key}`)
        .filter((id) => pending.has(id));
      if (stale.length > 0) windowHits += 1;
      for (const id of stale) windows.set(id, (windows.get(id) ?? 0) + 1);
    }
  }

  // Owed: every key a row ever durably held (once, plus once per window hit). Received: every key an accepted message carried.
  const expected = new Map<string, number>();
  for (const [id, keys] of h.durable)
    for (const key of keys) expected.set(`${id}|${key}`, 1 + (windows.get(`${id}|${key}`) ?? 0));
  const received = new Map<string, number>();
  for (const message of h.accepted)
    for (const c of message.carried) {
      const id = `${c.fingerprint}|${message.channel}|${c.key}`;
      received.set(id, (received.get(id) ?? 0) + 1);
    }
  const mismatches: string[] = [];
  for (const [id, n] of expected) {
    const got = received.get(id) ?? 0;
    if (got < n) mismatches.push(`${id}: ${n - got} lost`);
    if (got > n) mismatches.push(`${id}: ${got - n} duplicate(s)`);
  }
  for (const id of received.keys()) if (!expected.has(id)) mismatches.push(`${id}: sent but never decided`);
  // What people read matches: each accepted message names every finding it carries, by cluster and rule.
  const delivered = capture.posts.slice(firstPost).flatMap(deliveredItems);
  const carriedLines = h.accepted.reduce((n, m) => n + m.carried.length, 0);
  if (delivered.length !== carriedLines)
    mismatches.push(`chat shows ${delivered.length} lines for ${carriedLines} intents`);
  // And nothing is still owed once the estate settles.
  for await (const row of findings.list())
    if (String(row.pendingChannels ?? "") !== "") mismatches.push(`${row.clusterName}: still owed ${row.outbox}`);
  return { crashes, windowHits, mismatches, delivered: delivered.length };
}

describe("delivery under crashes", () => {
  it("delivers every durably decided transition exactly once over 50 seeded scenarios, except the named window", async () => {
    let crashes = 0;
    let windowHits = 0;
    let delivered = 0;
    const problems: string[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const result = await scenario(seed, async () => ({
        findings: await createMemoryTable(`f${seed}`),
        runs: await createMemoryTable(`r${seed}`),
      }));
      crashes += result.crashes;
      windowHits += result.windowHits;
      delivered += result.delivered;
      problems.push(...result.mismatches.map((m) => `seed ${seed}: ${m}`));
    }
    expect(problems).toEqual([]);
    expect(crashes).toBeGreaterThanOrEqual(50);
    // The window is exercised, and counted: a crash between a webhook's 2xx and the store's mark.
    expect(windowHits).toBeGreaterThan(0);
    expect(delivered).toBeGreaterThan(200);
    console.info(
      `crash test: ${crashes} crashed runs, ${delivered} finding lines delivered, ${windowHits} window hit(s)`,
    );
  });

  it("holds on Azurite too", async () => {
    const connectionString = inject("azurite").connectionString;
    const table = async (name: string) => {
      const { client, target } = createTableClient({ kind: "connectionString", connectionString }, name);
      return createAzureEntityTable(client, target);
    };
    const problems: string[] = [];
    let crashes = 0;
    for (let seed = 101; seed <= 108; seed++) {
      const result = await scenario(seed, async () => ({
        findings: await table(uniqueTableName("cf")),
        runs: await table(uniqueTableName("cr")),
      }));
      crashes += result.crashes;
      problems.push(...result.mismatches.map((m) => `seed ${seed}: ${m}`));
    }
    expect(problems).toEqual([]);
    expect(crashes).toBeGreaterThan(4);
  });
});
