/**
 * The Container Insights queries: one readable KQL file per signal (./queries/*.kql), and the
 * parameters the collector prepends to it as `let` statements. Every value that enters a query (a
 * cluster ID, an indicator, a pattern) goes in as an escaped literal: nothing is spliced into the
 * query text, so no value can add syntax.
 */
import { readFileSync } from "node:fs";
import { kqlString, kqlStringList } from "../../fakes/kql/literal.js";
import gateways from "../../rules/istio-ingress-public/istio-gateways.json" with { type: "json" };
import kubeflowData from "./kubeflow-components.json" with { type: "json" };
import indicators from "./miner-indicators.json" with { type: "json" };

export const SIGNALS = [
  "heartbeat",
  "kubeflow-presence",
  "istio-gateways",
  "miner-evidence",
  "gpu-nodes",
  "gpu-capacity",
  "gpu-attribution",
] as const;
export type Signal = (typeof SIGNALS)[number];

/** A parameter value: a list of strings, one string, a whole number, or a duration in whole minutes. */
export type QueryParameter =
  | { readonly kind: "strings"; readonly values: readonly string[] }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "long"; readonly value: number }
  | { readonly kind: "timespan"; readonly minutes: number };

export const strings = (values: readonly string[]): QueryParameter => ({ kind: "strings", values });
export const text = (value: string): QueryParameter => ({ kind: "string", value });
export const long = (value: number): QueryParameter => ({ kind: "long", value });
export const hours = (value: number): QueryParameter => ({ kind: "timespan", minutes: Math.round(value * 60) });

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function literal(name: string, parameter: QueryParameter): string {
  switch (parameter.kind) {
    case "strings":
      return `dynamic([${kqlStringList(parameter.values)}])`;
    case "string":
      return kqlString(parameter.value);
    case "long":
    case "timespan": {
      const value = parameter.kind === "long" ? parameter.value : parameter.minutes;
      // Numbers are formatted here, never taken as text: only a safe integer can reach the query.
      if (!Number.isSafeInteger(value) || value < 0)
        throw new Error(`query parameter ${name}: ${value} is not a whole number`);
      if (parameter.kind === "long") return `long(${value})`;
      return value % 1440 === 0 ? `${value / 1440}d` : value % 60 === 0 ? `${value / 60}h` : `${value}m`;
    }
  }
}

/** The `let` statements that bind the parameters, one per line, in a stable order. */
export function prelude(parameters: Readonly<Record<string, QueryParameter>>): string {
  return Object.entries(parameters)
    .map(([name, parameter]) => {
      if (!IDENTIFIER.test(name)) throw new Error(`query parameter name ${JSON.stringify(name)} is not an identifier`);
      return `let ${name} = ${literal(name, parameter)};\n`;
    })
    .join("");
}

const texts = new Map<string, string>();

/** The text of ./queries/<name>.kql, read once. */
export function queryText(name: Signal | "workspaces"): string {
  let body = texts.get(name);
  if (body === undefined) {
    // Beside this module: the build copies the files into dist/, so a package of dist/ alone has them.
    body = readFileSync(new URL(`./queries/${name}.kql`, import.meta.url), "utf8");
    texts.set(name, body);
  }
  return body;
}

/** A query as sent: the parameters' `let` statements, then the file. */
export const buildQuery = (name: Signal, parameters: Readonly<Record<string, QueryParameter>>): string =>
  `${prelude(parameters)}${queryText(name)}`;

/** The Resource Graph query that resolves workspace ARM IDs to their GUIDs. */
export const workspacesQuery = (): string => queryText("workspaces");

// --- The data files, as query parameters -----------------------------------------------------------

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);

/** Matches nothing, in RE2 and in JavaScript. */
const NEVER = "[^\\s\\S]";

const unanchored = (pattern: string): string => {
  if (!pattern.startsWith("^") || !pattern.endsWith("$"))
    throw new Error(`selector pattern ${JSON.stringify(pattern)} must be anchored (^...$)`);
  return pattern.slice(1, -1);
};

/** The gateway selectors of istio-gateways.json (the rule's data), as the istio-gateways query takes them. */
export function gatewayParameters(): Record<string, QueryParameter> {
  const pairs = (gateways.selectorValuePatterns ?? []).map((p) => `${escapeRegex(p.key)}=(?:${unanchored(p.pattern)})`);
  const keys = (gateways.selectorKeyPatterns ?? []).map((p) => `(?:${p})`);
  return {
    gatewaySelectors: strings(gateways.selectors.map((s) => `${s.key}=${s.value}`)),
    gatewayPairPattern: text(pairs.length > 0 ? `^(?:${pairs.join("|")})$` : NEVER),
    gatewayKeyPattern: text(keys.length > 0 ? keys.join("|") : NEVER),
  };
}

export function kubeflowParameters(): Record<string, QueryParameter> {
  const pairs = kubeflowData.components.flatMap((c) => c.prefixes.map((prefix) => [c.component, prefix] as const));
  return {
    kubeflowNamespaces: strings(kubeflowData.namespaces),
    kubeflowComponents: strings(pairs.map(([component]) => component)),
    kubeflowPrefixes: strings(pairs.map(([, prefix]) => prefix)),
  };
}

