/**
 * @module
 * The minimum call graph of a sweep over an estate, and the lower bound on its wall time.
 *
 * Every node is one request the product must make (no retries, no duplicates), with the requests
 * it must wait for (a page waits for the page before it; a describe for the listing that named it;
 * ARM re-reads for every Resource Graph answer) and the limiters it passes (the run's per-API and
 * per-bucket limits, as `shared/collectors/limits.ts` keys them). Collectors run in stages, and a
 * stage starts when the one before it has finished, so the graph is cut into stages.
 *
 * The model, in round trips of one latency each (README, Performance):
 *   stage bound = max(critical path, max over limiters of head + ⌈calls / limit⌉ + tail)
 * where a limiter's head is the shortest chain before its first possible call and its tail the
 * shortest chain after its last; the run's bound is the sum over stages, and no less than any rate
 * limit allows (Resource Graph: 15 queries per 5-second window). For a fanned-out sweep: the
 * planner, then the scopes on N workers (no less than the longest scope, nor the scopes' sum / N).
 */
import { type ConcurrencyLimits, DEFAULT_CONCURRENCY, RESOURCE_GRAPH_QUOTA } from "../collectors/limits.js";
import { SIGNALS } from "../collectors/log-analytics/queries.js";
import type { Estate } from "../fakes/estate.js";
import type { ScaledEstate } from "./scaled-estate.js";

export interface CallNode {
  readonly api: string;
  readonly limiters: readonly string[];
  readonly stage: number;
  /** Nodes (earlier indices, same stage) that must answer before this one goes out. */
  readonly after: readonly number[];
}

export interface CallGraph {
  readonly nodes: readonly CallNode[];
}

export interface RateLimit {
  readonly limiter: string;
  readonly perWindow: number;
  readonly windowMs: number;
}

/** Resource Graph's documented example quota: 15 queries per 5 seconds per user. */
export const RESOURCE_GRAPH_RATE: RateLimit = { limiter: "resource-graph", ...RESOURCE_GRAPH_QUOTA };

export interface StageBound {
  readonly stage: number;
  readonly calls: number;
  readonly criticalPath: number;
  readonly roundTrips: number;
  /** What sets the bound: `critical path`, or the limiter whose waves do. */
  readonly binding: string;
}

export interface LowerBound {
  readonly roundTrips: number;
  readonly ms: number;
  readonly stages: readonly StageBound[];
  readonly binding: string;
}

/** The limit behind a limiter key of the registry. */
export function limitOf(limits: ConcurrencyLimits, key: string): number {
  if (key.startsWith("arm|")) return limits.armPerSubscription;
  if (key.startsWith("aws|")) return limits.awsPerAccountRegion;
  switch (key) {
    case "arm":
      return limits.arm;
    case "resource-graph":
      return limits.resourceGraph;
    case "log-analytics":
      return limits.logAnalytics;
    case "elbv2":
      return limits.elb;
    case "eks":
    case "elb":
    case "ec2":
    case "sts":
      return limits[key];
    default:
      throw new Error(`no limit for limiter ${key}`);
  }
}

/** Longest chain ending at each node (itself included), and starting at it, within one stage. */
function depths(nodes: readonly CallNode[], members: readonly number[]) {
  const before = new Map<number, number>();
  const after = new Map<number, number>();
  const successors = new Map<number, number[]>();
  for (const i of members) {
    const node = nodes[i];
    if (!node) continue;
    let deepest = 0;
    for (const d of node.after) {
      deepest = Math.max(deepest, before.get(d) ?? 0);
      successors.set(d, [...(successors.get(d) ?? []), i]);
    }
    before.set(i, deepest + 1);
  }
  for (const i of [...members].reverse()) {
    let deepest = 0;
    for (const s of successors.get(i) ?? []) deepest = Math.max(deepest, after.get(s) ?? 0);
    after.set(i, deepest + 1);
  }
  return { before, after };
}

