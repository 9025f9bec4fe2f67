import { TableClient } from "@azure/data-tables";
import azureFunctions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditScopeWorker } from "../../functions/auditScopeWorker.js";
import { auditTimer } from "../../functions/auditTimer.js";
import { loadSettings } from "../../shared/config/settings.js";
import type { SimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import { composeFanOut } from "../../shared/fanout/compose-fanout.js";
import { parseFanOutMessage } from "../../shared/fanout/messages.js";
import { finishSweep, planSweep, runScope } from "../../shared/fanout/orchestrator.js";
import { uniqueTableName } from "../support/helpers.js";
import { startTestCloud, withEnvironment } from "../support/simulated.js";

const { InvocationContext } = azureFunctions;

let cloud: SimulatedCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => cloud?.stop());

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
};

/** A fan-out configuration on the shared Azurite: its queue service, a fresh queue and fresh tables. */
function fanOutEnv(extra: Record<string, string> = {}) {
  const queueName = `scopes-${Math.random().toString(36).slice(2, 10)}`;
  return {
    ...cloud.environment,
    AUDIT_TABLE_CONNECTION_STRING: cloud.environment.AUDIT_TABLE_CONNECTION_STRING ?? "",
    AUDIT_FINDINGS_TABLE: uniqueTableName("f"),
    AUDIT_RUNS_TABLE: uniqueTableName("r"),
    AUDIT_QUEUE_CONNECTION_STRING: inject("azurite").connectionString,
    AUDIT_QUEUE_NAME: queueName,
    AUDIT_FANOUT_MIN_SCOPES: "2",
    // One subscription per scope, so the demo estate fans out into several Azure scopes.
    AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: "1",
    ...extra,
  };
}

function invocation(dequeueCount: number, logs: string[] = []) {
  return new InvocationContext({
    functionName: "auditScopeWorker",
    triggerMetadata: { dequeueCount },
    logHandler: (_level, ...args) => void logs.push(args.join(" ")),
  });
}

interface Drained {
  readonly handled: number;
  readonly poisoned: unknown[];
}

/**
 * The Functions host's queue loop, in small: receive (base64 JSON), invoke the handler with the
 * dequeue count, delete on success, make it visible again on failure, and move it to `<queue>-poison`
 * after 5 tries. Messages whose visibility is delayed (the deadline) stay put.
 */
async function drain(
  queueName: string,
  handle: (body: unknown, dequeueCount: number) => Promise<void>,
  options: { skip?: (body: unknown) => boolean } = {},
): Promise<Drained> {
  const connection = inject("azurite").connectionString;
  const queue = new QueueClient(connection, queueName);
  const poison = new QueueClient(connection, `${queueName}-poison`);
  await poison.createIfNotExists();
  let handled = 0;
  for (let round = 0; round < 200; round++) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    if (receivedMessageItems.length === 0) break;
    for (const m of receivedMessageItems) {
      const body: unknown = JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8"));
      if (options.skip?.(body)) {
        await queue.deleteMessage(m.messageId, m.popReceipt);
        continue;
      }
      try {
        await handle(body, m.dequeueCount);
        handled += 1;
        await queue.deleteMessage(m.messageId, m.popReceipt);
      } catch {
        if (m.dequeueCount >= 5) {
          await poison.sendMessage(m.messageText);
          await queue.deleteMessage(m.messageId, m.popReceipt);
        } else await queue.updateMessage(m.messageId, m.popReceipt, undefined, 0);
      }
    }
  }
  const { receivedMessageItems } = await poison.receiveMessages({ numberOfMessages: 32 });
  return {
    handled,
    poisoned: receivedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8"))),
  };
}

const functionHost =
  (logs: string[] = []) =>
  (body: unknown, dequeueCount: number) =>
    auditScopeWorker(body, invocation(dequeueCount, logs));

async function rowsOf(connection: string, table: string): Promise<Record<string, unknown>[]> {
  const client = TableClient.fromConnectionString(connection, table, { allowInsecureConnection: true });
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities()) rows.push(row);
  return rows;
}

