import type { Cloud } from "../../model/cluster.js";
import type { GpuSpikeConfig, PriceOverride } from "./config.js";
import table from "./gpu-prices.json" with { type: "json" };

export interface NodePrice {
  /** Per VM or instance and hour. */
  readonly perNodeHour: number;
  readonly currency: string;
  /** Where the number comes from, for people reading the cost. */
  readonly source: string;
  /** True for the bundled list price, false for a configured one. */
  readonly listPrice: boolean;
}

interface CloudPrices {
  readonly source: string;
  readonly region: string;
  readonly prices: Readonly<Record<string, number>>;
  readonly unpriced: Readonly<Record<string, string>>;
}

export const PRICE_TABLE: {
  readonly compiled: string;
  readonly currency: string;
  readonly azure: CloudPrices;
  readonly aws: CloudPrices;
} = table;

// VM sizes compare without case (ARM does); EC2 instance types are lower case.
const keyOf = (sku: string): string => sku.trim().toLowerCase();

function findKey<T>(record: Readonly<Record<string, T>>, sku: string): T | undefined {
  const wanted = keyOf(sku);
  for (const [key, value] of Object.entries(record)) if (keyOf(key) === wanted) return value;
  return undefined;
}

function configured(override: PriceOverride, region: string | null): { price: number; where: string } | null {
  if (typeof override === "number") return { price: override, where: "every region" };
  const exact = region ? findKey(override, region) : undefined;
  if (exact !== undefined) return { price: exact, where: region ?? "" };
  const fallback = override["*"];
  return fallback === undefined ? null : { price: fallback, where: "every region" };
}

/**
 * Price of one node of `sku` for one hour: a configured price first, else the bundled
 * list price of the file's reference region (said so when the cluster is elsewhere).
 * Null when neither knows the SKU.
 */
export function nodePrice(
  cloud: Cloud,
  sku: string | null,
  region: string | null,
  config: Pick<GpuSpikeConfig, "prices" | "priceCurrency">,
): NodePrice | null {
  if (!sku) return null;
  const override = findKey(config.prices, sku);
  const set = override === undefined ? null : configured(override, region);
  if (set)
    return {
      perNodeHour: set.price,
      currency: config.priceCurrency,
      source: `configured price (AUDIT_RULE_CONFIG, ${set.where})`,
      listPrice: false,
    };
  const list = PRICE_TABLE[cloud];
  const perNodeHour = findKey(list.prices, sku);
  if (perNodeHour === undefined) return null;
  const elsewhere = region && region.toLowerCase() !== list.region ? `, applied to ${region}` : "";
  return {
    perNodeHour,
    currency: PRICE_TABLE.currency,
    source: `list price ${list.region}${elsewhere} (${list.source}; compiled ${PRICE_TABLE.compiled}, not re-read)`,
    listPrice: true,
  };
}

/** Why a SKU has no price, for the evidence. */
export function unpricedReason(cloud: Cloud, sku: string | null): string {
  if (!sku) return "the VM size or instance type is unknown";
  return (
    findKey(PRICE_TABLE[cloud].unpriced, sku) ??
    `no list price for ${sku} in gpu-prices.json: set gpu-node-spike.prices in AUDIT_RULE_CONFIG`
  );
}
