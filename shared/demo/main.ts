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

function describePost(post: CapturedPost): string[] {
  const lines: string[] = [];
  if (post.channel === "slack") {
    const body = post.body as { blocks?: { type: string; text?: { text?: string }; fields?: { text: string }[] }[] };
    for (const block of body.blocks ?? []) {
      if (block.type === "header") lines.push(`    ${block.text?.text ?? ""}`);
      if (block.type === "section") lines.push(`    - ${block.text?.text ?? ""} | ${block.fields?.[0]?.text ?? ""}`);
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
        lines.push(`    - ${title} | Cluster: ${cluster}`);
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

    console.log(bold("\nRun 2: the same sweep again (a timer tick later)"));
    const reportPath = join(jsonOut, "report.json");
    const secondExit = await runAuditCli(cloud.environment, ["--output", "json", "--out", reportPath]);
    if (secondExit !== 0) failures.push(`run 2 exited ${secondExit}`);
    const newPosts = cloud.webhooks.posts.length - postsAfterFirst;
    console.log(`  JSON report of run 2: ${reportPath}; chat messages sent by run 2: ${newPosts} (nothing new to say)`);

    failures.push(...(await describeContainerInsights(reportPath, cloud.logs.queries.length)));

    console.log(bold("\nFindings table (embedded Azurite)"));
    const table = TableClient.fromConnectionString(
      cloud.environment.AUDIT_TABLE_CONNECTION_STRING ?? "",
      cloud.environment.AUDIT_FINDINGS_TABLE ?? "findings",
      {
        allowInsecureConnection: true,
      },
    );
    const rows: { ruleId: string; status: string; state: string; clusterName: string; rowKey: string }[] = [];
    for await (const e of table.listEntities<{
      ruleId: string;
      status: string;
      state: string;
      clusterName: string;
    }>()) {
      rows.push({
        ruleId: e.ruleId,
        status: e.status,
        state: e.state,
        clusterName: e.clusterName,
        rowKey: e.rowKey ?? "",
      });
    }
    const unique = new Set(rows.map((r) => r.rowKey)).size;
    console.log(`  ${rows.length} row(s), ${unique} distinct fingerprint(s) after two runs:`);
    for (const r of rows)
      console.log(
        `    ${r.ruleId.padEnd(20)} ${r.status.padEnd(8)} ${r.state.padEnd(9)} ${r.clusterName || "(scope)"}  ${r.rowKey.slice(0, 12)}…`,
      );
    if (rows.length === 0) failures.push("no rows landed in the table");
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
    `\ndemo finished in ${seconds}s: the attack path is flagged, the table holds one row per finding, chat got one digest each.`,
  );
  return 0;
}

process.exitCode = await main();
