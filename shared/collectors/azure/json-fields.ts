/**
 * Total readers for JSON from the wire (Resource Graph rows, REST bodies): a field of the wrong type
 * reads as absent, never as a crash, and never as a truthy surprise.
 */
export type JsonRecord = Readonly<Record<string, unknown>>;

export const asRecord = (value: unknown): JsonRecord | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;

export const asString = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

export const asBoolean = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined);

export const asNumber = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

export const asArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** A map of strings (tags, labels, add-on config); values of other types are left out. */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asRecord(value) ?? {})) if (typeof entry === "string") out[key] = entry;
  return out;
}

/** A field by name, whatever its casing (add-on keys, config keys). */
export function fieldIgnoringCase(record: JsonRecord | undefined, name: string): unknown {
  if (!record) return undefined;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}