export function lowerBound(
  graph: CallGraph,
  limits: ConcurrencyLimits,
  rttMs: number,
  rates: readonly RateLimit[] = [RESOURCE_GRAPH_RATE],
): LowerBound {
  const stageIds = [...new Set(graph.nodes.map((n) => n.stage))].sort((a, b) => a - b);
  const stages: StageBound[] = stageIds.map((stage) => {
    const members = graph.nodes.flatMap((n, i) => (n.stage === stage ? [i] : []));
    for (const i of members)
      for (const d of graph.nodes[i]?.after ?? [])
        if (d >= i || graph.nodes[d]?.stage !== stage)
          throw new Error(`call ${i} waits on ${d}, not an earlier call of its stage`);
    const { before, after } = depths(graph.nodes, members);
    const criticalPath = Math.max(0, ...before.values());
    let roundTrips = criticalPath;
    let binding = "critical path";
    const byLimiter = new Map<string, number[]>();
    for (const i of members)
      for (const key of graph.nodes[i]?.limiters ?? []) byLimiter.set(key, [...(byLimiter.get(key) ?? []), i]);
    for (const [key, calls] of byLimiter) {
      const head = Math.min(...calls.map((i) => (before.get(i) ?? 1) - 1));
      const tail = Math.min(...calls.map((i) => (after.get(i) ?? 1) - 1));
      const bound = head + Math.ceil(calls.length / limitOf(limits, key)) + tail;
      if (bound > roundTrips) {
        roundTrips = bound;
        binding = `${key} (${calls.length} calls, ${limitOf(limits, key)} at once)`;
      }
    }
    return { stage, calls: members.length, criticalPath, roundTrips, binding };
  });
  const roundTrips = stages.reduce((sum, s) => sum + s.roundTrips, 0);
  let ms = roundTrips * rttMs;
  let binding = stages.map((s) => s.binding).join(" + ");
  for (const rate of rates) {
    const calls = graph.nodes.filter((n) => n.limiters.includes(rate.limiter)).length;
    const windows = calls > 0 ? (Math.ceil(calls / rate.perWindow) - 1) * rate.windowMs + rttMs : 0;
    if (windows > ms) {
      ms = windows;
      binding = `${rate.limiter} quota (${calls} calls, ${rate.perWindow} per ${rate.windowMs / 1000} s)`;
    }
  }
  return { roundTrips, ms, stages, binding };
}

/** Calls by API. */
export function callsByApi(graph: CallGraph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of graph.nodes) counts.set(n.api, (counts.get(n.api) ?? 0) + 1);
  return counts;
}

class Builder {
  readonly nodes: CallNode[] = [];
  add(api: string, limiters: readonly string[], stage: number, after: readonly number[] = []): number {
    this.nodes.push({ api, limiters, stage, after });
    return this.nodes.length - 1;
  }
  /** `pages` calls one after the other; returns the last (or the `after` nodes when there are none). */
  chain(pages: number, api: string, limiters: readonly string[], stage: number, after: readonly number[]): number[] {
    let last = [...after];
    for (let p = 0; p < pages; p++) last = [this.add(api, limiters, stage, last)];
    return last;
  }
}

const PRIMARY = 0;
const ENRICHMENT = 1;
const pagesOf = (items: number, size: number): number => Math.max(1, Math.ceil(items / size));
const armBucket = (subscription: string): string[] => [`arm|${subscription.toLowerCase()}`, "arm"];
const awsBucket = (api: string, account: string, region: string): string[] => [`aws|${account}|${region}`, api];

export interface GraphOptions {
  /** Items per page the ARM fake serves (the subscription list). */
  readonly armPageSize: number;
  /** Items per page the AWS fake serves (EKS lists; ELB lists ask for 400 and get at most this). */
  readonly awsPageSize: number;
  /** Subscriptions per Resource Graph request (the reader's default: 300). */
  readonly resourceGraphBatch?: number;
}

type Subscription = Estate["azure"]["subscriptions"][number];
type Resource = Subscription["resources"][number];

const isType = (r: { type: string }, type: string): boolean => r.type.toLowerCase() === type;
const QUERY_ROWS: readonly ((s: Subscription) => number)[] = [
  (s) => s.managedClusters.length,
  (s) =>
    s.resources.filter(
      (r: Resource) =>
        isType(r, "microsoft.network/publicipaddresses") && (r.tags?.["k8s-azure-service"] || r.tags?.service),
    ).length,
  (s) =>
    s.resources.filter(
      (r: Resource) =>
        isType(r, "microsoft.network/loadbalancers") &&
        ["kubernetes", "kubernetes-internal"].includes(r.name.toLowerCase()),
    ).length,
  (s) => s.resources.filter((r: Resource) => isType(r, "microsoft.network/networksecuritygroups")).length,
];

const workspaceOf = (cluster: Subscription["managedClusters"][number]): string | null => {
  const addons = (
    cluster.properties as { addonProfiles?: Record<string, { enabled?: boolean; config?: Record<string, string> }> }
  ).addonProfiles;
  const oms = addons?.omsagent;
  return oms?.enabled ? (oms.config?.logAnalyticsWorkspaceResourceID?.toLowerCase() ?? null) : null;
};

