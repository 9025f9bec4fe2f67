import { z } from "zod";
import { detectSpikes, type SpikeOptions } from "../../detect/spikes.js";
import type { RuleConfigSpec } from "../../model/rule.js";

/** A configured price per node-hour: one number for every region, or per region with `*` as the fallback. */
export type PriceOverride = number | Readonly<Record<string, number>>;

export interface GpuSpikeConfig {
  /** Days of GPU node counts the rule reports on (windows, cost, chart). */
  readonly lookbackDays: number;
  /** A window that ended resolves once the series has been back under the threshold this long. */
  readonly resolveAfterHours: number;
  /** The first hours of a series only serve as history (see the README: why 168). */
  readonly warmUpHours: number;
  /** Price per node-hour by VM size or instance type, over the bundled list prices. */
  readonly prices: Readonly<Record<string, PriceOverride>>;
  /** Currency of `prices`. */
  readonly priceCurrency: string;
  /** Detector tuning other than the warm-up (`detectSpikes` options). */
  readonly detector: Readonly<Partial<Omit<SpikeOptions, "warmUpHours">>>;
}

export const GPU_SPIKE_DEFAULTS: GpuSpikeConfig = Object.freeze({
  lookbackDays: 14,
  resolveAfterHours: 2,
  warmUpHours: 168,
  prices: Object.freeze({}),
  priceCurrency: "USD",
  detector: Object.freeze({}),
});

const price = z.number().finite().min(0).max(100_000);
const schema = z
  .object({
    lookbackDays: z.number().int().min(1).max(60),
    resolveAfterHours: z
      .number()
      .min(0)
      .max(24 * 7),
    warmUpHours: z
      .number()
      .min(0)
      .max(24 * 30),
    prices: z.record(z.string().min(1).max(100), z.union([price, z.record(z.string().min(1).max(40), price)])),
    priceCurrency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD or EUR"),
    detector: z.record(z.string(), z.number()),
  })
  .strict();

function parse(raw: unknown): GpuSpikeConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("must be a JSON object");
  const merged = { ...GPU_SPIKE_DEFAULTS, ...(raw as Record<string, unknown>) };
  const result = schema.safeParse(merged);
  if (!result.success)
    throw new Error(result.error.issues.map((i) => `${i.path.join(".") || "(value)"}: ${i.message}`).join("; "));
  const { detector } = result.data;
  if ("warmUpHours" in detector) throw new Error("detector.warmUpHours: set warmUpHours instead");
  // The detector validates its own options; an empty series runs them through it.
  try {
    detectSpikes([], detector);
  } catch (error) {
    throw new Error(`detector: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Object.freeze({ ...result.data, detector: Object.freeze({ ...detector }) }) as GpuSpikeConfig;
}

export const gpuSpikeConfig: RuleConfigSpec<GpuSpikeConfig> = { defaults: GPU_SPIKE_DEFAULTS, parse };

/** The config as the engine hands it over (settings parse it; anything else falls back to the defaults). */
export function gpuSpikeConfigOf(value: unknown): GpuSpikeConfig {
  if (typeof value !== "object" || value === null) return GPU_SPIKE_DEFAULTS;
  const candidate = value as Partial<GpuSpikeConfig>;
  return typeof candidate.lookbackDays === "number" && typeof candidate.warmUpHours === "number"
    ? (value as GpuSpikeConfig)
    : GPU_SPIKE_DEFAULTS;
}

/**
 * Hours of history a collector should provide: the lookback plus the warm-up, so every
 * hour of the lookback is judged against history the detector also judged.
 */
export const historyHoursOf = (config: GpuSpikeConfig): number => config.lookbackDays * 24 + config.warmUpHours;
