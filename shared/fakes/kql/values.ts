import { KqlError } from "./errors.js";
import type { KqlType } from "./types.js";

// Internal representation, chosen per static type: string → string (never null, as in Kusto);
// int/long/real/decimal → number | null; bool → boolean | null; datetime → epoch milliseconds | null;
// timespan → milliseconds | null; guid → lower-case string | null; dynamic → JSON-like JS value, where a
// datetime is a Date and a timespan its Kusto text.

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
/** Kusto datetimes count ticks from 0001-01-01; bin() aligns there, not at the Unix epoch. */
export const MS_FROM_YEAR_ONE_TO_EPOCH = 62_135_596_800_000;

export const isBag = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

export const isNumericType = (type: KqlType): boolean =>
  type === "int" || type === "long" || type === "real" || type === "decimal";

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** Kusto's datetime text: 2024-01-02T03:04:05.1230000Z (seven fractional digits). */
export function formatDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}0000Z`;
}

/** Kusto's timespan text ([-][d.]hh:mm:ss[.fffffff]), the .NET "c" format. */
export function formatTimespan(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  let whole = Math.floor(abs);
  let subMsTicks = Math.round((abs - whole) * 10_000);
  if (subMsTicks === 10_000) {
    whole += 1;
    subMsTicks = 0;
  }
  const days = Math.floor(whole / MS_PER_DAY);
  const hours = Math.floor((whole % MS_PER_DAY) / MS_PER_HOUR);
  const minutes = Math.floor((whole % MS_PER_HOUR) / MS_PER_MINUTE);
  const seconds = Math.floor((whole % MS_PER_MINUTE) / MS_PER_SECOND);
  const fraction = (whole % MS_PER_SECOND) * 10_000 + subMsTicks;
  const dayPart = days > 0 ? `${days}.` : "";
  const fractionPart = fraction > 0 ? `.${pad(fraction, 7)}` : "";
  return `${sign}${dayPart}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}${fractionPart}`;
}

/** A real as Kusto prints it (.NET round-trip format: exponent from 1E+15 and below 1E-05). */
export function formatReal(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n === 0) return "0";
  const [mantissa = "", exponentText = "0"] = n.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent >= 15 || exponent < -5) {
    return `${mantissa}E${exponent < 0 ? "-" : "+"}${pad(Math.abs(exponent), 2)}`;
  }
  return String(n);
}

/** JSON text of a dynamic value, compact as Kusto writes it; datetimes in Kusto's format. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    return raw instanceof Date ? formatDateTime(raw.getTime()) : converted;
  });
}

/** tostring() of a dynamic value: a string as is, bags and arrays as JSON text, null as "". */
export function dynamicToString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatReal(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return formatDateTime(value.getTime());
  return toJsonText(value);
}

/** tostring() of a value of a static type. */
export function toKqlString(value: unknown, type: KqlType): string {
  if (value === null || value === undefined) return "";
  switch (type) {
    case "string":
    case "guid":
      return String(value);
    case "datetime":
      return formatDateTime(value as number);
    case "timespan":
      return formatTimespan(value as number);
    case "real":
    case "decimal":
      return formatReal(value as number);
    case "int":
    case "long":
      return String(value);
    case "bool":
      return value ? "true" : "false";
    case "dynamic":
      return dynamicToString(value);
  }
}

/** A typed value as it is stored inside a dynamic (make_list, pack, todynamic, ...). */
export function toDynamic(value: unknown, type: KqlType): unknown {
  if (value === null || value === undefined) return null;
  if (type === "datetime") return new Date(value as number);
  if (type === "timespan") return formatTimespan(value as number);
  return value;
}

const ISO_DATETIME =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/i;
// RFC 822 / RFC 1123 with an explicit zone, e.g. "Sat, 08 Nov 2014 15:05:02 GMT".
const RFC_DATETIME =
  /^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+(?:GMT|UTC|Z|[+-]\d{4})\s*$/;

/** Parses datetime text the way todatetime() and datetime(...) literals accept it; UTC unless zoned. */
export function parseDateTimeText(text: string): number | null {
  const m = ISO_DATETIME.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, fraction, zone] = m;
    let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
    const check = new Date(ms);
    if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return null;
    if (fraction) ms += Number(`0.${fraction}`) * 1000;
    if (zone && zone.toUpperCase() !== "Z") {
      const digits = zone.replace(":", "");
      const offset = Number(digits.slice(1, 3)) * MS_PER_HOUR + Number(digits.slice(3, 5)) * MS_PER_MINUTE;
      ms -= digits.startsWith("-") ? -offset : offset;
    }
    return ms;
  }
  if (RFC_DATETIME.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

const UNIT_MS: Record<string, number> = {
  d: MS_PER_DAY,
  day: MS_PER_DAY,
  days: MS_PER_DAY,
  h: MS_PER_HOUR,
  hr: MS_PER_HOUR,
  hrs: MS_PER_HOUR,
  hour: MS_PER_HOUR,
  hours: MS_PER_HOUR,
  m: MS_PER_MINUTE,
  min: MS_PER_MINUTE,
  minute: MS_PER_MINUTE,
  minutes: MS_PER_MINUTE,
  s: MS_PER_SECOND,
  sec: MS_PER_SECOND,
  second: MS_PER_SECOND,
  seconds: MS_PER_SECOND,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  microsecond: 0.001,
  microseconds: 0.001,
  tick: 0.0001,
  ticks: 0.0001,
};

const UNIT_TIMESPAN = /^\s*([+-]?\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;
const CLOCK_TIMESPAN = /^\s*([+-])?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*$/;

/** Parses timespan text: a Kusto unit literal (2h, 1.5d, 30m) or [-][d.]hh:mm[:ss[.fffffff]]. */
export function parseTimespanText(text: string): number | null {
  const unit = UNIT_TIMESPAN.exec(text);
  if (unit) {
    const factor = UNIT_MS[(unit[2] ?? "").toLowerCase()];
    return factor === undefined ? null : Number(unit[1]) * factor;
  }
  const clock = CLOCK_TIMESPAN.exec(text);
  if (!clock) return null;
  const [, sign, days, hours, minutes, seconds, fraction] = clock;
  const ms =
    Number(days ?? 0) * MS_PER_DAY +
    Number(hours) * MS_PER_HOUR +
    Number(minutes) * MS_PER_MINUTE +
    Number(seconds ?? 0) * MS_PER_SECOND +
    (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  return sign === "-" ? -ms : ms;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const parseGuidText = (text: string): string | null =>
  GUID.test(text.trim()) ? text.trim().toLowerCase() : null;

/**
 * The key a value is grouped, deduplicated or matched by (summarize by, dcount, make_set, join):
 * scalars as they are, structures by their JSON text, datetimes inside dynamics by their time.
 */
export const valueKey = (value: unknown): unknown => {
  // Derived keys start with NUL, and so does any string that could be mistaken for one.
  if (value instanceof Date) return `\u0000d${value.getTime()}`;
  if (typeof value === "object" && value !== null) return `\u0000j${toJsonText(value)}`;
  if (typeof value === "string" && value.charCodeAt(0) === 0) return `\u0000s${value}`;
  return value;
};

/** The empty value of a type: strings are never null in Kusto, so they are empty instead. */
export const emptyOf = (type: KqlType): unknown => (type === "string" ? "" : null);

/** Deep equality of two dynamic values (== between dynamics). */
export function dynamicEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  return toJsonText(a) === toJsonText(b);
}

/**
 * The value of a dynamic as a scalar of the given type for comparisons with typed values
 * (tags['x'] == 'y', properties.count > 2), or undefined when the dynamic holds another kind of value.
 */
export function dynamicAsScalar(value: unknown, type: KqlType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
    case "guid":
      return typeof value === "string" ? value : undefined;
    case "int":
    case "long":
    case "real":
    case "decimal":
      return typeof value === "number" ? value : undefined;
    case "bool":
      return typeof value === "boolean" ? value : undefined;
    case "datetime":
      if (value instanceof Date) return value.getTime();
      return typeof value === "string" ? (parseDateTimeText(value) ?? undefined) : undefined;
    case "timespan":
      return typeof value === "string" ? (parseTimespanText(value) ?? undefined) : undefined;
    case "dynamic":
      return value;
  }
}

/** The dynamic value read from JSON text, as parse_json() does (invalid JSON stays a string). */
export function parseJsonText(text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A converter of input cells of one column type to the internal representation (null when the shape is wrong). */
export function cellConverter(type: KqlType): (value: unknown) => unknown {
  const WRONG = undefined;
  switch (type) {
    case "string":
      return (v) => (v === null || v === undefined ? "" : typeof v === "string" ? v : WRONG);
    case "guid":
      return (v) =>
        v === null || v === undefined ? null : typeof v === "string" ? (parseGuidText(v) ?? WRONG) : WRONG;
    case "int":
    case "long":
      return (v) => (v === null || v === undefined ? null : typeof v === "number" && Number.isInteger(v) ? v : WRONG);
    case "real":
    case "decimal":
      return (v) => (v === null || v === undefined ? null : typeof v === "number" ? v : WRONG);
    case "bool":
      return (v) => (v === null || v === undefined ? null : typeof v === "boolean" ? v : WRONG);
    case "datetime":
      return (v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Date) {
          const ms = v.getTime();
          return Number.isNaN(ms) ? WRONG : ms;
        }
        return typeof v === "string" ? (parseDateTimeText(v) ?? WRONG) : WRONG;
      };
    case "timespan":
      return (v) => (v === null || v === undefined ? null : typeof v === "number" ? v : WRONG);
    case "dynamic":
      return (v) =>
        v === undefined ? null : typeof v === "function" || typeof v === "symbol" || typeof v === "bigint" ? WRONG : v;
  }
}

/** Converts one input cell, refusing values of the wrong shape (`where` names the cell in the error). */
export function ingestValue(value: unknown, type: KqlType, where: () => string): unknown {
  const converted = cellConverter(type)(value);
  if (converted === undefined) {
    throw new KqlError(
      "InvalidData",
      `${where()}: expected a ${type} value, got ${JSON.stringify(value) ?? typeof value}`,
    );
  }
  return converted;
}

/** Converts an internal value to what a query result carries (datetime → Date). */
export function exportValue(value: unknown, type: KqlType): unknown {
  if (value === null || value === undefined) return type === "string" ? "" : null;
  return type === "datetime" ? new Date(value as number) : value;
}
