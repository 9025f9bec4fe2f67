import containerInsightsJson from "./schemas/container-insights.json" with { type: "json" };
import resourceGraphJson from "./schemas/resource-graph.json" with { type: "json" };
import { isKqlType, type KqlType } from "./types.js";

export type { KqlType } from "./types.js";

export interface KqlSchema {
  /** Table name → column name → type, columns in their documented order. */
  readonly tables: Readonly<Record<string, Readonly<Record<string, KqlType>>>>;
  /** Resource Graph accepts any casing of its table names (Resources, resources, ...). */
  readonly tableNamesCaseInsensitive: boolean;
}

// Keys of a table entry that describe it rather than being columns.
const METADATA_KEYS = new Set(["source", "notes"]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Validates a handbook-format schema file ({ tables: { T: { source, notes?, Column: type } } }). */
export function parseSchema(json: unknown, origin: string): KqlSchema {
  if (!isRecord(json) || !isRecord(json.tables)) throw new Error(`${origin}: expected { tables: { ... } }`);
  const tables: Record<string, Record<string, KqlType>> = {};
  for (const [table, entry] of Object.entries(json.tables)) {
    if (!isRecord(entry)) throw new Error(`${origin}: table ${table} is not an object`);
    const columns: Record<string, KqlType> = {};
    for (const [column, type] of Object.entries(entry)) {
      if (METADATA_KEYS.has(column)) continue;
      if (typeof type !== "string" || !isKqlType(type)) {
        throw new Error(`${origin}: ${table}.${column} has unknown type ${String(type)}`);
      }
      columns[column] = type;
    }
    tables[table] = columns;
  }
  return { tables, tableNamesCaseInsensitive: json.tableNamesCaseInsensitive === true };
}

/** Container Insights tables of a Log Analytics workspace. */
export const containerInsightsSchema: KqlSchema = parseSchema(containerInsightsJson, "container-insights.json");

/** Azure Resource Graph: resources and resourcecontainers. */
export const resourceGraphSchema: KqlSchema = parseSchema(resourceGraphJson, "resource-graph.json");