export interface CommandIndicator {
  readonly kind: "command" | "pool-host" | "binary" | "pool-port";
  readonly indicator: string;
  readonly weak?: boolean;
}

export const MINER_INDICATORS = {
  images: indicators.images.map((i) => i.indicator),
  commands: indicators.commands as readonly CommandIndicator[],
  logLines: indicators.logLines.map((i) => i.indicator),
};

/** Kinds of command indicator that are evidence only next to another indicator on the same container. */
export const weakIndicators = (): ReadonlySet<string> =>
  new Set(MINER_INDICATORS.commands.filter((c) => c.weak === true).map((c) => `${c.kind}|${c.indicator}`));

export function minerParameters(excerptLength: number): Record<string, QueryParameter> {
  const phrases = MINER_INDICATORS.logLines.map(escapeRegex);
  return {
    excerptLength: long(excerptLength),
    imageIndicators: strings(MINER_INDICATORS.images),
    commandKinds: strings(MINER_INDICATORS.commands.map((c) => c.kind)),
    commandIndicators: strings(MINER_INDICATORS.commands.map((c) => c.indicator)),
    logIndicators: strings(MINER_INDICATORS.logLines),
    logPattern: text(phrases.length > 0 ? `(?i)(?:${phrases.join("|")})` : NEVER),
  };
}

/** The result columns each query returns, name:type, as the official binder computes them. */
export const RESULT_COLUMNS: Readonly<Record<Signal, readonly string[]>> = {
  heartbeat: ["ClusterKey:string", "Workspace:string", "LastSeen:datetime", "Nodes:long"],
  "kubeflow-presence": [
    "ClusterKey:string",
    "Namespaces:dynamic",
    "Components:dynamic",
    "Pods:dynamic",
    "FirstSeen:datetime",
    "LastSeen:datetime",
  ],
  "istio-gateways": [
    "ClusterKey:string",
    "Namespace:string",
    "ServiceName:string",
    "ServiceType:string",
    "SelectorLabels:string",
    "MatchedSelector:string",
    "LastSeen:datetime",
  ],
  "miner-evidence": [
    "ClusterKey:string",
    "Kind:string",
    "Indicator:string",
    "Namespace:string",
    "Pod:string",
    "Container:string",
    "Image:string",
    "Excerpt:string",
    "FirstSeen:datetime",
  ],
  "gpu-nodes": ["ClusterKey:string", "Pool:string", "VmSize:string", "Points:dynamic", "ReportedHours:dynamic"],
  "gpu-capacity": ["ClusterKey:string", "Pool:string", "Points:dynamic"],
  "gpu-attribution": [
    "ClusterKey:string",
    "Pool:string",
    "Namespace:string",
    "Controller:string",
    "Image:string",
    "Gpus:real",
  ],
};

// --- One query per signal ----------------------------------------------------------------------------

export interface QueryOptions {
  /** A cluster counts as reporting when it sent data this recently (hours). */
  readonly recentHours: number;
  /** How far back inventory, services and miner evidence are read (hours). */
  readonly windowHours: number;
  /** GPU node history (days). */
  readonly lookbackDays: number;
  /** GPU requests are attributed over this recent window (hours). */
  readonly attributionHours: number;
  /** Longest excerpt of a command, image or log line. */
  readonly excerptLength: number;
}

export const DEFAULT_QUERY_OPTIONS: QueryOptions = {
  recentHours: 1,
  windowHours: 24,
  lookbackDays: 14,
  attributionHours: 6,
  excerptLength: 300,
};

export interface SignalQuery {
  readonly signal: Signal;
  readonly query: string;
  /** The API's timespan: the query's own window, so the service reads no more than the query needs. */
  readonly timespanHours: number;
}

/** The query of one signal over these clusters (lower-cased resource IDs). */
export function signalQuery(signal: Signal, clusterKeys: readonly string[], options: QueryOptions): SignalQuery {
  const clusterIds = strings(clusterKeys.map((k) => k.toLowerCase()));
  const recent = hours(options.recentHours);
  const window = hours(options.windowHours);
  const lookback = hours(options.lookbackDays * 24);
  const step = hours(1);
  const parameters: Record<Signal, () => [Record<string, QueryParameter>, number]> = {
    heartbeat: () => [{ clusterIds, recent }, options.recentHours],
    "kubeflow-presence": () => [{ clusterIds, window, recent, ...kubeflowParameters() }, options.windowHours],
    "istio-gateways": () => [{ clusterIds, window, recent, ...gatewayParameters() }, options.windowHours],
    "miner-evidence": () => [{ clusterIds, window, ...minerParameters(options.excerptLength) }, options.windowHours],
    "gpu-nodes": () => [{ clusterIds, lookback, step }, options.lookbackDays * 24],
    "gpu-capacity": () => [{ clusterIds, lookback, step }, options.lookbackDays * 24],
    "gpu-attribution": () => [
      { clusterIds, attributionWindow: hours(options.attributionHours) },
      options.attributionHours,
    ],
  };
  const [values, timespanHours] = parameters[signal]();
  return { signal, query: buildQuery(signal, values), timespanHours };
}
