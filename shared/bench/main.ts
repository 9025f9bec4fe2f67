/**
 * `npm run bench`: the real engine against the simulated estate, scaled up (500 subscriptions, 2,000
 * AKS clusters, 50 AWS accounts × 17 regions, 1,000 EKS clusters, 40 workspaces), every fake
 * answering after an injected latency. It prints the calls by API (counted at the fakes) against
 * the minimum, the lower-bound wall time of the call graph at the configured concurrency
 * (`call-graph.ts`), the measured wall time of an in-process sweep and of a fanned-out one, peak
 * RSS, the entry import time, rule evaluation on 10,000 clusters and the spike-detection quality.
 * It never fails on speed or score. Everything stays on loopback.
 *
 *   npm run bench -- [--latency-ms 100] [--workers 8] [--scale 1] [--concurrency eks=128,elb=64]
 *                    [--only in-process|fan-out]
 *   (or CLUSTER_AUDIT_BENCH_LATENCY_MS, _WORKERS, _SCALE, _CONCURRENCY; BENCH_PROF=<dir> profiles each sweep's process)
 */
import { fork } from "node:child_process";
import { readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ConcurrencyLimits, DEFAULT_CONCURRENCY } from "../collectors/limits.js";
import { evaluateRules } from "../engine/evaluate.js";
import type { StoredFinding } from "../engine/ports.js";
import { startAzurite } from "../fakes/azurite.js";
import { runKql } from "../fakes/kql/interpreter.js";
import { installNetworkGuard } from "../fakes/network-guard.js";
import { loadTelemetry } from "../fakes/telemetry.js";
import { createLoopbackCertificate, type LoopbackCertificate } from "../fakes/tls-cert.js";
import { DEMO_TELEMETRY_PATH, repoRoot } from "../paths.js";
import { ALL_RULES } from "../rules/index.js";
import { createAzureEntityTable, createTableClient } from "../store/azure-table.js";
import { createFindingStore } from "../store/finding-store.js";
import { BENCH_PAGE_SIZES, benchEnvironment, callsAtFakes, startBenchFakes } from "./bench-fakes.js";
import {
  type CallGraph,
  callsByApi,
  fanOutCallsByApi,
  fanOutGraph,
  fanOutLowerBound,
  inProcessGraph,
  lowerBound,
} from "./call-graph.js";
import { importEntry } from "./cold-start.js";
import { ruleInventory } from "./rule-inventory.js";
import { FULL_SCALE, type Scale, type ScaledEstate, scaledEstate } from "./scaled-estate.js";
import { runSpikeBench } from "./spike-quality.js";
import type { SweepRequest, SweepResult } from "./sweep-child.js";

const SUBSCRIPTIONS_PER_SCOPE = 100;
const EVALUATION_CLUSTERS = 10_000;
const TABLE_ROWS = 1000;

