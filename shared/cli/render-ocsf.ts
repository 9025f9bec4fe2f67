import type { RunReport } from "../engine/run-audit.js";
import type { Finding } from "../model/finding.js";

/** OCSF 1.3 Compliance Finding (class 2003), one per evaluated pair, as Prowler and Security Hub consume it. */
const SEVERITY_ID: Readonly<Record<Finding["severity"], number>> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const COMPLIANCE_STATUS: Readonly<Record<Finding["status"], { status: string; id: number }>> = {
  pass: { status: "Pass", id: 1 },
  fail: { status: "Fail", id: 3 },
  unknown: { status: "Unknown", id: 0 },
  muted: { status: "Muted", id: 99 },
};
const FINDING_STATUS: Readonly<Record<Finding["state"], { status: string; id: number; activityId: number }>> = {
  new: { status: "New", id: 1, activityId: 1 },
  open: { status: "In Progress", id: 2, activityId: 2 },
  resolved: { status: "Resolved", id: 4, activityId: 3 },
};

const epochMs = (iso: string): number => Date.parse(iso);

export function toOcsf(finding: Finding, report: RunReport): Record<string, unknown> {
  const compliance = COMPLIANCE_STATUS[finding.status];
  const lifecycle = FINDING_STATUS[finding.state];
  const provider = finding.cloud === "azure" ? "Azure" : "AWS";
  return {
    class_uid: 2003,
    class_name: "Compliance Finding",
    category_uid: 2,
    category_name: "Findings",
    type_uid: 2003 * 100 + lifecycle.activityId,
    activity_id: lifecycle.activityId,
    severity_id: SEVERITY_ID[finding.severity],
    severity:
      finding.severity === "info"
        ? "Informational"
        : finding.severity.charAt(0).toUpperCase() + finding.severity.slice(1),
    status_id: lifecycle.id,
    status: lifecycle.status,
    time: epochMs(report.run.finishedAt),
    message: finding.detail,
    metadata: {
      version: "1.3.0",
      product: { name: "cluster-audit-functions", vendor_name: "cluster-audit-functions" },
      correlation_uid: report.run.id,
    },
    finding_info: {
      uid: finding.fingerprint,
      title: finding.title,
      desc: finding.detail,
      first_seen_time: epochMs(finding.firstSeen),
      last_seen_time: epochMs(finding.lastSeen),
      types: [finding.ruleId],
    },
    compliance: { control: finding.ruleId, status: compliance.status, status_id: compliance.id },
    cloud: { provider, region: finding.region ?? undefined, account: { uid: finding.scope } },
    resources: [
      {
        uid: finding.clusterId ?? finding.scope,
        name: finding.clusterName ?? finding.scope,
        type: finding.clusterId
          ? finding.cloud === "azure"
            ? "Microsoft.ContainerService/managedClusters"
            : "AWS::EKS::Cluster"
          : "scope",
        region: finding.region ?? undefined,
      },
    ],
    unmapped: { evidence: finding.evidence },
  };
}

export function renderOcsf(report: RunReport): string {
  return `${JSON.stringify(
    report.findings.map((f) => toOcsf(f, report)),
    null,
    2,
  )}\n`;
}
