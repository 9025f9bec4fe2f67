import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { SIGNALS } from "../collectors/log-analytics/queries.js";
import type { RunReport } from "../engine/run-audit.js";
import { loadEstate } from "../fakes/estate.js";
import type { CapturedPost } from "../fakes/webhook-capture.js";
import { DEMO_ESTATE_PATH, repoRoot } from "../paths.js";
import { startSimulatedCloud } from "./simulated-cloud.js";

const bold = (s: string): string => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);

/** Runs the real CLI (the same code path as the timer function) in a child process. */
function runAuditCli(env: Readonly<Record<string, string>>, args: readonly string[]): Promise<number> {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    ["--import", join(root, "dist/shared/fakes/guard-preload.js"), join(root, "dist/shared/cli/main.js"), ...args],
    // A clean environment: nothing from the caller's shell can point the product at a real cloud.
    { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "inherit", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

/** The two attack paths the estate plays on AKS, each next to its safe twin, and the rules that must tell them apart. */
const ATTACK_PATHS = [
  {
    path: "Kubeflow 2020",
    cluster: "kubeflow-gpu-prod",
    twin: "aks-training-private",
    mustFail: ["api-server-public", "istio-ingress-public", "local-accounts-enabled"],
  },
  {
    path: "Tesla 2018",
    cluster: "aks-legacy-dashboard",
    twin: "aks-ingress-weu",
    mustFail: [
      "k8s-dashboard-exposed",
      "api-server-public",
      "node-public-ip",
      "rbac-disabled",
      "local-accounts-enabled",
    ],
  },
] as const;
const PATH_RULES = [
  "api-server-public",
  "istio-ingress-public",
  "k8s-dashboard-exposed",
  "node-public-ip",
  "rbac-disabled",
  "local-accounts-enabled",
] as const;

/** One cell per (rule, cluster): the worst verdict of the rule there, e.g. "FAIL critical x2" or "pass". */
function verdictCell(report: RunReport, rule: string, cluster: string): string {
  const findings = report.findings.filter((f) => f.ruleId === rule && f.clusterName === cluster && f.cloud === "azure");
  const failing = findings.filter((f) => f.status === "fail");
  if (failing.length > 0) {
    const worst = failing
      .map((f) => f.severity)
      .sort((a, b) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b))[0];
    return `FAIL ${worst}${failing.length > 1 ? ` x${failing.length}` : ""}`;
  }
  if (findings.some((f) => f.status === "unknown")) return "unknown";
  return findings.length > 0 ? "pass" : "-";
}
const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

/** Prints the rule-by-cluster matrix of the attack paths and their twins; returns what contradicts the estate. */
function showAttackPaths(report: RunReport): string[] {
  const clusters = ATTACK_PATHS.flatMap((p) => [p.cluster, p.twin]);
  const width = 24;
  const line = (cells: readonly string[]) => console.log(`  ${cells.map((c) => c.padEnd(width)).join("")}`.trimEnd());
  line(["", ...ATTACK_PATHS.flatMap((p) => [p.path, "its safe twin"])]);
  line(["rule", ...clusters]);
  for (const rule of PATH_RULES) line([rule, ...clusters.map((c) => verdictCell(report, rule, c))]);
  const problems: string[] = [];
  for (const { cluster, twin, mustFail } of ATTACK_PATHS) {
    for (const rule of mustFail)
      if (!verdictCell(report, rule, cluster).startsWith("FAIL")) problems.push(`${rule} did not fire on ${cluster}`);
    for (const rule of PATH_RULES)
      if (verdictCell(report, rule, twin) !== "pass") problems.push(`${rule} did not pass on the safe twin ${twin}`);
  }
  return problems;
}

function describePost(post: CapturedPost): string[] {
  const lines: string[] = [];
  if (post.channel === "slack") {
    const body = post.body as { blocks?: { type: string; text?: { text?: string }; fields?: { text: string }[] }[] };
    for (const block of body.blocks ?? []) {
      if (block.type === "header") lines.push(`    ${block.text?.text ?? ""}`);
      if (block.type === "section") {
        const field = block.fields?.[0]?.text;
        lines.push(`    - ${block.text?.text ?? ""}${field ? ` | ${field}` : ""}`);
      }
    }
  } else {
    const body = post.body as {
      attachments?: {
        content?: {
          version?: string;
          body?: {
            type: string;
            text?: string;
            items?: { type: string; text?: string; facts?: { title: string; value: string }[] }[];
          }[];
        };
      }[];
    };
    const card = body.attachments?.[0]?.content;
    lines.push(`    Adaptive Card ${card?.version ?? "?"}`);
    for (const element of card?.body ?? []) {
      if (element.type === "TextBlock") lines.push(`    ${element.text ?? ""}`);
      if (element.type === "Container") {
        const title = element.items?.find((i) => i.type === "TextBlock")?.text ?? "";
        const cluster =
          element.items?.find((i) => i.type === "FactSet")?.facts?.find((f) => f.title === "Cluster")?.value ?? "";
        lines.push(`    - ${title}${cluster ? ` | Cluster: ${cluster}` : ""}`);
      }
    }
  }
  return lines;
}

/** What Container Insights showed in run 2's report: the Kubeflow path, the safe twin, the blind spot. */
async function describeContainerInsights(reportPath: string, queries: number): Promise<string[]> {
  const report = JSON.parse(await readFile(reportPath, "utf8")) as RunReport;
  const failures: string[] = [];
  const find = (ruleId: string, cluster: string) =>
    report.findings.find((f) => f.ruleId === ruleId && f.clusterName === cluster);
  console.log(
    bold(
      `\nContainer Insights (Log Analytics fake: ${queries} queries in two runs, ${SIGNALS.length} signals, 2 workspaces)`,
    ),
  );
  for (const cluster of ["kubeflow-gpu-prod", "aks-training-private"]) {
    for (const ruleId of ["kubeflow-dashboard-exposed", "crypto-miner-workload"]) {
      const f = find(ruleId, cluster);
      console.log(`  ${cluster.padEnd(21)} ${ruleId.padEnd(27)} ${(f?.status ?? "-").padEnd(7)} ${f?.severity ?? ""}`);
    }
  }
  const miner = find("crypto-miner-workload", "kubeflow-gpu-prod");
  const lines = Array.isArray(miner?.evidence.lines)
    ? (miner.evidence.lines as { kind?: string; image?: string; excerpt?: string }[])
    : [];
  const image = lines.find((l) => l.kind === "image")?.image ?? "";
  const stratum = /stratum\+tcp:\/\/[^\s\]]+/.exec(lines.find((l) => l.kind === "command")?.excerpt ?? "")?.[0] ?? "";
  console.log(`    miner evidence: image ${image || "(none)"}, pool ${stratum || "(none)"}`);
  if (miner?.status !== "fail" || !image.includes("xmrig/xmrig") || !stratum)
    failures.push("crypto-miner-workload did not show the xmrig image and the stratum URL on kubeflow-gpu-prod");
  if (find("crypto-miner-workload", "aks-training-private")?.status !== "pass")
    failures.push("the safe twin aks-training-private did not pass crypto-miner-workload");
  const blind = report.findings.find(
    (f) =>
      f.ruleId === "audit-blind-spot" &&
      f.clusterName === "aks-legacy-dashboard" &&
      f.detail.includes("Container Insights"),
  );
  console.log(`  aks-legacy-dashboard  audit-blind-spot: ${blind?.detail ?? "(none)"}`);
  if (!blind) failures.push("no audit-blind-spot naming the missing Container Insights on aks-legacy-dashboard");
  return failures;
}