const { values: flags } = parseArgs({
  options: {
    "latency-ms": { type: "string" },
    workers: { type: "string" },
    scale: { type: "string" },
    /** Limits over DEFAULT_CONCURRENCY, e.g. `eks=128,elb=64`. */
    concurrency: { type: "string" },
    /** `in-process` or `fan-out`: that sweep alone (while working on it). */
    only: { type: "string" },
  },
});
const only = flags.only;
const numberOf = (flag: string | undefined, variable: string, fallback: number): number => {
  const value = Number(flag ?? process.env[variable] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${variable}: ${flag} is not a number ≥ 0`);
  return value;
};
const latencyMs = numberOf(flags["latency-ms"], "CLUSTER_AUDIT_BENCH_LATENCY_MS", 100);
const workers = Math.max(1, Math.round(numberOf(flags.workers, "CLUSTER_AUDIT_BENCH_WORKERS", 8)));
const fraction = numberOf(flags.scale, "CLUSTER_AUDIT_BENCH_SCALE", 1);
/** A fraction of the estate, for a quick look (`--scale 0.1`); the figures in the README are at 1. */
const scale: Scale = {
  subscriptions: Math.max(1, Math.round(FULL_SCALE.subscriptions * fraction)),
  aksClusters: Math.max(1, Math.round(FULL_SCALE.aksClusters * fraction)),
  awsAccounts: Math.max(1, Math.round(FULL_SCALE.awsAccounts * fraction)),
  awsRegions: FULL_SCALE.awsRegions,
  eksClusters: Math.max(1, Math.round(FULL_SCALE.eksClusters * fraction)),
  workspaces: Math.max(1, Math.round(FULL_SCALE.workspaces * fraction)),
};
const overrides: Partial<Record<keyof ConcurrencyLimits, number>> = {};
for (const pair of (flags.concurrency ?? process.env.CLUSTER_AUDIT_BENCH_CONCURRENCY ?? "")
  .split(",")
  .filter(Boolean)) {
  const [key, value] = pair.split("=");
  if (!key || !(key in DEFAULT_CONCURRENCY)) throw new RangeError(`--concurrency: unknown limit ${key}`);
  overrides[key as keyof ConcurrencyLimits] = Number(value);
}
const limits: ConcurrencyLimits = { ...DEFAULT_CONCURRENCY, ...overrides };

async function sweep(
  request: SweepRequest,
  scaled: ScaledEstate,
  tls: LoopbackCertificate,
  now: Date,
): Promise<{
  result: SweepResult;
  calls: Map<string, number>;
  failed: Map<string, number>;
  fakesLoad: { cpuMs: number; eventLoopUtilization: number };
}> {
  const fakes = await startBenchFakes(scaled, tls, { now, latencyMs });
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      NODE_EXTRA_CA_CERTS: tls.certPath,
      CLUSTER_AUDIT_BENCH_SWEEP: JSON.stringify(request),
      ...benchEnvironment(
        fakes,
        scaled,
        request.mode === "fan-out" ? { subscriptionsPerScope: SUBSCRIPTIONS_PER_SCOPE } : null,
      ),
    };
    const fakesElu = performance.eventLoopUtilization();
    const fakesCpu = process.cpuUsage();
    const child = fork(fileURLToPath(new URL("./sweep-child.js", import.meta.url)), [], {
      env,
      execArgv: process.env.BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const reply = await new Promise<{ ok: boolean; result?: SweepResult; error?: string }>((resolve, reject) => {
      child.once("message", (message) => resolve(message as { ok: boolean; result?: SweepResult; error?: string }));
      child.once("exit", (code) => reject(new Error(`the sweep child exited (${code}) without a result`)));
    });
    if (!reply.ok || !reply.result) throw new Error(`the ${request.mode} sweep failed: ${reply.error ?? "?"}`);
    const cpu = process.cpuUsage(fakesCpu);
    const fakesLoad = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopUtilization: performance.eventLoopUtilization(fakesElu).utilization,
    };
    return { result: reply.result, fakesLoad, ...callsAtFakes(fakes, reply.result.tokens) };
  } finally {
    await fakes.close();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const ms = (value: number): string => `${Math.round(value).toLocaleString("en-US")} ms`;
const ratio = (value: number): string => `${value.toFixed(2)}`;
const pad = (text: string, width: number): string => text.padEnd(width);
const padLeft = (text: string, width: number): string => text.padStart(width);

function callTable(
  measured: ReadonlyMap<string, number>,
  failed: ReadonlyMap<string, number>,
  minimum: ReadonlyMap<string, number>,
): { lines: string[]; total: number; minimum: number } {
  const apis = [...new Set([...minimum.keys(), ...measured.keys()])].sort();
  const lines = [`  ${pad("API", 30)}${padLeft("calls", 8)}${padLeft("minimum", 9)}${padLeft("non-2xx", 9)}`];
  let total = 0;
  let least = 0;
  for (const api of apis) {
    const n = measured.get(api) ?? 0;
    const m = minimum.get(api) ?? 0;
    total += n;
    least += m;
    lines.push(
      `  ${pad(api, 30)}${padLeft(String(n), 8)}${padLeft(String(m), 9)}${padLeft(String(failed.get(api) ?? 0), 9)}${n !== m ? "  ←" : ""}`,
    );
  }
  lines.push(`  ${pad("total", 30)}${padLeft(String(total), 8)}${padLeft(String(least), 9)}`);
  return { lines, total, minimum: least };
}

/** The minimum calls including the token requests (one per audience per run). */
function withTokens(counts: Map<string, number>, graph: CallGraph): Map<string, number> {
  const apis = new Set(graph.nodes.map((n) => n.api));
  counts.set("token.arm", 1);
  if (apis.has("logAnalytics.query")) counts.set("token.logs", 1);
  return counts;
}

async function tableBatching(): Promise<string> {
  const azurite = await startAzurite();
  try {
    const table = (name: string) => {
      const { client, target } = createTableClient(
        { kind: "connectionString", connectionString: azurite.connectionString },
        name,
      );
      return createAzureEntityTable(client, target);
    };
    const findingsTable = table("benchfindings");
    const store = createFindingStore({ findings: findingsTable, runs: table("benchruns"), sourcesOf: () => [] });
    const seed: StoredFinding[] = Array.from({ length: 10 }, (_, i) => ({
      ruleId: "api-server-public",
      severity: "high",
      status: "fail",
      state: "new",
      cloud: "azure",
      scope: "bench",
      region: "eastus",
      clusterId: `c${i}`,
      clusterName: `c${i}`,
      title: "bench",
      detail: "bench row",
      evidence: { i },
      fingerprint: i.toString(16).padStart(40, "0"),
      firstSeen: new Date().toISOString(),
      lastSeen: new Date().toISOString(),
      sources: [],
      peakSeverity: "high",
      episode: 1,
      episodeStartedAt: null,
      failedInEpisode: true,
      lastRemindedAt: null,
      outbox: {},
      expectedEtag: null,
    }));
    await store.saveFindings(seed, { runId: "bench", trigger: "cli", startedAt: new Date() });
    // Unconditional upserts on both sides, so the comparison measures batching alone.
    const upserts = Array.from({ length: TABLE_ROWS }, (_, i) => ({
      kind: "upsert" as const,
      row: { partitionKey: "bench", rowKey: i.toString(16).padStart(40, "0"), i },
    }));
    const t0 = performance.now();
    for (let i = 0; i < upserts.length; i += 100) await findingsTable.submit(upserts.slice(i, i + 100));
    const batched = performance.now() - t0;
    const t1 = performance.now();
    for (const op of upserts) await findingsTable.submit([op]);
    const single = performance.now() - t1;
    return `Findings table on Azurite, ${TABLE_ROWS} rows: batched transactions ${ms(batched)}, one upsert per row ${ms(single)}: batching is ${(single / batched).toFixed(1)}x faster`;
  } finally {
    await azurite.stop();
  }
}

async function bench(): Promise<void> {
  installNetworkGuard();
  const started = performance.now();
  const now = new Date();
  const tls = await createLoopbackCertificate();
  const scaled = scaledEstate(scale, await loadTelemetry(DEMO_TELEMETRY_PATH()));
  // The fakes' KQL parser loads once (about two seconds), before anything is timed.
  runKql("datatable(a:int)[1] | project a", {}, { now });
  const options = BENCH_PAGE_SIZES;
  const minimumGraph = inProcessGraph(scaled, options);
  let inProcessMinimum = [...withTokens(callsByApi(minimumGraph), minimumGraph).values()].reduce((a, b) => a + b, 0);
  const out: string[] = [];
  const say = (line = "") => {
    out.push(line);
    console.log(line);
  };

  say(
    `Scaled estate: ${scale.subscriptions} subscriptions, ${scale.aksClusters} AKS clusters (${scaled.flagged.size} re-read from ARM), ` +
      `${scale.awsAccounts} AWS accounts × ${scaled.estate.awsRegions.length} regions, ${scale.eksClusters} EKS clusters, ${scale.workspaces} workspaces; ` +
      `${latencyMs} ms per call at every fake; limits ${JSON.stringify(limits)}`,
  );

  // 1. In-process.
  if (only !== "fan-out") {
    const graph = inProcessGraph(scaled, options);
    const bound = lowerBound(graph, limits, latencyMs);
    const inProcess = await sweep({ mode: "in-process", workers: 1, concurrency: overrides }, scaled, tls, now);
    const table = callTable(inProcess.calls, inProcess.failed, withTokens(callsByApi(graph), graph));
    inProcessMinimum = table.minimum;
    say();
    say("In-process sweep (composeAudit + runAudit):");
    for (const line of table.lines) say(line);
    const r = inProcess.result;
    say(
      `  lower bound ${ms(bound.ms)} (${bound.roundTrips} round trips: ${bound.stages.map((s) => `stage ${s.stage} ${s.roundTrips} [${s.binding}]`).join(", ")})`,
    );
    say(
      `  measured: collection ${ms(r.collectMs)}, whole run ${ms(r.totalMs)} (evaluate, reconcile, store: ${ms(r.totalMs - r.collectMs)}); first composition ${ms(r.composeMs)}`,
    );
    say(`  collectors done at: ${r.collectors.map((c) => `${c.id} ${ms(c.doneMs)}`).join(", ")}`);
    const stageEnds = bound.stages.map((s) =>
      Math.max(0, ...r.collectors.filter((c) => c.stage <= s.stage).map((c) => c.doneMs)),
    );
    say(
      `  by stage, measured against the bound: ${bound.stages
        .map(
          (s, i) =>
            `stage ${s.stage} ${ms((stageEnds[i] ?? 0) - (i > 0 ? (stageEnds[i - 1] ?? 0) : 0))} vs ${ms(s.roundTrips * latencyMs)}`,
        )
        .join(", ")}`,
    );
    say(
      `  ratio collection ÷ lower bound ${ratio(r.collectMs / bound.ms)}, whole run ÷ lower bound ${ratio(r.totalMs / bound.ms)}; calls ÷ minimum ${ratio(table.total / table.minimum)}`,
    );
    say(
      `  CPU ${ms(r.cpuMs)} (event loop busy ${Math.round(r.eventLoopUtilization * 100)} %), peak RSS ${r.maxRssMb.toFixed(0)} MB; ` +
        `${r.counts.clusters ?? 0} clusters, ${r.counts.findings ?? 0} findings, ${r.counts.gaps ?? 0} gaps`,
    );
    say(
      `  the engine's CPU per call: ${(r.cpuMs / table.total).toFixed(2)} ms (SDK request pipelines, signing, TLS, parsing, mapping; evaluation and store included)`,
    );
    say(
      `  the fakes, in the bench's process: CPU ${ms(inProcess.fakesLoad.cpuMs)}, event loop busy ${Math.round(inProcess.fakesLoad.eventLoopUtilization * 100)} %`,
    );
  }
  // 2. Fanned out.
  if (only === "in-process") return;
  const fan = fanOutGraph(scaled, { ...options, subscriptionsPerScope: SUBSCRIPTIONS_PER_SCOPE });
  const fanBound = fanOutLowerBound(fan, limits, latencyMs, workers);
  const fanOut = await sweep({ mode: "fan-out", workers, concurrency: overrides }, scaled, tls, now);
  const fanMinimum = fanOutCallsByApi(fan);
  fanMinimum.set("token.arm", 1);
  fanMinimum.set("token.logs", 1);
  const fanTable = callTable(fanOut.calls, fanOut.failed, fanMinimum);
  const f = fanOut.result;
  say();
  say(
    `Fanned-out sweep (planner, ${f.scopes} scope messages on an in-memory queue, ${workers} workers running the queue handler, the finishing step):`,
  );
  for (const line of fanTable.lines) say(line);
  say(
    `  lower bound ${ms(fanBound.ms)} (planner ${ms(fanBound.plannerMs)}, then ${fanBound.binding}: longest scope ${ms(fanBound.longestScopeMs)}, scopes' sum ${ms(fanBound.scopeSumMs)} / ${workers})`,
  );
  say(
    `  measured ${ms(f.totalMs)}; ratio ${ratio(f.totalMs / fanBound.ms)}; calls ÷ its minimum ${ratio(fanTable.total / fanTable.minimum)}, ÷ the in-process minimum ${ratio(fanTable.total / inProcessMinimum)}`,
  );
  say(
    `  CPU ${ms(f.cpuMs)} (event loop busy ${Math.round(f.eventLoopUtilization * 100)} %), peak RSS ${f.maxRssMb.toFixed(0)} MB; ` +
      `${f.counts.clusters ?? 0} clusters, ${f.counts.findings ?? 0} findings, ${f.counts.gaps ?? 0} gaps`,
  );
  const spread = (times: readonly number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => ms(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return `${sorted.length} handled, median ${at(0.5)}, 90th percentile ${at(0.9)}, longest ${at(1)}`;
  };
  say(`  scope handlers: AWS ${spread(f.scopeTimes.aws)}; Azure ${spread(f.scopeTimes.azure)}`);
  say(
    `  the fakes, in the bench's process: CPU ${ms(fanOut.fakesLoad.cpuMs)}, event loop busy ${Math.round(fanOut.fakesLoad.eventLoopUtilization * 100)} %`,
  );

  if (only === "fan-out") return;
  // 3. Cold start: each compiled entry imported in a fresh process, five times.
  say();
  const entries = readdirSync(`${repoRoot()}/dist/functions`).filter((e) => e.endsWith(".js"));
  for (const entry of entries) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await importEntry(`${repoRoot()}/dist/functions/${entry}`)).ms);
    say(
      `Import of dist/functions/${entry} in a fresh process: median ${ms(median(times))} (of ${times.map((t) => Math.round(t)).join(", ")})`,
    );
  }

  // 4. Rule evaluation.
  const inventory = ruleInventory(EVALUATION_CLUSTERS, now);
  const evaluations: number[] = [];
  let findings = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    findings = evaluateRules(ALL_RULES, inventory, { now, configs: new Map() }).drafts.length;
    evaluations.push(performance.now() - t0);
  }
  say(
    `Rule evaluation, ${EVALUATION_CLUSTERS.toLocaleString("en-US")} clusters (${inventory.exposures.length} exposures, ${inventory.services.length} Services, ${inventory.gpuSeries.length} GPU series, ${inventory.gaps.length} gaps): ` +
      `${findings.toLocaleString("en-US")} findings, first ${ms(evaluations[0] ?? 0)}, median of 5 ${ms(median(evaluations))}`,
  );

  // 5. Table batching, then the spike figures.
  say(await tableBatching());
  console.log(`\n${runSpikeBench()}`);
  console.log(`\nbench finished in ${ms(performance.now() - started)}`);
}

await bench();