/** The AKS and Log Analytics calls of these subscriptions (one composed audit). */
function azureCalls(
  b: Builder,
  scaled: ScaledEstate,
  subscriptions: readonly Subscription[],
  after: readonly number[],
  options: GraphOptions,
): void {
  const batch = options.resourceGraphBatch ?? 300;
  const perms = subscriptions.map((s) => b.add("arm.permissions", armBucket(s.subscriptionId), PRIMARY, after));
  const queries: number[] = [];
  for (const rowsOf of QUERY_ROWS)
    for (let i = 0; i < subscriptions.length; i += batch) {
      const rows = subscriptions.slice(i, i + batch).reduce((n, s) => n + rowsOf(s), 0);
      queries.push(...b.chain(pagesOf(rows, 1000), "resourceGraph", ["resource-graph"], PRIMARY, after));
    }
  // Re-reads wait for the access checks and every Resource Graph answer (the exposures decide what is flagged).
  for (const s of subscriptions)
    for (const c of s.managedClusters)
      if (scaled.flagged.has(c.id.toLowerCase()))
        b.add("arm.managedClusters.get", armBucket(s.subscriptionId), PRIMARY, [...perms, ...queries]);

  const workspaces = new Set(subscriptions.flatMap((s) => s.managedClusters.flatMap((c) => workspaceOf(c) ?? [])));
  if (workspaces.size === 0) return;
  const workspaceSubscriptions = new Set([...workspaces].map((w) => w.split("/")[2] ?? ""));
  const resolved = scaled.telemetry.workspaces.filter((w) => workspaces.has(w.id.toLowerCase())).length;
  const lookups: number[] = [];
  for (let i = 0; i < workspaceSubscriptions.size; i += batch)
    lookups.push(...b.chain(pagesOf(resolved, 1000), "resourceGraph", ["resource-graph"], ENRICHMENT, []));
  for (let g = 0; g < Math.ceil(resolved / 100); g++)
    for (const _ of SIGNALS) b.add("logAnalytics.query", ["log-analytics"], ENRICHMENT, lookups);
}

type Account = NonNullable<Estate["aws"]>["accounts"][number];

/** The EKS and load-balancer calls of one account in these regions, after its credentials. */
function awsCalls(b: Builder, account: Account, regions: readonly string[], options: GraphOptions, sts: number): void {
  const id = account.accountId;
  for (const region of regions) {
    const state = account.regions[region];
    const clusters = state?.clusters ?? [];
    const listed = b.chain(
      pagesOf(clusters.length, Math.min(100, options.awsPageSize)),
      "eks.ListClusters",
      awsBucket("eks", id, region),
      PRIMARY,
      [sts],
    );
    for (const c of clusters) {
      const described = b.add("eks.DescribeCluster", awsBucket("eks", id, region), PRIMARY, listed);
      const pages = b.chain(
        pagesOf(c.nodegroups.length, Math.min(100, options.awsPageSize)),
        "eks.ListNodegroups",
        awsBucket("eks", id, region),
        PRIMARY,
        [described],
      );
      for (const _ of c.nodegroups) b.add("eks.DescribeNodegroup", awsBucket("eks", id, region), PRIMARY, pages);
    }
    if (!state || clusters.length === 0) continue;
    // Load balancers only where clusters are: two listings, then tags, then the groups of public cluster LBs.
    const page = Math.min(400, options.awsPageSize);
    const v2 = b.chain(
      pagesOf(state.loadBalancers.length, page),
      "elbv2.DescribeLoadBalancers",
      awsBucket("elbv2", id, region),
      ENRICHMENT,
      [],
    );
    const classic = b.chain(
      pagesOf(state.classicLoadBalancers.length, page),
      "elb.DescribeLoadBalancers",
      awsBucket("elb", id, region),
      ENRICHMENT,
      [],
    );
    const tags = [
      ...Array.from({ length: Math.ceil(state.loadBalancers.length / 20) }, () =>
        b.add("elbv2.DescribeTags", awsBucket("elbv2", id, region), ENRICHMENT, [...v2, ...classic]),
      ),
      ...Array.from({ length: Math.ceil(state.classicLoadBalancers.length / 20) }, () =>
        b.add("elb.DescribeTags", awsBucket("elb", id, region), ENRICHMENT, [...v2, ...classic]),
      ),
    ];
    const names = new Set(clusters.map((c) => c.cluster.name));
    const groups = new Set(
      state.loadBalancers
        .filter(
          (lb) =>
            lb.scheme === "internet-facing" &&
            Object.entries(lb.tags).some(
              ([k, v]) => k.startsWith("kubernetes.io/cluster/") && v === "owned" && names.has(k.slice(22)),
            ),
        )
        .flatMap((lb) => lb.securityGroups),
    );
    for (let i = 0; i < Math.ceil(groups.size / 100); i++)
      b.add("ec2.DescribeSecurityGroups", awsBucket("ec2", id, region), ENRICHMENT, tags);
  }
}

