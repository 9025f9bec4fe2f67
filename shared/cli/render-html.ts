/**
 * `--output html`: one self-contained file (no external script, style, font or image)
 * that opens offline. uPlot (MIT) is inlined for the charts; a Content-Security-Policy
 * lets only the report's own two scripts run, by hash. Every string that came from a
 * cloud or a cluster is HTML-escaped and reaches the charts only as JSON data.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { RunReport } from "../engine/run-audit.js";
import { type Finding, severityRank } from "../model/finding.js";
import { readGpuSpikeEvidence } from "../rules/gpu-node-spike/evidence.js";
import { PRICE_TABLE } from "../rules/gpu-node-spike/prices.js";
import { anomaliesOf, GPU_SPIKE_RULE_ID, type GpuAnomaly } from "../sinks/gpu-anomalies.js";
import { sortForReport } from "./render-report.js";

const require = createRequire(import.meta.url);
let uplot: { script: string; css: string } | null = null;

/** The charting library, read once from the installed package. */
function uplotAssets(): { script: string; css: string } {
  uplot ??= {
    script: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    css: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  };
  return uplot;
}

// Control and bidirectional-override characters would reorder or hide text: shown as spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? "")
    .replace(INVISIBLE, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON inside a <script type="application/json">: nothing in it can close the element or start markup. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Library code inlined in a <script>: it must not end the element early. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

const sha256 = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
const money = (amount: number | null | undefined, currency: string | null | undefined): string =>
  amount === null || amount === undefined ? "–" : `${currency ?? ""} ${amount.toFixed(2)}`.trim();
const when = (iso: string): string => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const num = (value: number | null | undefined): string =>
  value === null || value === undefined ? "–" : String(Math.round(value * 100) / 100);

interface ClusterView {
  readonly key: string;
  readonly name: string;
  readonly where: string;
  readonly findings: readonly Finding[];
  readonly attackPath: boolean;
}

const scopeText = (f: Finding): string =>
  `${f.cloud === "azure" ? "Azure subscription" : "AWS account"} ${f.scope}${f.region ? `, ${f.region}` : ""}`;

/** Clusters with their findings: the attack-path ones first, then by their worst open problem. */
function clusterViews(report: RunReport, anomalies: readonly GpuAnomaly[]): ClusterView[] {
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.cloud}|${f.scope}|${f.clusterId ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const attackClusters = new Set(
    anomalies.filter((a) => a.attackPath).map((a) => `${a.cloud}|${a.scope}|${a.clusterId}`),
  );
  const views = [...groups].map(([key, findings]): ClusterView => {
    const first = findings[0] as Finding;
    const attackPath =
      attackClusters.has(key) ||
      findings.some(
        (f) =>
          f.status === "fail" &&
          (f.ruleId === "kubeflow-dashboard-exposed" || f.ruleId === "crypto-miner-workload") &&
          f.severity === "critical",
      );
    return {
      key,
      name: first.clusterName ?? "(whole scope)",
      where: scopeText(first),
      findings: sortForReport(findings),
      attackPath,
    };
  });
  const worst = (v: ClusterView): number =>
    Math.max(
      0,
      ...v.findings.filter((f) => f.status === "fail" || f.status === "unknown").map((f) => severityRank(f.severity)),
    );
  const problems = (v: ClusterView): number => v.findings.filter((f) => f.status === "fail").length;
  return views.sort(
    (a, b) =>
      Number(b.attackPath) - Number(a.attackPath) ||
      worst(b) - worst(a) ||
      problems(b) - problems(a) ||
      a.name.localeCompare(b.name),
  );
}

interface ChartData {
  readonly id: string;
  readonly title: string;
  /** Epoch seconds. */
  readonly x: number[];
  readonly nodes: (number | null)[];
  readonly baseline: number | null;
  readonly windows: { start: number; end: number; open: boolean }[];
}

/** One chart per pool with a spike window in the lookback: the attack-path ones first, then open, then by cost. */
function chartsOf(
  findings: readonly Finding[],
  anomalies: readonly GpuAnomaly[],
): { chart: ChartData; finding: Finding }[] {
  const rank = new Map<string, number>();
  anomalies.forEach((a, i) => {
    if (!rank.has(a.findingFingerprint)) rank.set(a.findingFingerprint, i);
  });
  const charts: { chart: ChartData; finding: Finding; order: number }[] = [];
  for (const finding of findings) {
    if (finding.ruleId !== GPU_SPIKE_RULE_ID) continue;
    const evidence = readGpuSpikeEvidence(finding.evidence);
    if (!evidence?.chart || evidence.windows.length === 0) continue;
    const start = Date.parse(evidence.chart.start) / 1000;
    const step = evidence.chart.stepMinutes * 60;
    charts.push({
      finding,
      order: rank.get(finding.fingerprint) ?? Number.MAX_SAFE_INTEGER,
      chart: {
        id: `chart-${charts.length}`,
        title: `${finding.clusterName ?? ""} / ${evidence.pool}`,
        x: evidence.chart.nodes.map((_, i) => start + i * step),
        nodes: evidence.chart.nodes,
        baseline: (evidence.current ?? evidence.windows.at(-1))?.baselineNodes ?? null,
        windows: evidence.windows.map((w) => ({
          start: Date.parse(w.start) / 1000,
          end: Date.parse(w.end) / 1000,
          open: w.state === "open",
        })),
      },
    });
  }
  return charts.sort((a, b) => a.order - b.order);
}

// Draws every chart from the JSON block; labels come only from constants, never from the data.
const BOOTSTRAP = `(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  data.charts.forEach(function (c) {
    var host = document.getElementById(c.id);
    if (!host || typeof uPlot !== "function") return;
    var baseline = c.x.map(function () { return c.baseline; });
    var shade = function (u) {
      var ctx = u.ctx;
      ctx.save();
      c.windows.forEach(function (w) {
        var x0 = u.valToPos(w.start - 1800, "x", true);
        var x1 = u.valToPos(w.end + 1800, "x", true);
        ctx.fillStyle = w.open ? "rgba(220, 38, 38, 0.18)" : "rgba(100, 116, 139, 0.18)";
        ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
      });
      ctx.restore();
    };
    new uPlot({
      width: Math.min(960, Math.max(320, host.clientWidth || 960)),
      height: 240,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(2, Math.ceil(max * 1.15))]; } } },
      series: [
        {},
        { label: "GPU nodes", stroke: "#2563eb", width: 2, fill: "rgba(37, 99, 235, 0.08)", spanGaps: false },
        { label: "baseline", stroke: "#16a34a", width: 1.5, dash: [6, 4], points: { show: false } }
      ],
      axes: [{}, { label: "nodes" }],
      hooks: { drawClear: [shade] }
    }, [c.x, c.nodes, baseline], host);
    host.setAttribute("data-drawn", "true");
  });
})();`;

const STYLE = `
:root { color-scheme: light; --fg: #0f172a; --muted: #475569; --line: #e2e8f0; --crit: #b91c1c; --high: #c2410c; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; } h3 { font-size: 15px; margin: 0 0 6px; }
.muted { color: var(--muted); } .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 10px 0; }
.attack { border-left: 4px solid var(--crit); } .counts span { display: inline-block; margin-right: 14px; }
.sev { display: inline-block; min-width: 62px; text-align: center; border-radius: 4px; padding: 0 6px; font-size: 12px; color: #fff; background: #64748b; }
.sev.critical { background: var(--crit); } .sev.high { background: var(--high); } .sev.medium { background: #a16207; } .sev.low { background: #4d7c0f; }
.status { font-weight: 600; font-size: 12px; } .status.fail { color: var(--crit); } .status.unknown { color: #a16207; } .status.pass { color: #15803d; }
ul.findings { list-style: none; padding: 0; margin: 6px 0 0; } ul.findings li { margin: 4px 0; word-break: break-word; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 12.5px; } th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; word-break: break-word; }
th { background: #f1f5f9; } td.num { text-align: right; white-space: nowrap; } .cost { font-weight: 600; }
.chart { min-height: 250px; } .legend-note { font-size: 12px; color: var(--muted); }
`;

function findingLine(f: Finding): string {
  return `<li><span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span> <span class="status ${escapeHtml(f.status)}">${escapeHtml(f.status.toUpperCase())}</span> <code>${escapeHtml(f.ruleId)}</code> — ${escapeHtml(f.detail)}</li>`;
}

function clusterCard(view: ClusterView): string {
  const problems = view.findings.filter((f) => f.status === "fail" || f.status === "unknown" || f.status === "muted");
  const passed = view.findings.length - problems.length;
  return `<section class="card${view.attackPath ? " attack" : ""}">
<h3>${view.attackPath ? '<span class="sev critical">attack path</span> ' : ""}${escapeHtml(view.name)}</h3>
<div class="muted">${escapeHtml(view.where)} · ${problems.length} problem(s), ${passed} check(s) passed</div>
${problems.length > 0 ? `<ul class="findings">${problems.map(findingLine).join("\n")}</ul>` : ""}
</section>`;
}

function chartCard({ chart, finding }: { chart: ChartData; finding: Finding }): string {
  const evidence = readGpuSpikeEvidence(finding.evidence);
  const w = evidence?.current ?? evidence?.windows.at(-1);
  const summary = w
    ? `${escapeHtml(`${num(w.baselineNodes)} → ${num(w.peakNodes)} nodes${evidence?.sku ? ` ${evidence.sku}` : ""}, ${when(w.start)} to ${when(w.end)} (${w.state}); ${num(w.excessGpuHours)} excess GPU-hours;`)} <span class="cost">${escapeHtml(money(w.cost?.amount, w.cost?.currency))}</span> ${escapeHtml(`excess, ${money(w.cost?.perHour, w.cost?.currency)}/h at the peak`)}`
    : "";
  return `<section class="card${evidence?.attackPath ? " attack" : ""}">
<h3><span class="sev ${escapeHtml(finding.severity)}">${escapeHtml(finding.severity)}</span> ${escapeHtml(finding.clusterName ?? "")} · ${escapeHtml(evidence?.poolKind ?? "pool")} ${escapeHtml(evidence?.pool ?? "")}</h3>
<div class="muted">${summary}</div>
<div class="chart" id="${chart.id}" role="img" aria-label="GPU nodes over the last ${escapeHtml(evidence?.lookbackDays ?? "")} days"></div>
<div class="legend-note">Blue: GPU nodes per hour. Dashed green: the baseline (what the cluster's own history explains). Shaded: spike windows (red while open).</div>
<p>${escapeHtml(finding.detail)}</p>
</section>`;
}

function anomalyTable(anomalies: readonly GpuAnomaly[]): string {
  if (anomalies.length === 0) return `<p class="muted">No GPU anomaly in the lookback.</p>`;
  const head = [
    "cluster",
    "pool / node group",
    "SKU × GPUs per node",
    "baseline → peak nodes",
    "window",
    "excess node-hours",
    "excess GPU-hours",
    "estimated excess cost",
    "top attribution",
    "related findings",
    "state",
  ];
  const rows = anomalies.map((a) => {
    const w = a.window;
    const top = a.attribution?.top[0];
    const attribution = top
      ? `${top.namespace}/${top.controller ?? "?"}${top.image ? ` (${top.image})` : ""}: ${top.gpus} GPU(s)`
      : "–";
    const related = [...new Set(a.related.map((r) => r.ruleId))].join(", ") || "–";
    const price = w.cost
      ? `${w.cost.currency} ${w.cost.pricePerNodeHour}/node-hour, ${w.cost.listPrice ? "list price" : "configured"}`
      : (w.costMissing ?? "no price");
    const cells = [
      `${escapeHtml(a.clusterName)}<div class="muted">${escapeHtml(`${a.cloud}:${a.scope}`)}</div>`,
      escapeHtml(a.pool),
      escapeHtml(`${a.sku ?? "unknown"} × ${num(a.gpusPerNode)}`),
      `<td class="num">${escapeHtml(`${num(w.baselineNodes)} → ${num(w.peakNodes)}`)}`,
      escapeHtml(`${when(w.start)} – ${when(w.end)}`),
      `<td class="num">${escapeHtml(num(w.excessNodeHours))}`,
      `<td class="num">${escapeHtml(num(w.excessGpuHours))}`,
      `<span class="cost">${escapeHtml(money(w.cost?.amount, w.cost?.currency))}</span><div class="muted">${escapeHtml(price)}</div>`,
      escapeHtml(attribution),
      escapeHtml(related),
      `${a.attackPath ? '<span class="sev critical">attack path</span> ' : ""}${escapeHtml(w.state)}`,
    ];
    return `<tr>${cells.map((c) => (c.startsWith("<td") ? `${c}</td>` : `<td>${c}</td>`)).join("")}</tr>`;
  });
  return `<table id="finops"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`;
}

/** The run as one HTML page: summary, attack-path clusters first, a chart per spiking pool, the FinOps table. */
export function renderHtml(report: RunReport): string {
  const { script, css } = uplotAssets();
  const anomalies = anomaliesOf(report.findings);
  const charts = chartsOf(report.findings, anomalies);
  const views = clusterViews(report, anomalies);
  const { counts, gaps, sinks } = report.run;
  const library = inlineScript(script);
  const dataJson = scriptJson({ charts: charts.map((c) => c.chart) });
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(library)} ${sha256(BOOTSTRAP)}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const totalCost = anomalies.reduce(
    (sum, a) => (a.window.cost && a.window.cost.currency === PRICE_TABLE.currency ? sum + a.window.cost.amount : sum),
    0,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cluster-audit report ${escapeHtml(when(report.run.startedAt))}</title>
<style>${css}${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>cluster-audit report</h1>
<div class="muted">Run ${escapeHtml(report.run.id)} (${escapeHtml(report.run.trigger)}), ${escapeHtml(when(report.run.startedAt))} to ${escapeHtml(when(report.run.finishedAt))}; clouds: ${escapeHtml(report.run.clouds.join(", ") || "none")}</div>
<div class="card counts" id="summary">
<span><b>${counts.clusters}</b> cluster(s)</span><span class="status fail"><b>${counts.fail}</b> fail</span><span class="status unknown"><b>${counts.unknown}</b> unknown</span><span class="status pass"><b>${counts.pass}</b> pass</span><span><b>${counts.new}</b> new</span><span><b>${counts.resolved}</b> resolved</span><span><b>${counts.gaps}</b> coverage gap(s)</span><span><b>${anomalies.filter((a) => a.window.state === "open").length}</b> open GPU anomal${anomalies.filter((a) => a.window.state === "open").length === 1 ? "y" : "ies"}</span><span class="cost">${escapeHtml(money(totalCost, PRICE_TABLE.currency))} estimated GPU excess in the lookback</span>
${gaps.length > 0 ? `<ul class="findings">${gaps.map((g) => `<li>gap: ${escapeHtml(`${g.cloud}:${g.scope}${g.region ? ` ${g.region}` : ""} ${g.operation}: ${g.reason}`)}</li>`).join("")}</ul>` : ""}
<div class="muted">${sinks.map((s) => `${escapeHtml(s.sink)} → ${escapeHtml(s.target)}: ${s.ok ? "ok" : `FAILED (${escapeHtml(s.error ?? "unknown")})`}`).join(" · ")}</div>
</div>
</header>
<h2>Clusters</h2>
${views.map(clusterCard).join("\n")}
<h2>GPU spikes</h2>
${charts.length > 0 ? charts.map(chartCard).join("\n") : '<p class="muted">No GPU spike in the lookback.</p>'}
<h2>FinOps GPU anomalies</h2>
${anomalyTable(anomalies)}
<p class="muted">Costs are estimates: excess node-hours × the price per node-hour. ${escapeHtml(`List prices compiled ${PRICE_TABLE.compiled} (Azure: ${PRICE_TABLE.azure.source}, region ${PRICE_TABLE.azure.region}; AWS: ${PRICE_TABLE.aws.source}, region ${PRICE_TABLE.aws.region}), not discounts or your bill.`)} Charts: uPlot 1.6.32 (MIT License, Leon Sorokin), inlined.</p>
</main>
<script type="application/json" id="report-data">${dataJson}</script>
<script>${library}</script>
<script>${BOOTSTRAP}</script>
</body>
</html>
`;
}