describe("fan-out over the Storage queue (Azurite)", () => {
  it("plans on the timer, audits each scope on the queue, finishes once, and notifies once per channel", async () => {
    const env = fanOutEnv();
    const logs: string[] = [];
    const posts = cloud.webhooks.posts.length;
    await withEnvironment(env, async () => {
      await auditTimer(
        timer,
        new InvocationContext({ functionName: "auditTimer", logHandler: (_l, ...a) => void logs.push(a.join(" ")) }),
      );
      expect(logs.some((l) => /fanned out \d+ scope\(s\)/.test(l))).toBe(true);
      // The timer sent nothing itself: the finishing step will.
      expect(cloud.webhooks.posts.length).toBe(posts);
      const drained = await drain(env.AUDIT_QUEUE_NAME, functionHost(logs));
      expect(drained.poisoned).toEqual([]);
      expect(drained.handled).toBeGreaterThan(3);
    });
    const summary = logs.find((l) => l.startsWith("cluster-audit run-summary "));
    expect(summary).toBeDefined();
    const event = JSON.parse(summary?.slice("cluster-audit run-summary ".length) ?? "{}");
    expect(event).toMatchObject({ trigger: "queue", delivered: true });
    expect(event.counts.clusters).toBeGreaterThan(5);
    // One digest per channel for the whole sweep (plus the criticals on their own), not one per scope.
    const sent = cloud.webhooks.posts.slice(posts);
    const digests = sent.filter(
      (p) =>
        JSON.stringify(p.body).includes("more in the findings table") || /new problems/.test(JSON.stringify(p.body)),
    );
    expect(sent.filter((p) => p.channel === "slack").length).toBe(sent.filter((p) => p.channel === "teams").length);
    expect(digests.filter((p) => p.channel === "slack")).toHaveLength(1);
    // The findings of every subscription and account landed, each scope in its own partitions.
    const findings = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_FINDINGS_TABLE);
    const partitions = new Set(findings.map((r) => decodeURIComponent(String(r.partitionKey))));
    expect([...partitions].filter((p) => p.startsWith("azure|")).length).toBeGreaterThanOrEqual(3);
    expect([...partitions].some((p) => p.startsWith("aws|"))).toBe(true);
    expect(findings.every((r) => String(r.pendingChannels ?? "") === "")).toBe(true);
    const runs = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_RUNS_TABLE);
    expect(runs.filter((r) => r.rowKey === "plan").map((r) => r.state)).toEqual(["finished"]);
    expect(runs.filter((r) => typeof r.runId === "string" && r.rowKey !== "plan")).toHaveLength(1);
  });

  it("changes nothing when a queue message is delivered twice", async () => {
    const env = fanOutEnv();
    await withEnvironment(env, async () => {
      const deps = await composeFanOut(loadSettings(process.env), { log: quiet });
      if (!deps) throw new Error("no fan-out");
      const plan = await planSweep(deps, "test");
      if (plan.mode !== "fan-out") throw new Error("expected a fan-out");
      const seen: unknown[] = [];
      await drain(env.AUDIT_QUEUE_NAME, async (body, n) => {
        seen.push(body);
        await auditScopeWorker(body, invocation(n));
      });
      const before = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_FINDINGS_TABLE);
      const posts = cloud.webhooks.posts.length;
      // Every message again, the finishing step included.
      for (const body of seen) await auditScopeWorker(body, invocation(1));
      const after = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_FINDINGS_TABLE);
      const view = (rows: Record<string, unknown>[]) =>
        rows.map((r) => `${r.rowKey}|${r.status}|${r.episode}|${r.pendingChannels ?? ""}`).sort();
      expect(view(after)).toEqual(view(before));
      expect(cloud.webhooks.posts.length).toBe(posts);
    });
  });

  it("reports a scope that never reported as a blind spot at the deadline, and still notifies the rest", async () => {
    const env = fanOutEnv();
    await withEnvironment(env, async () => {
      const deps = await composeFanOut(loadSettings(process.env), { log: quiet });
      if (!deps) throw new Error("no fan-out");
      const plan = await planSweep(deps, "test");
      if (plan.mode !== "fan-out") throw new Error("expected a fan-out");
      const lost = plan.scopes.find((s) => s.kind === "aws");
      // One scope's message is lost; the others run. The sweep is not complete, so no finish comes early.
      await drain(env.AUDIT_QUEUE_NAME, functionHost(), {
        skip: (body) => JSON.stringify((body as { scope?: unknown }).scope) === JSON.stringify(lost),
      });
      const logs: string[] = [];
      // The deadline's message, as the queue hands it over once its visibility delay has passed.
      await auditScopeWorker({ v: 1, kind: "finish", runId: plan.runId, reason: "deadline" }, invocation(1, logs));
      const findings = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_FINDINGS_TABLE);
      const spot = findings.find(
        (r) => r.ruleId === "audit-blind-spot" && String(r.detail).includes("no worker reported"),
      );
      expect(spot).toMatchObject({ status: "unknown", cloud: "aws", region: lost?.kind === "aws" ? lost.region : "" });
      expect(logs.some((l) => l.startsWith("cluster-audit run-summary "))).toBe(true);
    });
  });

  it("turns a message that fails every try into a visible blind spot, then poisons it", async () => {
    const env = fanOutEnv();
    await withEnvironment(env, async () => {
      const settings = loadSettings(process.env);
      const real = await composeFanOut(settings, { log: quiet });
      if (!real) throw new Error("no fan-out");
      const plan = await planSweep(real, "test");
      if (plan.mode !== "fan-out") throw new Error("expected a fan-out");
      const doomed = plan.scopes.find((s) => s.kind === "azure");
      // This scope's worker always crashes (say, out of memory on a huge subscription).
      const deps = {
        ...real,
        compose: async (...args: Parameters<typeof real.compose>) => {
          if (
            JSON.stringify(args[0].azure.subscriptions) ===
              JSON.stringify(doomed?.kind === "azure" ? doomed.subscriptions : []) &&
            args[0].clouds.length === 1 &&
            args[0].clouds[0] === "azure"
          )
            throw new Error("worker crashed");
          return real.compose(...args);
        },
      };
      const drained = await drain(env.AUDIT_QUEUE_NAME, async (body, n) => {
        const message = parseFanOutMessage(body);
        if (message.kind === "scope") await runScope(deps, message, { dequeueCount: n, maxDequeueCount: 5 });
        else await finishSweep(deps, message);
      });
      expect(drained.poisoned).toHaveLength(1);
      const findings = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_FINDINGS_TABLE);
      const spot = findings.find(
        (r) => r.ruleId === "audit-blind-spot" && String(r.detail).includes("failed 5 time(s): worker crashed"),
      );
      expect(spot).toMatchObject({ status: "unknown", scope: doomed?.kind === "azure" ? doomed.subscriptions[0] : "" });
      const runs = await rowsOf(env.AUDIT_TABLE_CONNECTION_STRING ?? "", env.AUDIT_RUNS_TABLE);
      expect(runs.find((r) => r.rowKey === "plan")?.state).toBe("finished");
    });
  });

  it("keeps a small sweep in-process", async () => {
    const env = fanOutEnv({ AUDIT_FANOUT_MIN_SCOPES: "1000" });
    const logs: string[] = [];
    await withEnvironment(env, () =>
      auditTimer(
        timer,
        new InvocationContext({ functionName: "auditTimer", logHandler: (_l, ...a) => void logs.push(a.join(" ")) }),
      ),
    );
    expect(logs.some((l) => l.includes("fanned out"))).toBe(false);
    expect(logs.some((l) => l.startsWith("cluster-audit run-summary ") && l.includes('"trigger":"timer"'))).toBe(true);
  });
});
