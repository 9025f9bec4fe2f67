/** The scalar types of KQL that the interpreter models. */
export const KQL_TYPES = [
  "string",
  "int",
  "long",
  "real",
  "bool",
  "datetime",
  "timespan",
  "dynamic",
  "guid",
  "decimal",
] as const;

export type KqlType = (typeof KQL_TYPES)[number];

export const isKqlType = (name: string): name is KqlType => (KQL_TYPES as readonly string[]).includes(name);

export interface KqlColumn {
  readonly name: string;
  readonly type: KqlType;
}

/**
 * One input table. Values by type: string → string; int/long/real/decimal → number; bool → boolean;
 * datetime → Date (or an ISO string); timespan → milliseconds; guid → string; dynamic → any JSON-like value.
 * A missing or null value is null (an empty string for string columns, as in Kusto).
 */
export interface KqlTableData {
  readonly columns: Readonly<Record<string, KqlType>>;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/** A query result: datetime cells are Date, timespan cells milliseconds, dynamic cells plain JS values. */
export interface KqlResult {
  readonly columns: KqlColumn[];
  readonly rows: unknown[][];
}
