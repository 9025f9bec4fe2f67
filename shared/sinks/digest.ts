import type { RunInfo } from "../engine/ports.js";
import { type Finding, severityRank } from "../model/finding.js";

/** Most severe first, then resolutions after failures, then by cluster for a stable order. */
export function orderForChat(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      Number(a.state === "resolved") - Number(b.state === "resolved") ||
      severityRank(b.severity) - severityRank(a.severity) ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.clusterName ?? "").localeCompare(b.clusterName ?? ""),
  );
}

export function headline(findings: readonly Finding[]): string {
  const resolved = findings.filter((f) => f.state === "resolved").length;
  const open = findings.length - resolved;
  const parts = [];
  if (open > 0) parts.push(`${open} finding${open === 1 ? "" : "s"} need${open === 1 ? "s" : ""} attention`);
  if (resolved > 0) parts.push(`${resolved} resolved`);
  return `cluster-audit: ${parts.join(", ") || "no changes"}`;
}

export function runLine(run: RunInfo, part: number, parts: number): string {
  const page = parts > 1 ? ` (message ${part} of ${parts})` : "";
  return `Run ${run.runId} (${run.trigger}) at ${run.startedAt.toISOString()}${page}`;
}

/** Removes control and bidi-override characters and collapses whitespace, then clips. */
export function cleanText(value: string, max: number): string {
  const cleaned = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.length <= max ? cleaned : `${cleaned.slice(0, max - 1)}…`;
}

export function scopeLabel(finding: Finding): string {
  return `${finding.cloud === "azure" ? "Azure subscription" : "AWS account"} ${finding.scope}${finding.region ? `, ${finding.region}` : ""}`;
}

/** Trusted label for a finding's line: its severity, or that it is resolved or could not be audited. */
export function chatLabel(finding: Finding): string {
  if (finding.state === "resolved") return "RESOLVED";
  const severity = finding.severity.toUpperCase();
  return finding.status === "unknown" ? `${severity} NOT AUDITED` : severity;
}
