import type { CollectorEnvironment } from "../collectors/registry.js";
import type { ReportSink } from "../engine/ports.js";
import { gpuAnomalySinkRegistration } from "./gpu-anomaly-table.js";

/** One line per report sink; each decides from settings whether it is on. */
export interface ReportSinkRegistration {
  readonly id: string;
  create(environment: CollectorEnvironment): Promise<ReportSink | null>;
}

export const REPORT_SINKS: readonly ReportSinkRegistration[] = [gpuAnomalySinkRegistration];
