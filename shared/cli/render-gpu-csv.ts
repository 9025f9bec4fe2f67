import type { RunReport } from "../engine/run-audit.js";
import { anomaliesOf, anomalyFields } from "../sinks/gpu-anomalies.js";
import { csvCell } from "./render-report.js";

/** The columns of `--output gpu-csv`: the FinOps table's fields, in its order. */
export const GPU_CSV_COLUMNS = [
  "cloud",
  "scope",
  "region",
  "clusterName",
  "clusterId",
  "pool",
  "poolKind",
  "sku",
  "gpusPerNode",
  "baselineNodes",
  "peakNodes",
  "windowStart",
  "windowEnd",
  "state",
  "measure",
  "gpusAdded",
  "excessNodeHours",
  "excessGpuHours",
  "estimatedExcessCost",
  "costPerHourAtPeak",
  "currency",
  "pricePerNodeHour",
  "priceSource",
  "listPrice",
  "costMissing",
  "topNamespace",
  "topController",
  "topImage",
  "relatedRules",
  "attackPath",
  "severity",
  "source",
  "findingFingerprint",
] as const;

/** The GPU anomalies of the run as CSV (RFC 4180, formula-guarded like the findings CSV). */
export function renderGpuCsv(report: RunReport): string {
  const rows = anomaliesOf(report.findings).map((a) => {
    const fields = anomalyFields(a);
    return GPU_CSV_COLUMNS.map((c) => csvCell(String(fields[c] ?? ""))).join(",");
  });
  return `${[GPU_CSV_COLUMNS.join(","), ...rows].join("\r\n")}\r\n`;
}