const stsCall = (b: Builder): number => b.add("sts.AssumeRole", ["aws|sts|us-east-1", "sts"], PRIMARY);

/** One in-process sweep of the whole estate (subscriptions discovered, one role per account). */
export function inProcessGraph(scaled: ScaledEstate, options: GraphOptions): CallGraph {
  const b = new Builder();
  const subscriptions = scaled.estate.azure.subscriptions;
  const listed = b.chain(pagesOf(subscriptions.length, options.armPageSize), "arm.subscriptions", ["arm"], PRIMARY, []);
  azureCalls(b, scaled, subscriptions, listed, options);
  for (const account of scaled.estate.aws?.accounts ?? [])
    awsCalls(b, account, scaled.estate.awsRegions, options, stsCall(b));
  return { nodes: b.nodes };
}

export interface FanOutGraph {
  readonly planner: CallGraph;
  /** One graph per queue message, in the order the planner sends them. */
  readonly scopes: readonly CallGraph[];
}

/** The fanned-out sweep: the planner lists subscriptions; each scope is its own composed audit. */
export function fanOutGraph(
  scaled: ScaledEstate,
  options: GraphOptions & { readonly subscriptionsPerScope: number },
): FanOutGraph {
  const planner = new Builder();
  const subscriptions = scaled.estate.azure.subscriptions;
  planner.chain(pagesOf(subscriptions.length, options.armPageSize), "arm.subscriptions", ["arm"], PRIMARY, []);
  const scopes: CallGraph[] = [];
  for (let i = 0; i < subscriptions.length; i += options.subscriptionsPerScope) {
    const b = new Builder();
    azureCalls(b, scaled, subscriptions.slice(i, i + options.subscriptionsPerScope), [], options);
    scopes.push({ nodes: b.nodes });
  }
  for (const account of scaled.estate.aws?.accounts ?? [])
    for (const region of scaled.estate.awsRegions) {
      // Each message composes its own audit: its own credentials, so one AssumeRole per account-region.
      const b = new Builder();
      awsCalls(b, account, [region], options, stsCall(b));
      scopes.push({ nodes: b.nodes });
    }
  return { planner: { nodes: planner.nodes }, scopes };
}

export interface FanOutBound {
  readonly ms: number;
  readonly plannerMs: number;
  readonly longestScopeMs: number;
  readonly scopeSumMs: number;
  readonly binding: string;
}

export function fanOutLowerBound(
  graph: FanOutGraph,
  limits: ConcurrencyLimits,
  rttMs: number,
  workers: number,
): FanOutBound {
  // Quotas are per identity, shared by every worker: applied to all scopes together below.
  const planner = lowerBound(graph.planner, limits, rttMs, []).ms;
  const scopes = graph.scopes.map((s) => lowerBound(s, limits, rttMs, []).ms);
  const longest = Math.max(0, ...scopes);
  const sum = scopes.reduce((a, b) => a + b, 0);
  let ms = planner + Math.max(longest, sum / workers);
  let binding = longest >= sum / workers ? "the longest scope" : `${graph.scopes.length} scopes on ${workers} workers`;
  const rate = RESOURCE_GRAPH_RATE;
  const queries = graph.scopes.reduce((n, s) => n + s.nodes.filter((c) => c.limiters.includes(rate.limiter)).length, 0);
  const quotaMs = planner + (Math.ceil(queries / rate.perWindow) - 1) * rate.windowMs + rttMs;
  if (queries > rate.perWindow && quotaMs > ms) {
    ms = quotaMs;
    binding = `${rate.limiter} quota (${queries} calls, ${rate.perWindow} per ${rate.windowMs / 1000} s)`;
  }
  return { ms, plannerMs: planner, longestScopeMs: longest, scopeSumMs: sum, binding };
}

/** Calls by API of a fanned-out sweep. */
export function fanOutCallsByApi(graph: FanOutGraph): Map<string, number> {
  return callsByApi({ nodes: [graph.planner, ...graph.scopes].flatMap((g) => g.nodes) });
}

export { DEFAULT_CONCURRENCY };
