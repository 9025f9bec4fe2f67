/**
 * @module
 * One measured sweep, in a process of its own (so its peak RSS is the engine's, and the fakes in
 * the parent use the other core): the real engine, composed as the function composes it, against
 * the fakes the parent started. In-process: composeAudit + runAudit. Fanned out: the real planner,
 * N workers taking messages from an in-memory queue (base64 JSON, as the Storage queue carries
 * them) into the real queue handlers, and the real finishing step. Tables are in memory.
 */
import { performance } from "node:perf_hooks";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { ConcurrencyLimits } from "../collectors/limits.js";
import { loadSettings } from "../config/settings.js";
import { composeAudit } from "../engine/compose.js";
import { runAudit } from "../engine/run-audit.js";
import { installNetworkGuard } from "../fakes/network-guard.js";
import { composeFanOut } from "../fanout/compose-fanout.js";
import { encodeMessage, type FanOutMessage, parseFanOutMessage } from "../fanout/messages.js";
import { finishSweep, planSweep, runScope } from "../fanout/orchestrator.js";
import type { ScopeQueue } from "../fanout/scope-queue.js";
import type { EntityTable } from "../store/entity-table.js";
import { createMemoryTable } from "../store/memory-table.js";

export interface SweepRequest {
  readonly mode: "in-process" | "fan-out";
  readonly workers: number;
  readonly concurrency: Partial<ConcurrencyLimits>;
}

