/**
 * The evidence of a gpu-node-spike finding: what the FinOps table, the CSV and the
 * HTML report read back. The schema is the one place its shape is written down.
 */
import { z } from "zod";
import type { Evidence } from "../../model/finding.js";

const cost = z.object({
  /** Excess cost of the window (excess node-hours × price per node-hour). */
  amount: z.number(),
  /** Rate at the peak: nodes above the baseline × price per node-hour. */
  perHour: z.number(),
  pricePerNodeHour: z.number(),
  currency: z.string(),
  priceSource: z.string(),
  listPrice: z.boolean(),
});

const spikeWindow = z.object({
  start: z.string(),
  end: z.string(),
  state: z.enum(["open", "resolved"]),
  /** Which series showed it: GPU nodes, or GPU capacity (converted to nodes). */
  measure: z.enum(["nodes", "capacity"]),
  baselineNodes: z.number(),
  peakNodes: z.number(),
  score: z.number(),
  gpusAdded: z.number().nullable(),
  excessNodeHours: z.number(),
  excessGpuHours: z.number().nullable(),
  cost: cost.nullable(),
  /** Why there is no cost, when there is none. */
  costMissing: z.string().nullable(),
  /** Hours the series has been back under the threshold since the window's end. */
  quietHours: z.number(),
});

const ranked = z.object({ name: z.string(), gpus: z.number() });

const attribution = z.object({
  top: z.array(
    z.object({
      namespace: z.string(),
      controller: z.string().nullable(),
      image: z.string().nullable(),
      gpus: z.number(),
    }),
  ),
  namespaces: z.array(ranked),
  controllers: z.array(ranked),
  images: z.array(ranked),
});

const related = z.object({ ruleId: z.string(), subject: z.string(), severity: z.string(), detail: z.string() });

/** GPU nodes on an hourly grid from `start`; null where the series had no point. */
const chart = z.object({ start: z.string(), stepMinutes: z.number(), nodes: z.array(z.number().nullable()) });

export const gpuSpikeEvidenceSchema = z.object({
  pool: z.string(),
  poolKind: z.enum(["node pool", "node group"]),
  source: z.enum(["container-insights", "eks-history"]),
  sku: z.string().nullable(),
  gpusPerNode: z.number().nullable(),
  /** The window this finding is about (the latest open one, else the latest). */
  current: spikeWindow.nullable(),
  /** Every window whose end lies in the lookback, oldest first. */
  windows: z.array(spikeWindow),
  attribution: attribution.nullable(),
  related: z.array(related),
  attackPath: z.boolean(),
  lookbackDays: z.number(),
  chart: chart.nullable(),
});

export type SpikeWindowEvidence = z.infer<typeof spikeWindow>;
export type SpikeCost = z.infer<typeof cost>;
export type SpikeAttribution = z.infer<typeof attribution>;
export type RelatedFinding = z.infer<typeof related>;
export type SpikeChart = z.infer<typeof chart>;
export type GpuSpikeEvidence = z.infer<typeof gpuSpikeEvidenceSchema>;

/** The evidence of a gpu-node-spike finding, or null when it is not one (a blind spot, a resolved absence). */
export function readGpuSpikeEvidence(evidence: Evidence): GpuSpikeEvidence | null {
  const parsed = gpuSpikeEvidenceSchema.safeParse(evidence);
  return parsed.success ? parsed.data : null;
}
