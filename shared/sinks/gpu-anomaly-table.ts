import type { ReportSink, SinkResult } from "../engine/ports.js";
import { describeError } from "../errors.js";
import type { EntityTable, StoredRow, TableRow } from "../store/entity-table.js";
import { TableConflictError } from "../store/entity-table.js";
import { anomaliesOf, type GpuAnomaly, toAnomalyRow } from "./gpu-anomalies.js";
import type { ReportSinkRegistration } from "./index.js";

const ATTEMPTS = 3;
/** Fields that make a row worth rewriting; the rest (run id, timestamp) change every run. */
const CHANGES = [
  "windowEnd",
  "state",
  "peakNodes",
  "baselineNodes",
  "excessNodeHours",
  "estimatedExcessCost",
  "severity",
  "attackPath",
  "relatedRules",
  "topImage",
] as const;

const timeOf = (value: unknown): number =>
  value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;

const same = (a: unknown, b: unknown): boolean =>
  a instanceof Date || b instanceof Date ? timeOf(a) === timeOf(b) : a === b;

type Outcome = "written" | "unchanged" | "stale";

/**
 * One row per anomaly, updated while it lasts: the same key as the window grows,
 * each write conditional on the version read. A row a later run already moved
 * past is left alone; an attack-path mark, once set, stays.
 */
async function upsertAnomaly(table: EntityTable, anomaly: GpuAnomaly, runId: string, now: Date): Promise<Outcome> {
  const fresh = toAnomalyRow(anomaly, runId, now);
  for (let attempt = 1; ; attempt++) {
    const stored: StoredRow | null = await table.get(fresh.partitionKey, fresh.rowKey);
    let row: TableRow = { ...fresh, firstRunId: runId, firstSeen: now };
    if (stored) {
      if (timeOf(stored.windowEnd) > timeOf(fresh.windowEnd)) return "stale";
      row = {
        ...fresh,
        firstRunId: stored.firstRunId ?? runId,
        firstSeen: stored.firstSeen ?? now,
        attackPath: stored.attackPath === true || fresh.attackPath === true,
      };
      if (CHANGES.every((k) => same(stored[k], row[k]))) return "unchanged";
    }
    try {
      await table.submit([stored ? { kind: "replace", row, etag: stored.etag } : { kind: "create", row }]);
      return "written";
    } catch (error) {
      if (!(error instanceof TableConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** The FinOps GPU anomaly table (AUDIT_GPU_TABLE). Never throws. */
export function createGpuAnomalySink(table: EntityTable, clock: () => Date): ReportSink {
  return {
    name: "gpu-anomalies",
    target: table.target,
    async write({ findings, run }): Promise<SinkResult> {
      const base = { sink: "gpu-anomalies", target: table.target };
      const anomalies = anomaliesOf(findings);
      if (anomalies.length === 0) return { ...base, ok: true, delivered: 0, failed: 0, error: null };
      try {
        await table.ensureExists();
      } catch (error) {
        return { ...base, ok: false, delivered: 0, failed: anomalies.length, error: describeError(error) };
      }
      let delivered = 0;
      const errors: string[] = [];
      const now = clock();
      for (const anomaly of anomalies) {
        try {
          if ((await upsertAnomaly(table, anomaly, run.runId, now)) === "written") delivered++;
        } catch (error) {
          errors.push(describeError(error));
        }
      }
      return {
        ...base,
        ok: errors.length === 0,
        delivered,
        failed: errors.length,
        error: errors.length > 0 ? `${errors.length} anomaly row(s) not written: ${errors[0]}` : null,
      };
    },
  };
}

export const gpuAnomalySinkRegistration: ReportSinkRegistration = {
  id: "gpu-anomalies",
  async create({ settings, tables, clock }) {
    return createGpuAnomalySink(await tables(settings.gpuTable), clock);
  },
};