export interface SweepResult {
  readonly mode: SweepRequest["mode"];
  readonly composeMs: number;
  /** In-process: until the engine said it had collected; fanned out: until the finishing step was done. */
  readonly collectMs: number;
  readonly totalMs: number;
  readonly cpuMs: number;
  /** Share of the wall time the event loop was busy (1: bound by this process's CPU). */
  readonly eventLoopUtilization: number;
  readonly maxRssMb: number;
  readonly tokens: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly gaps: readonly string[];
  readonly scopes: number;
  /** Fanned out: how long each scope's queue handler took, by cloud. */
  readonly scopeTimes: { readonly azure: readonly number[]; readonly aws: readonly number[] };
  /** In-process: when each collector finished, from the start of the run (where the time goes). */
  readonly collectors: readonly { readonly id: string; readonly stage: number; readonly doneMs: number }[];
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A static identity that counts the token requests reaching it (the run's cache sits in front). */
function countingCredential(tokens: Map<string, number>): TokenCredential {
  return {
    async getToken(scopes): Promise<AccessToken> {
      const key = [scopes].flat().join(" ");
      tokens.set(key, (tokens.get(key) ?? 0) + 1);
      return { token: "bench-token", expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

function memoryTables(): (name: string) => Promise<EntityTable> {
  const opened = new Map<string, Promise<EntityTable>>();
  return (name) => {
    let table = opened.get(name);
    if (!table) {
      table = createMemoryTable(name);
      opened.set(name, table);
    }
    return table;
  };
}

/** The Storage queue in memory: visible messages in order; a delayed one shows up after its delay (or never, if the sweep is over). */
class MemoryQueue implements ScopeQueue {
  readonly target = "memory/audit-scopes";
  readonly #visible: string[] = [];
  readonly #waiting: ((text: string | null) => void)[] = [];
  readonly #delayed = new Set<NodeJS.Timeout>();
  #closed = false;

  async send(message: FanOutMessage, delaySeconds = 0): Promise<void> {
    const text = encodeMessage(message);
    if (delaySeconds <= 0) return this.#show(text);
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      this.#show(text);
    }, delaySeconds * 1000);
    this.#delayed.add(timer);
  }

  #show(text: string): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(text);
    else this.#visible.push(text);
  }

  receive(): Promise<string | null> {
    const text = this.#visible.shift();
    if (text !== undefined) return Promise.resolve(text);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): void {
    this.#closed = true;
    // The deadline's message: the finishing step has run, it would find nothing to do.
    for (const timer of this.#delayed) clearTimeout(timer);
    for (const waiter of this.#waiting.splice(0)) waiter(null);
  }
}

export async function runSweep(request: SweepRequest, env: NodeJS.ProcessEnv): Promise<SweepResult> {
  const settings = loadSettings(env, { localStoreDirectory: "/nonexistent/bench" });
  const tokens = new Map<string, number>();
  const options = {
    azureCredential: countingCredential(tokens),
    tables: memoryTables(),
    log: quiet,
    concurrency: request.concurrency,
  };
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  let composedAt = started;
  let collectedAt = 0;
  let counts: Record<string, number> = {};
  let gaps: string[] = [];
  let scopes = 0;
  const collectors: { id: string; stage: number; doneMs: number }[] = [];
  const scopeTimes: { azure: number[]; aws: number[] } = { azure: [], aws: [] };

  if (request.mode === "in-process") {
    const deps = await composeAudit(settings, {
      ...options,
      progress: (message) => {
        if (message.startsWith("collected ")) collectedAt = performance.now();
      },
    });
    composedAt = performance.now();
    // Timed wrappers, nothing else: each collector still runs exactly as composed.
    const timed = deps.collectors.map((c) => ({
      ...c,
      collect: async (context: Parameters<typeof c.collect>[0]) => {
        const part = await c.collect(context);
        collectors.push({ id: c.id, stage: c.stage, doneMs: performance.now() - composedAt });
        return part;
      },
    }));
    const report = await runAudit({ ...deps, collectors: timed }, { trigger: "cli", notify: false });
    counts = { ...report.run.counts };
    gaps = report.run.gaps.map((g) => `${g.operation}: ${g.reason}`);
  } else {
    const composed = await composeFanOut(settings, options);
    if (!composed) throw new Error("the bench's fan-out settings name no scope queue");
    const queue = new MemoryQueue();
    const deps = { ...composed, queue };
    composedAt = performance.now();
    const plan = await planSweep(deps, "bench");
    if (plan.mode !== "fan-out") throw new Error("the bench's sweep did not fan out");
    scopes = plan.scopes.length;
    const attempts = new Map<string, number>();
    const worker = async (): Promise<void> => {
      for (let text = await queue.receive(); text !== null; text = await queue.receive()) {
        const message = parseFanOutMessage(JSON.parse(Buffer.from(text, "base64").toString("utf8")));
        if (message.kind === "finish") {
          const report = await finishSweep(deps, message);
          if (report) {
            counts = { ...report.run.counts };
            gaps = report.run.gaps.map((g) => `${g.operation}: ${g.reason}`);
            queue.close();
          }
          continue;
        }
        const dequeueCount = (attempts.get(text) ?? 0) + 1;
        attempts.set(text, dequeueCount);
        try {
          const begun = performance.now();
          await runScope(deps, message, { dequeueCount, maxDequeueCount: 5 });
          scopeTimes[message.scope.kind].push(performance.now() - begun);
        } catch {
          // The host makes a failed message visible again until its last try.
          if (dequeueCount < 5) await queue.send(message);
        }
      }
    };
    await Promise.all(Array.from({ length: request.workers }, worker));
    collectedAt = performance.now();
  }
  const finished = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return {
    mode: request.mode,
    composeMs: composedAt - started,
    collectMs: (collectedAt || finished) - composedAt,
    totalMs: finished - composedAt,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    tokens: Object.fromEntries(tokens),
    counts,
    gaps,
    scopes,
    collectors,
    scopeTimes,
  };
}

// Run as a child of the bench: the request comes in an environment variable, the result goes back over IPC.
if (process.env.CLUSTER_AUDIT_BENCH_SWEEP) {
  installNetworkGuard();
  const request = JSON.parse(process.env.CLUSTER_AUDIT_BENCH_SWEEP) as SweepRequest;
  const reply = await runSweep(request, process.env).then(
    (result) => ({ ok: true, result }),
    (error: unknown) => ({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
  // Exit once the answer is out: keep-alive sockets to the fakes would hold the process open.
  process.send?.(reply, () => process.exit(0));
}