async function main(): Promise<number> {
  const started = Date.now();
  const estate = await loadEstate(DEMO_ESTATE_PATH());
  console.log(bold("cluster-audit demo"));
  console.log(`${estate.description}\n`);
  const cloud = await startSimulatedCloud(estate);
  const failures: string[] = [];
  try {
    console.log(
      `Fake ARM ${cloud.arm.url}, Log Analytics ${cloud.logs.endpoint}, EKS/STS ${cloud.eks?.url ?? "(none)"}, managed identity ${cloud.identity.url}, webhooks ${cloud.webhooks.url}, Azurite table port ${cloud.azurite?.tablePort ?? "(shared)"}\n`,
    );
    console.log(bold("Run 1: npm run audit (real engine, real Azure and AWS SDKs, real Azurite)"));
    const jsonOut = join(repoRoot(), ".cache", "demo");
    await mkdir(jsonOut, { recursive: true });
    const firstExit = await runAuditCli(cloud.environment, ["--output", "table"]);
    if (firstExit !== 0) failures.push(`run 1 exited ${firstExit}`);
    const postsAfterFirst = cloud.webhooks.posts.length;
    const calls = (route: Parameters<typeof cloud.arm.calls>[0]) => cloud.arm.calls(route);
    const audiences = new Map<string, number>();
    for (const resource of cloud.identity.resources) audiences.set(resource, (audiences.get(resource) ?? 0) + 1);
    console.log(
      `  Azure calls of run 1: ${calls("subscriptions")} subscription page(s), ${calls("permissions")} permission check(s), ` +
        `${calls("resource-graph")} Resource Graph page(s), ${calls("managed-cluster-get")} ARM re-read(s) ` +
        `(429s retried included); tokens: ${[...audiences].map(([a, n]) => `${n} for ${a}`).join(", ")}`,
    );

    console.log(bold("\nRun 2: the same sweep again (a timer tick later)"));
    const reportPath = join(jsonOut, "report.json");
    const secondExit = await runAuditCli(cloud.environment, ["--output", "json", "--out", reportPath]);
    if (secondExit !== 0) failures.push(`run 2 exited ${secondExit}`);
    const newPosts = cloud.webhooks.posts.length - postsAfterFirst;
    console.log(`  JSON report of run 2: ${reportPath}; chat messages sent by run 2: ${newPosts} (nothing new to say)`);

    console.log(bold("\nThe attack paths on AKS, each next to its safe twin (run 2's report)"));
    const report = JSON.parse(await readFile(reportPath, "utf8")) as RunReport;
    failures.push(...showAttackPaths(report));
    failures.push(...(await describeContainerInsights(reportPath, cloud.logs.queries.length)));

    console.log(bold("\nFindings table (embedded Azurite)"));
    const table = TableClient.fromConnectionString(
      cloud.environment.AUDIT_TABLE_CONNECTION_STRING ?? "",
      cloud.environment.AUDIT_FINDINGS_TABLE ?? "findings",
      {
        allowInsecureConnection: true,
      },
    );
    const rows: {
      ruleId: string;
      status: string;
      severity: string;
      state: string;
      clusterName: string;
      rowKey: string;
    }[] = [];
    for await (const e of table.listEntities<{
      ruleId: string;
      status: string;
      severity: string;
      state: string;
      clusterName: string;
    }>()) {
      rows.push({
        ruleId: e.ruleId,
        status: e.status,
        severity: e.severity,
        state: e.state,
        clusterName: e.clusterName,
        rowKey: e.rowKey ?? "",
      });
    }
    const unique = new Set(rows.map((r) => r.rowKey)).size;
    console.log(`  ${rows.length} row(s), ${unique} distinct fingerprint(s) after two runs; per cluster:`);
    const rowsByCluster = new Map<string, typeof rows>();
    for (const r of rows) {
      const key = r.clusterName || "(account or subscription)";
      rowsByCluster.set(key, [...(rowsByCluster.get(key) ?? []), r]);
    }
    for (const [cluster, list] of [...rowsByCluster].sort(([a], [b]) => a.localeCompare(b))) {
      const named = (status: string) =>
        list
          .filter((r) => r.status === status)
          .map((r) => `${r.ruleId} (${r.severity})`)
          .sort();
      const failing = named("fail");
      const unknown = named("unknown");
      const passing = list.filter((r) => r.status === "pass").length;
      const parts = [
        failing.length > 0 ? `fail: ${failing.join(", ")}` : "",
        unknown.length > 0 ? `unknown: ${unknown.join(", ")}` : "",
        `${passing} pass`,
      ].filter(Boolean);
      console.log(`    ${cluster.padEnd(26)} ${parts.join("; ")}`);
    }
    // The silence: clusters where every rule passed (or, informational only, could not judge yet).
    const byCluster = new Map<string, { status: string; severity: string }[]>();
    for (const r of rows) if (r.clusterName) byCluster.set(r.clusterName, [...(byCluster.get(r.clusterName) ?? []), r]);
    const silent = [...byCluster]
      .filter(([, list]) => list.every((r) => r.status === "pass" || (r.status === "unknown" && r.severity === "info")))
      .map(([name]) => name);
    console.log(`  silent (nothing fails): ${silent.sort().join(", ") || "none"}`);
    if (rows.length === 0) failures.push("no rows landed in the table");
    if (!rows.some((r) => r.ruleId === "istio-ingress-public" && r.status === "fail"))
      failures.push("no istio-ingress-public fail finding");
    if (silent.length === 0) failures.push("no cluster is silent");
    if (unique !== rows.length) failures.push("duplicate rows for one fingerprint");
    if (!rows.some((r) => r.ruleId === "api-server-public" && r.status === "fail"))
      failures.push("no api-server-public fail finding");

    console.log(bold("\nWhat the chat webhooks received"));
    for (const channel of ["slack", "teams"] as const) {
      const posts = cloud.webhooks.posts.filter((p) => p.channel === channel);
      console.log(`  ${channel}: ${posts.length} message(s)`);
      for (const [i, post] of posts.entries()) {
        const file = join(jsonOut, `${channel}-${i + 1}.json`);
        await writeFile(file, `${JSON.stringify(post.body, null, 2)}\n`);
        for (const line of describePost(post)) console.log(line);
        console.log(`    (full payload: ${file})`);
      }
      if (posts.length === 0) failures.push(`${channel} received nothing`);
    }
    if (newPosts !== 0) failures.push(`run 2 re-sent ${newPosts} chat message(s)`);
  } finally {
    await cloud.stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) {
    console.error(`\ndemo FAILED after ${seconds}s: ${failures.join("; ")}`);
    return 1;
  }
  console.log(
    `\ndemo finished in ${seconds}s: the attack path is flagged, the table holds one row per finding, each channel got the attack paths on their own and one digest, and run 2 sent nothing.`,
  );
  return 0;
}

process.exitCode = await main();
