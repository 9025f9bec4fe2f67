import Table from "cli-table3";
import type { RunReport } from "../engine/run-audit.js";
import { type Finding, severityRank } from "../model/finding.js";
import { cleanText } from "../sinks/digest.js";

const STATUS_ORDER: Readonly<Record<Finding["status"], number>> = { fail: 0, unknown: 1, muted: 2, pass: 3 };

export function sortForReport(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      severityRank(b.severity) - severityRank(a.severity) ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.clusterName ?? "").localeCompare(b.clusterName ?? ""),
  );
}

/** Terminal-safe: cluster names and details are untrusted and may carry escape sequences. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what we remove
const cell = (value: string | null, max: number): string => cleanText(value ?? "-", max).replace(/\u001b/g, "");

export function renderTable(report: RunReport): string {
  const table = new Table({
    head: ["status", "severity", "rule", "cluster", "scope", "state", "detail"],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [9, 10, 22, 24, 22, 10, 60],
  });
  for (const f of sortForReport(report.findings)) {
    table.push([
      f.status.toUpperCase(),
      f.severity,
      f.ruleId,
      cell(f.clusterName, 60),
      cell(`${f.cloud}:${f.scope}`, 60),
      f.state,
      cell(f.detail, 300),
    ]);
  }
  const { counts, sinks, gaps } = report.run;
  const lines = [
    table.toString(),
    `${counts.clusters} cluster(s) audited: ${counts.fail} fail, ${counts.unknown} unknown, ${counts.pass} pass; ${counts.new} new problem(s), ${counts.resolved} resolved; ${counts.gaps} coverage gap(s).`,
  ];
  for (const gap of gaps)
    lines.push(
      `  gap: ${gap.cloud}:${cell(gap.scope, 80)}${gap.region ? ` ${cell(gap.region, 40)}` : ""}${gap.clusterName ? ` cluster ${cell(gap.clusterName, 80)}` : ""} ${cell(gap.operation, 60)}: ${cell(gap.reason, 200)}`,
    );
  for (const s of sinks) {
    lines.push(
      `  ${s.sink} -> ${s.target}: ${s.ok ? `ok, ${s.delivered} delivered` : `FAILED (${s.error ?? "unknown error"})`}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const CSV_COLUMNS = [
  "ruleId",
  "severity",
  "status",
  "state",
  "cloud",
  "scope",
  "region",
  "clusterId",
  "clusterName",
  "title",
  "detail",
  "fingerprint",
  "firstSeen",
  "lastSeen",
] as const;

/** One RFC 4180 cell, with a leading quote on a value a spreadsheet would run as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180, with a leading quote on cells a spreadsheet would run as a formula. */
export function renderCsv(report: RunReport): string {
  const rows = sortForReport(report.findings).map((f) => CSV_COLUMNS.map((c) => csvCell(String(f[c] ?? ""))).join(","));
  return `${[CSV_COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
