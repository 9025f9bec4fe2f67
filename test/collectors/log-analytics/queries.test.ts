import { describe, expect, it } from "vitest";
import kubeflowData from "../../../shared/collectors/log-analytics/kubeflow-components.json" with { type: "json" };
import indicators from "../../../shared/collectors/log-analytics/miner-indicators.json" with { type: "json" };
import {
  DEFAULT_QUERY_OPTIONS,
  gatewayParameters,
  hours,
  long,
  prelude,
  queryText,
  RESULT_COLUMNS,
  SIGNALS,
  signalQuery,
  strings,
  text,
  workspacesQuery,
} from "../../../shared/collectors/log-analytics/queries.js";
import { kusto } from "../../../shared/fakes/kql/kusto.js";
import { analyzeKql, schemaTables } from "../../../shared/fakes/kql/language-service.js";
import { containerInsightsSchema, resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import gateways from "../../../shared/rules/istio-ingress-public/istio-gateways.json" with { type: "json" };
import { compileMatcher } from "../../../shared/rules/service-match.js";
import { HOSTILE_STRINGS } from "../../support/helpers.js";

const CLUSTERS = [
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/kubeflow-gpu-prod",
  "/subscriptions/c2d4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f/resourceGroups/rg-platform/providers/Microsoft.ContainerService/managedClusters/aks-ingress-weu",
];

/** Cluster IDs (and names inside them) that try to end a literal, pipe into operators or start comments. */
const HOSTILE_IDS = [
  ...HOSTILE_STRINGS,
  '") | take 1 | union (KubeNodeInventory',
  'x"]); let clusterIds = dynamic(["*"]); print("',
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a\\\"b'c",
  "// everything after is a comment",
  "\u2028let x = 1;",
];

describe("the Container Insights queries", () => {
  it.each(SIGNALS)(
    "%s binds against the Container Insights schema with zero diagnostics and the expected columns",
    (signal) => {
      const { query } = signalQuery(signal, CLUSTERS, DEFAULT_QUERY_OPTIONS);
      const analysis = analyzeKql(query, containerInsightsSchema);
      expect(analysis.diagnostics).toEqual([]);
      expect(analysis.resultColumns.map((c) => `${c.name}:${c.type}`)).toEqual(RESULT_COLUMNS[signal]);
    },
  );

  it("the workspace resolution binds against the Resource Graph schema", () => {
    const analysis = analyzeKql(workspacesQuery(), resourceGraphSchema);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.resultColumns).toEqual([
      { name: "id", type: "string" },
      { name: "customerId", type: "string" },
    ]);
  });

  it("keeps each query a readable file: parameters are documented in its header and bound only by let statements", () => {
    for (const signal of SIGNALS) {
      const body = queryText(signal);
      expect(body.startsWith("//")).toBe(true);
      expect(body).toContain("Parameters:");
      expect(body).toContain("Result:");
      // The file's KQL carries no cluster, indicator or selector value: those come in as literals.
      const code = body
        .split("\n")
        .filter((line) => !line.trim().startsWith("//"))
        .join("\n");
      expect(code).not.toMatch(/xmrig|stratum|ingressgateway|centraldashboard|\/subscriptions\//i);
      const { query } = signalQuery(signal, CLUSTERS, DEFAULT_QUERY_OPTIONS);
      expect(query.endsWith(body)).toBe(true);
      expect(query.slice(0, query.length - body.length)).toMatch(/^(let [A-Za-z]+ = [^\n]+;\n)+$/);
    }
  });

  it("binds the lookback, windows and excerpt length as typed literals", () => {
    const { query, timespanHours } = signalQuery("gpu-nodes", CLUSTERS, { ...DEFAULT_QUERY_OPTIONS, lookbackDays: 21 });
    expect(query).toContain("let lookback = 21d;\n");
    expect(query).toContain("let step = 1h;\n");
    expect(timespanHours).toBe(21 * 24);
    expect(prelude({ a: hours(1.5), b: long(300), c: text("x"), d: strings(["p", "q"]) })).toBe(
      'let a = 90m;\nlet b = long(300);\nlet c = "x";\nlet d = dynamic(["p", "q"]);\n',
    );
    expect(() => prelude({ a: long(-1) })).toThrow(/not a whole number/);
    expect(() => prelude({ a: long(Number.NaN) })).toThrow(/not a whole number/);
    expect(() => prelude({ "a; drop": long(1) })).toThrow(/not an identifier/);
  });

  it("passes every cluster ID lower-cased, so any casing of resourceGroups matches _ResourceId and ClusterId", () => {
    const { query } = signalQuery("heartbeat", [CLUSTERS[0]?.toUpperCase() ?? ""], DEFAULT_QUERY_OPTIONS);
    expect(query).toContain(`let clusterIds = dynamic(["${CLUSTERS[0]?.toLowerCase()}"]);`);
  });
});

/** The syntax tree as kinds only (node and token kinds, no text): what a query does, not which values it holds. */
function shapeOf(query: string): string[] {
  const api = kusto();
  const code = api.parseAndAnalyze(query, api.globalsFor(schemaTables(containerInsightsSchema)));
  const kinds: string[] = [];
  const visit = (node: ReturnType<typeof api.parseAndAnalyze>["Syntax"]): void => {
    kinds.push(api.kindName(node));
    for (let i = 0; i < node.ChildCount; i++) {
      const child = node.GetChild(i);
      if (child) visit(child);
    }
  };
  visit(code.Syntax);
  return kinds;
}

/** The string literals of the query's first statement (the clusterIds list), as the parser reads them. */
function clusterIdLiterals(query: string): unknown[] {
  const api = kusto();
  const first = query.slice(0, query.indexOf("\n") + 1);
  const code = api.parseAndAnalyze(first, api.globalsFor(schemaTables(containerInsightsSchema)));
  const values: unknown[] = [];
  const visit = (node: ReturnType<typeof api.parseAndAnalyze>["Syntax"]): void => {
    if (api.kindName(node) === "StringLiteralExpression") values.push(node.LiteralValue);
    for (let i = 0; i < node.ChildCount; i++) {
      const child = node.GetChild(i);
      if (child && !child.IsToken) visit(child);
    }
  };
  visit(code.Syntax);
  return values;
}

describe("hostile cluster names", () => {
  it.each(SIGNALS)("cannot change the %s query: same parse tree, zero diagnostics, the values intact", (signal) => {
    const benign = signalQuery(
      signal,
      HOSTILE_IDS.map(
        (_, i) => `/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c${i}`,
      ),
      DEFAULT_QUERY_OPTIONS,
    ).query;
    const hostile = signalQuery(signal, HOSTILE_IDS, DEFAULT_QUERY_OPTIONS).query;
    expect(analyzeKql(hostile, containerInsightsSchema).diagnostics).toEqual([]);
    expect(shapeOf(hostile)).toEqual(shapeOf(benign));
    expect(clusterIdLiterals(hostile)).toEqual(HOSTILE_IDS.map((id) => id.toLowerCase()));
  });
});

describe("the data files", () => {
  it("name their sources and keep every indicator distinctive", () => {
    for (const data of [indicators, kubeflowData])
      expect(data.$comment.join(" ")).toMatch(/Sources?:[\s\S]*https:\/\//);
    const all = [
      ...indicators.images.map((i) => i.indicator),
      ...indicators.commands.map((i) => i.indicator),
      ...indicators.logLines.map((i) => i.indicator),
    ];
    for (const indicator of all) {
      expect(indicator).toBe(indicator.toLowerCase());
      expect(indicator.trim().length).toBeGreaterThanOrEqual(4);
    }
    expect(new Set(indicators.commands.map((c) => `${c.kind}|${c.indicator}`)).size).toBe(indicators.commands.length);
    // Only pool ports are weak, and they are all weak.
    for (const c of indicators.commands) expect("weak" in c && c.weak === true).toBe(c.kind === "pool-port");
    expect(indicators.images.map((i) => i.indicator)).toContain("ddsfdfsaadfs/dfsdf");
    expect(indicators.commands.map((i) => i.indicator)).toEqual(
      expect.arrayContaining(["stratum+tcp://", "stratum+ssl://"]),
    );
    expect(kubeflowData.components.map((c) => c.component)).toEqual(
      expect.arrayContaining(["centraldashboard", "notebook-controller", "ml-pipeline", "profiles"]),
    );
  });

  it("match gateway selectors in KQL exactly as the rule's matcher does (istio-gateways.json is the single source)", () => {
    const params = gatewayParameters();
    const exact = params.gatewaySelectors?.kind === "strings" ? params.gatewaySelectors.values : [];
    const pairPattern = params.gatewayPairPattern?.kind === "string" ? params.gatewayPairPattern.value : "";
    const keyPattern = params.gatewayKeyPattern?.kind === "string" ? params.gatewayKeyPattern.value : "";
    const matcher = compileMatcher(gateways);
    const cases: [string, string][] = [
      ["istio", "ingressgateway"],
      ["istio", "ingress"],
      ["app", "istio-ingressgateway"],
      ["app", "istio-ingressgateway-1-22"],
      ["istio", "ingressgateway-canary"],
      ["istio", "ingress-asm-1-22"],
      ["gateway.networking.k8s.io/gateway-name", "public"],
      ["istio", "pilot"],
      ["app", "ingress-nginx"],
      ["app", "istio-ingressgatewayx"],
      ["istio", "ingressgateway-"],
      ["app.kubernetes.io/name", "istio-ingressgateway"],
      ["istio.io/rev", "1-22"],
    ];
    for (const [key, value] of cases) {
      const inKql =
        exact.includes(`${key}=${value}`) ||
        new RegExp(pairPattern).test(`${key}=${value}`) ||
        new RegExp(keyPattern).test(key);
      const byRule = matcher.match("ns", "renamed", {
        cloud: "azure",
        clusterId: "c",
        namespace: "ns",
        name: "renamed",
        serviceType: "LoadBalancer",
        selector: { [key]: value },
      });
      expect([key, value, inKql]).toEqual([key, value, byRule !== null]);
    }
  });
});
