/**
 * @module
 * The bench's fakes for one sweep: ARM and Resource Graph, Log Analytics and AWS (EKS, STS, ELB, EC2),
 * serving a scaled estate after an injected latency; the environment that points the product at them;
 * and the calls they saw, by API. The bench and its test share it.
 */
import type { ArmFake } from "../fakes/arm-fake.js";
import { startArmFake } from "../fakes/arm-fake.js";
import { type EksFake, startEksFake } from "../fakes/eks-fake.js";
import { type LogAnalyticsFake, startLogAnalyticsFake } from "../fakes/log-analytics-fake.js";
import { generateTelemetry, type WorkspaceTables, workspaceResourceGraphRows } from "../fakes/telemetry.js";
import type { GraphOptions } from "./call-graph.js";
import { BENCH_AMBIENT_KEY, type ScaledEstate } from "./scaled-estate.js";

/**
 * Items per page: the ARM subscription list (ARM pages at its own discretion; the fake at 100) and the AWS
 * lists (EKS returns at most 100; ELB is asked for 400 and the fake gives at most 100).
 */
export const BENCH_PAGE_SIZES: GraphOptions = { armPageSize: 100, awsPageSize: 100 };

export interface BenchFakes {
  readonly arm: ArmFake;
  readonly logs: LogAnalyticsFake;
  readonly aws: EksFake;
  close(): Promise<void>;
}

/** Both telemetry sets of a workspace in one set of tables. */
function mergeWorkspaces(...sets: ReadonlyMap<string, WorkspaceTables>[]): Map<string, WorkspaceTables> {
  const merged = new Map<string, WorkspaceTables>();
  for (const set of sets)
    for (const [id, tables] of set) {
      const into = merged.get(id) ?? {};
      for (const [name, table] of Object.entries(tables)) {
        const target = into[name] ?? { columns: table.columns, rows: [] };
        into[name] = { columns: target.columns, rows: [...target.rows, ...table.rows] };
      }
      merged.set(id, into);
    }
  return merged;
}

export async function startBenchFakes(
  scaled: ScaledEstate,
  tls: { readonly key: string; readonly cert: string },
  options: { readonly now: Date; readonly latencyMs: number },
): Promise<BenchFakes> {
  const { now, latencyMs } = options;
  const telemetry = mergeWorkspaces(
    generateTelemetry(scaled.telemetry, { now }),
    // The other monitored clusters only say they are alive: two hours of node rows.
    generateTelemetry(scaled.heartbeats, { now, nodeHistoryHours: 2, podHistoryHours: 1 }),
  );
  const aws = scaled.estate.aws;
  if (!aws) throw new Error("the bench estate has no AWS part");
  const [arm, logs, eks] = await Promise.all([
    startArmFake(scaled.estate, tls, {
      pageSize: BENCH_PAGE_SIZES.armPageSize,
      latencyMs,
      extraResources: workspaceResourceGraphRows(scaled.telemetry),
    }),
    startLogAnalyticsFake(telemetry, tls, { latencyMs, now: () => now }),
    startEksFake(aws, { pageSize: BENCH_PAGE_SIZES.awsPageSize, latencyMs }),
  ]);
  return {
    arm,
    logs,
    aws: eks,
    close: async () => {
      await Promise.allSettled([arm.close(), logs.close(), eks.close()]);
    },
  };
}

const EKS_OPERATIONS = ["eks.ListClusters", "eks.DescribeCluster", "eks.ListNodegroups", "eks.DescribeNodegroup"];

/** Calls by API as the fakes saw them (throttled and refused ones included), and the non-2xx among them. */
export function callsAtFakes(fakes: BenchFakes, tokens: Readonly<Record<string, number>>) {
  const calls = new Map<string, number>();
  const failed = new Map<string, number>();
  const count = (api: string, status: number) => {
    calls.set(api, (calls.get(api) ?? 0) + 1);
    if (status < 200 || status > 299) failed.set(api, (failed.get(api) ?? 0) + 1);
  };
  const statusOfGraph = new Map(fakes.arm.resourceGraphRequests.map((r, i) => [i, r.status]));
  let graph = 0;
  for (const r of fakes.arm.requests) {
    const api =
      r.route === "subscriptions"
        ? "arm.subscriptions"
        : r.route === "permissions"
          ? "arm.permissions"
          : r.route === "managed-cluster-get"
            ? "arm.managedClusters.get"
            : r.route === "resource-graph"
              ? "resourceGraph"
              : `arm.${r.route}`;
    count(api, api === "resourceGraph" ? (statusOfGraph.get(graph++) ?? 200) : 200);
  }
  for (const q of fakes.logs.queries) count("logAnalytics.query", q.status);
  for (const r of fakes.aws.requests) {
    const api =
      r.service === "eks"
        ? (EKS_OPERATIONS[Math.min(4, r.path.split("?")[0]?.split("/").filter(Boolean).length ?? 1) - 1] ?? "eks.other")
        : `${r.service}.${r.action ?? "other"}`;
    count(api, r.status);
  }
  for (const [scope, n] of Object.entries(tokens))
    calls.set(scope.includes("api.loganalytics") ? "token.logs" : "token.arm", n);
  return { calls, failed };
}

/** The settings and SDK variables that point the product at the fakes (one role per account, every region). */
export function benchEnvironment(
  fakes: BenchFakes,
  scaled: ScaledEstate,
  fanOut: { readonly subscriptionsPerScope: number } | null,
): Record<string, string> {
  return {
    AUDIT_CLOUDS: "azure,aws",
    AUDIT_AZURE_ARM_ENDPOINT: fakes.arm.url,
    AUDIT_AZURE_LOGS_ENDPOINT: fakes.logs.endpoint,
    AUDIT_AWS_ROLE_ARNS: scaled.estate.awsRoleArns.join(","),
    AUDIT_AWS_REGIONS: scaled.estate.awsRegions.join(","),
    AWS_ACCESS_KEY_ID: BENCH_AMBIENT_KEY,
    AWS_SECRET_ACCESS_KEY: "bench-secret-not-real",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/cluster-audit-bench",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/cluster-audit-bench",
    ...Object.fromEntries(
      ["EKS", "STS", "ELASTIC_LOAD_BALANCING_V2", "ELASTIC_LOAD_BALANCING", "EC2"].map((s) => [
        `AWS_ENDPOINT_URL_${s}`,
        fakes.aws.url,
      ]),
    ),
    ...(fanOut
      ? {
          AUDIT_FANOUT_MIN_SCOPES: "1",
          AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: String(fanOut.subscriptionsPerScope),
          // Never reached: the bench swaps the Storage queue for an in-memory one.
          AUDIT_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true",
        }
      : {}),
  };
}
