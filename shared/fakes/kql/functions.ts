import type { CallSite, Compiled, Evaluator, Row, ScalarFunction } from "./context.js";
import { KqlError, notImplemented } from "./errors.js";
import { kusto } from "./kusto.js";
import { compileRegex } from "./regex.js";
import { isKqlType, type KqlType } from "./types.js";
import {
  dynamicToString,
  isBag,
  MS_FROM_YEAR_ONE_TO_EPOCH,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  parseDateTimeText,
  parseGuidText,
  parseJsonText,
  parseTimespanText,
  toDynamic,
  toKqlString,
  valueKey,
} from "./values.js";

// Scalar functions. Each implementation gets its call site and returns a per-row closure; calls whose
// arguments are all constant are folded once by the compiler. Semantics follow the Kusto reference,
// including nulls: most functions return null for a null argument, and strings are never null.

const functions = new Map<string, ScalarFunction>();

const define = (names: string | readonly string[], implementation: ScalarFunction): void => {
  for (const name of typeof names === "string" ? [names] : names) functions.set(name, implementation);
};

export const scalarFunctions: ReadonlyMap<string, ScalarFunction> = functions;

const isNull = (value: unknown): value is null | undefined => value === null || value === undefined;

/** A reader of argument i as a string (tostring() semantics for non-strings). */
function stringArg(call: CallSite, index: number): (row: Row) => string {
  const { evaluate, type } = call.arg(index);
  if (type === "string") return evaluate as (row: Row) => string;
  return (row) => toKqlString(evaluate(row), type);
}

/** A reader of argument i as a number (a dynamic number, or null). */
function numberArg(call: CallSite, index: number): (row: Row) => number | null {
  const { evaluate, type } = call.arg(index);
  if (type === "dynamic") {
    return (row) => {
      const value = evaluate(row);
      return typeof value === "number" ? value : null;
    };
  }
  return evaluate as (row: Row) => number | null;
}

const optionalNumberArg = (call: CallSite, index: number, fallback: number): ((row: Row) => number | null) =>
  call.args.length > index ? numberArg(call, index) : () => fallback;

/** A reader of argument i as a dynamic value. */
function dynamicArg(call: CallSite, index: number): Evaluator {
  const { evaluate, type } = call.arg(index);
  if (type === "dynamic") return evaluate;
  return (row) => toDynamic(evaluate(row), type);
}

/** Converts a value to the call's result type where branches may differ (iif, case, coalesce). */
function toResult(compiled: Compiled, resultType: KqlType): Evaluator {
  if (compiled.type === resultType || resultType !== "dynamic") return compiled.evaluate;
  const { evaluate, type } = compiled;
  return (row) => toDynamic(evaluate(row), type);
}

// ---- conversions ----------------------------------------------------------------------------------

const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function toNumber(value: unknown, type: KqlType, integral: boolean): number | null {
  if (isNull(value)) return null;
  const finish = (n: number): number | null => (Number.isNaN(n) ? null : integral ? Math.trunc(n) : n);
  switch (type) {
    case "int":
    case "long":
    case "real":
    case "decimal":
      return finish(value as number);
    case "bool":
      return value ? 1 : 0;
    case "string":
      return NUMBER_TEXT.test(value as string) ? finish(Number(value)) : null;
    case "dynamic":
      if (typeof value === "number") return finish(value);
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string") return toNumber(value, "string", integral);
      return null;
    case "datetime":
    case "timespan":
      throw notImplemented(`number conversion of a ${type} (ticks)`);
    case "guid":
      return null;
  }
}

const numberConversion =
  (integral: boolean): ScalarFunction =>
  (call) => {
    const { evaluate, type } = call.arg(0);
    return (row) => toNumber(evaluate(row), type, integral);
  };

define(["toint", "tolong"], numberConversion(true));
define(["toreal", "todouble", "todecimal"], numberConversion(false));

function toBool(value: unknown, type: KqlType): boolean | null {
  if (isNull(value)) return null;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string" && (type === "string" || type === "dynamic")) {
    const lower = value.trim().toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : null;
  }
  return null;
}

define(["tobool", "toboolean"], (call) => {
  const { evaluate, type } = call.arg(0);
  return (row) => toBool(evaluate(row), type);
});

define("tostring", (call) => {
  const { evaluate, type } = call.arg(0);
  return (row) => toKqlString(evaluate(row), type);
});

define("todatetime", (call) => {
  const { evaluate, type } = call.arg(0);
  if (type === "datetime") return evaluate;
  if (type !== "string" && type !== "dynamic") throw notImplemented(`todatetime() of a ${type}`);
  return (row) => {
    const value = evaluate(row);
    if (value instanceof Date) return value.getTime();
    return typeof value === "string" ? parseDateTimeText(value) : null;
  };
});

define(["totimespan", "totime"], (call) => {
  const { evaluate, type } = call.arg(0);
  if (type === "timespan") return evaluate;
  if (type !== "string" && type !== "dynamic") throw notImplemented(`totimespan() of a ${type}`);
  return (row) => {
    const value = evaluate(row);
    return typeof value === "string" ? parseTimespanText(value) : null;
  };
});

define("toguid", (call) => {
  const read = stringArg(call, 0);
  return (row) => parseGuidText(read(row));
});

define(["todynamic", "toobject", "parse_json", "parsejson"], (call) => {
  const { evaluate, type } = call.arg(0);
  if (type === "dynamic") return evaluate;
  if (type === "string") return (row) => parseJsonText(evaluate(row) as string);
  return (row) => toDynamic(evaluate(row), type);
});

define("gettype", (call) => {
  const { evaluate, type } = call.arg(0);
  if (type !== "dynamic") return () => type;
  return (row) => {
    const value = evaluate(row);
    if (isNull(value)) return "null";
    if (typeof value === "string") return "string";
    if (typeof value === "boolean") return "bool";
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return "real";
      return Math.abs(value) <= 2_147_483_647 ? "int" : "long";
    }
    if (value instanceof Date) return "datetime";
    return Array.isArray(value) ? "array" : "dictionary";
  };
});

// ---- strings --------------------------------------------------------------------------------------

define("tolower", (call) => {
  const read = stringArg(call, 0);
  return (row) => read(row).toLowerCase();
});

define("toupper", (call) => {
  const read = stringArg(call, 0);
  return (row) => read(row).toUpperCase();
});

define("strlen", (call) => {
  const read = stringArg(call, 0);
  return (row) => [...read(row)].length;
});

define("substring", (call) => {
  const read = stringArg(call, 0);
  const start = numberArg(call, 1);
  const length = call.args.length > 2 ? numberArg(call, 2) : () => Number.POSITIVE_INFINITY;
  return (row) => {
    const text = read(row);
    const from = start(row);
    const count = length(row);
    if (from === null || count === null) return "";
    const begin = from < 0 ? Math.max(0, text.length + from) : from;
    return count <= 0 ? "" : text.slice(begin, begin + count);
  };
});

define("strcat", (call) => {
  const parts = call.args.map((_, i) => stringArg(call, i));
  return (row) => parts.map((p) => p(row)).join("");
});

define("strcat_delim", (call) => {
  const delimiter = stringArg(call, 0);
  const parts = call.args.slice(1).map((_, i) => stringArg(call, i + 1));
  return (row) => parts.map((p) => p(row)).join(delimiter(row));
});

define("strcat_array", (call) => {
  const array = dynamicArg(call, 0);
  const delimiter = stringArg(call, 1);
  return (row) => {
    const value = array(row);
    return Array.isArray(value) ? value.map(dynamicToString).join(delimiter(row)) : "";
  };
});

define("split", (call) => {
  const read = stringArg(call, 0);
  const delimiter = stringArg(call, 1);
  const index = call.args.length > 2 ? numberArg(call, 2) : undefined;
  return (row) => {
    const separator = delimiter(row);
    const parts = separator === "" ? [read(row)] : read(row).split(separator);
    if (!index) return parts;
    const i = index(row);
    const part = i === null ? undefined : parts[i];
    return part === undefined ? [] : [part];
  };
});

const trimmer =
  (where: "both" | "start" | "end"): ScalarFunction =>
  (call) => {
    const pattern = stringArg(call, 0);
    const read = stringArg(call, 1);
    return (row) => {
      const source = pattern(row);
      let text = read(row);
      if (source === "") return text;
      if (where !== "end") text = text.replace(compileRegex(`^(?:${source})+`), "");
      if (where !== "start") text = text.replace(compileRegex(`(?:${source})+$`), "");
      return text;
    };
  };

define("trim", trimmer("both"));
define("trim_start", trimmer("start"));
define("trim_end", trimmer("end"));

define("replace_string", (call) => {
  const read = stringArg(call, 0);
  const lookup = stringArg(call, 1);
  const rewrite = stringArg(call, 2);
  return (row) => {
    const needle = lookup(row);
    return needle === "" ? read(row) : read(row).split(needle).join(rewrite(row));
  };
});

/** Rewrites with \0..\9 group references, as Kusto's replace_regex() does. */
function regexReplace(text: string, pattern: string, rewrite: string): string {
  return text.replace(compileRegex(pattern, true), (...match: unknown[]) => {
    const groups = match.slice(0, -2);
    return rewrite.replace(/\\(\d)/g, (_, digit: string) => {
      const group = groups[Number(digit)];
      return typeof group === "string" ? group : "";
    });
  });
}

define("replace_regex", (call) => {
  const read = stringArg(call, 0);
  const pattern = stringArg(call, 1);
  const rewrite = stringArg(call, 2);
  return (row) => regexReplace(read(row), pattern(row), rewrite(row));
});

// The deprecated replace() takes (regex, rewrite, text).
define("replace", (call) => {
  const pattern = stringArg(call, 0);
  const rewrite = stringArg(call, 1);
  const read = stringArg(call, 2);
  return (row) => regexReplace(read(row), pattern(row), rewrite(row));
});

/** The type named by a typeof(...) argument. */
function typeOfArgument(call: CallSite, index: number): KqlType {
  const node = call.args[index];
  const name = node?.ReferencedSymbol?.Name;
  if (!node || kusto().kindName(node) !== "TypeOfLiteralExpression" || !name || !isKqlType(name)) {
    throw notImplemented(`${call.name}() with a type argument other than typeof(scalar type)`);
  }
  return name;
}

function convertExtracted(text: string, type: KqlType): unknown {
  switch (type) {
    case "string":
      return text;
    case "int":
    case "long":
      return toNumber(text, "string", true);
    case "real":
    case "decimal":
      return toNumber(text, "string", false);
    case "bool":
      return toBool(text, "string");
    case "datetime":
      return parseDateTimeText(text);
    case "timespan":
      return parseTimespanText(text);
    case "guid":
      return parseGuidText(text);
    case "dynamic":
      return parseJsonText(text);
  }
}

define("extract", (call) => {
  const pattern = stringArg(call, 0);
  const group = numberArg(call, 1);
  const read = stringArg(call, 2);
  const type = call.args.length > 3 ? typeOfArgument(call, 3) : "string";
  const none = type === "string" ? "" : null;
  return (row) => {
    const match = compileRegex(pattern(row)).exec(read(row));
    const index = group(row);
    const text = match && index !== null ? match[index] : undefined;
    return text === undefined ? none : convertExtracted(text, type);
  };
});

define("extract_all", (call) => {
  const pattern = stringArg(call, 0);
  const explicitGroups = call.args.length > 2 ? dynamicArg(call, 1) : undefined;
  const read = stringArg(call, call.args.length > 2 ? 2 : 1);
  return (row) => {
    const matches = [...read(row).matchAll(compileRegex(pattern(row), true))];
    if (matches.length === 0) return null;
    const requested = explicitGroups?.(row);
    const groups = Array.isArray(requested) ? requested.filter((g): g is number => typeof g === "number") : undefined;
    return matches.map((m) => {
      const captured = groups ?? (m.length > 1 ? Array.from({ length: m.length - 1 }, (_, i) => i + 1) : [0]);
      const values = captured.map((g) => m[g] ?? "");
      return values.length === 1 && !groups ? values[0] : values;
    });
  };
});

define("indexof", (call) => {
  const read = stringArg(call, 0);
  const lookup = stringArg(call, 1);
  const start = optionalNumberArg(call, 2, 0);
  const length = optionalNumberArg(call, 3, -1);
  const occurrence = optionalNumberArg(call, 4, 1);
  return (row) => {
    const text = read(row);
    const needle = lookup(row);
    const from = start(row);
    const span = length(row);
    const nth = occurrence(row);
    if (from === null || span === null || nth === null || span < -1 || nth < 0) return null;
    const begin = from < 0 ? Math.max(0, text.length + from) : from;
    if (begin > text.length) return -1;
    // Like .NET IndexOf(value, start, count): a match must lie within `length` positions of where
    // each search starts; the next occurrence is searched from just after the previous one.
    let at = begin - 1;
    for (let found = 0; found < Math.max(1, nth); found++) {
      const searchFrom = at + 1;
      const end = span === -1 ? text.length : Math.min(text.length, searchFrom + span);
      at = text.indexOf(needle, searchFrom);
      if (at < 0 || at + needle.length > end) return -1;
    }
    return at;
  };
});

define("countof", (call) => {
  const read = stringArg(call, 0);
  const search = stringArg(call, 1);
  const kind = call.args.length > 2 ? stringArg(call, 2) : () => "normal";
  return (row) => {
    const text = read(row);
    const needle = search(row);
    if (kind(row) === "regex") return [...text.matchAll(compileRegex(needle, true))].length;
    if (needle === "") return 0;
    let count = 0;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) count++;
    return count;
  };
});

define("reverse", (call) => {
  const read = stringArg(call, 0);
  return (row) => [...read(row)].reverse().join("");
});

define("strrep", (call) => {
  const read = stringArg(call, 0);
  const times = numberArg(call, 1);
  const delimiter = call.args.length > 2 ? stringArg(call, 2) : () => "";
  return (row) => {
    const n = times(row);
    return n === null || n <= 0 ? "" : Array.from({ length: n }, () => read(row)).join(delimiter(row));
  };
});

define("base64_encode_tostring", (call) => {
  const read = stringArg(call, 0);
  return (row) => Buffer.from(read(row), "utf8").toString("base64");
});

define("base64_decode_tostring", (call) => {
  const read = stringArg(call, 0);
  return (row) => Buffer.from(read(row), "base64").toString("utf8");
});

// ---- emptiness, logic, choice ---------------------------------------------------------------------

const emptiness =
  (empty: boolean): ScalarFunction =>
  (call) => {
    const { evaluate } = call.arg(0);
    return (row) => {
      const value = evaluate(row);
      return (isNull(value) || value === "") === empty;
    };
  };

define("isempty", emptiness(true));
define("isnotempty", emptiness(false));
define("notempty", emptiness(false));

const nullness =
  (wantNull: boolean): ScalarFunction =>
  (call) => {
    const { evaluate } = call.arg(0);
    return (row) => isNull(evaluate(row)) === wantNull;
  };

define("isnull", nullness(true));
define("isnotnull", nullness(false));
define("notnull", nullness(false));

define("not", (call) => {
  const { evaluate } = call.arg(0);
  return (row) => {
    const value = evaluate(row);
    return isNull(value) ? null : !value;
  };
});

define(["iif", "iff"], (call) => {
  const condition = call.arg(0).evaluate;
  const whenTrue = toResult(call.arg(1), call.resultType);
  const whenFalse = toResult(call.arg(2), call.resultType);
  return (row) => (condition(row) === true ? whenTrue(row) : whenFalse(row));
});

define("case", (call) => {
  const compiled = call.allArgs();
  const fallback = compiled.at(-1);
  if (!fallback || compiled.length % 2 === 0) throw new KqlError("SemanticError", "case() needs an else value");
  const branches: { when: Evaluator; value: Evaluator }[] = [];
  for (let i = 0; i + 1 < compiled.length; i += 2) {
    const when = compiled[i];
    const value = compiled[i + 1];
    if (when && value) branches.push({ when: when.evaluate, value: toResult(value, call.resultType) });
  }
  const otherwise = toResult(fallback, call.resultType);
  return (row) => {
    for (const branch of branches) if (branch.when(row) === true) return branch.value(row);
    return otherwise(row);
  };
});

// The first non-null argument; for strings, the first non-empty one.
define("coalesce", (call) => {
  const readers = call.allArgs().map((a) => toResult(a, call.resultType));
  const empty = call.resultType === "string" ? "" : null;
  return (row) => {
    for (const read of readers) {
      const value = read(row);
      if (!isNull(value) && value !== empty) return value;
    }
    return empty;
  };
});

define("column_ifexists", (call) => {
  const nameNode = call.args[0];
  const name = typeof nameNode?.LiteralValue === "string" ? nameNode.LiteralValue : undefined;
  if (name === undefined) throw notImplemented("column_ifexists() with a non-literal column name");
  const index = call.scope.index.get(name);
  if (index === undefined) return toResult(call.arg(1), call.resultType);
  const column = call.scope.columns[index];
  const type = column?.type ?? call.resultType;
  return (row) => (type === call.resultType ? row[index] : toDynamic(row[index], type));
});

// ---- numbers ---------------------------------------------------------------------------------------

const math =
  (f: (x: number) => number): ScalarFunction =>
  (call) => {
    const read = numberArg(call, 0);
    return (row) => {
      const x = read(row);
      return x === null ? null : f(x);
    };
  };

define("abs", math(Math.abs));
define("sqrt", math(Math.sqrt));
define("exp", math(Math.exp));
define(
  "exp2",
  math((x) => 2 ** x),
);
define(
  "exp10",
  math((x) => 10 ** x),
);
define("log", math(Math.log));
define("log2", math(Math.log2));
define("log10", math(Math.log10));
define("ceiling", math(Math.ceil));
define("sign", math(Math.sign));
define("isnan", (call) => {
  const read = numberArg(call, 0);
  return (row) => {
    const x = read(row);
    return x === null ? null : Number.isNaN(x);
  };
});
define("isinf", (call) => {
  const read = numberArg(call, 0);
  return (row) => {
    const x = read(row);
    return x === null ? null : x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY;
  };
});
define("isfinite", (call) => {
  const read = numberArg(call, 0);
  return (row) => {
    const x = read(row);
    return x === null ? null : Number.isFinite(x);
  };
});

define("pow", (call) => {
  const base = numberArg(call, 0);
  const exponent = numberArg(call, 1);
  return (row) => {
    const x = base(row);
    const y = exponent(row);
    return x === null || y === null ? null : x ** y;
  };
});

/** Rounds half away from zero on the decimal value (round(2.15, 1) is 2.2, as in Kusto). */
export function roundHalfAwayFromZero(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  const text = String(abs);
  const rounded = text.includes("e")
    ? Math.round(abs * 10 ** digits) / 10 ** digits
    : Number(`${Math.round(Number(`${text}e${digits}`))}e${-digits}`);
  return Math.sign(x) * rounded;
}

define("round", (call) => {
  const read = numberArg(call, 0);
  const precision = optionalNumberArg(call, 1, 0);
  return (row) => {
    const x = read(row);
    const digits = precision(row);
    return x === null || digits === null ? null : roundHalfAwayFromZero(x, digits);
  };
});

const extreme =
  (pick: (a: number, b: number) => number): ScalarFunction =>
  (call) => {
    const readers = call.args.map((_, i) => numberArg(call, i));
    return (row) => {
      let result: number | null = null;
      for (const read of readers) {
        const x = read(row);
        if (x !== null) result = result === null ? x : pick(result, x);
      }
      return result;
    };
  };

define("max_of", extreme(Math.max));
define("min_of", extreme(Math.min));

/** bin(): floors to a multiple of size; datetimes align to 0001-01-01 as Kusto's ticks do. */
function binner(valueType: KqlType, resultType: KqlType): (x: number, size: number) => number | null {
  if (valueType === "datetime") {
    return (x, size) =>
      size <= 0 ? null : Math.floor((x + MS_FROM_YEAR_ONE_TO_EPOCH) / size) * size - MS_FROM_YEAR_ONE_TO_EPOCH;
  }
  const integral = resultType === "long" || resultType === "int";
  return (x, size) => {
    if (size <= 0) return null;
    const floored = Math.floor(x / size) * size;
    return integral ? Math.trunc(floored) : floored;
  };
}

define(["bin", "floor"], (call) => {
  const value = call.arg(0);
  if (value.type === "dynamic") throw notImplemented("bin() of a dynamic value");
  const read = value.evaluate as (row: Row) => number | null;
  const size = numberArg(call, 1);
  const floor = binner(value.type, call.resultType);
  return (row) => {
    const x = read(row);
    const s = size(row);
    return x === null || s === null ? null : floor(x, s);
  };
});

define("bin_at", (call) => {
  const value = call.arg(0);
  const read = value.evaluate as (row: Row) => number | null;
  const size = numberArg(call, 1);
  const anchor = numberArg(call, 2);
  return (row) => {
    const x = read(row);
    const s = size(row);
    const a = anchor(row);
    if (x === null || s === null || a === null || s <= 0) return null;
    return Math.floor((x - a) / s) * s + a;
  };
});

// ---- time --------------------------------------------------------------------------------------------

define("now", (call) => {
  const offset = optionalNumberArg(call, 0, 0);
  const now = call.scope.context.nowMs;
  return (row) => {
    const span = offset(row);
    return span === null ? null : now + span;
  };
});

define("ago", (call) => {
  const span = numberArg(call, 0);
  const now = call.scope.context.nowMs;
  return (row) => {
    const s = span(row);
    return s === null ? null : now - s;
  };
});

const startOfDay = (ms: number): number => Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;

const dateUnit = (ms: number): Date => new Date(ms);

function addMonths(ms: number, months: number): number {
  const date = dateUnit(ms);
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
  // Clamp the day to the target month's length (Jan 31 + 1 month = Feb 28/29), as .NET does.
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

const startOf: Record<string, (ms: number, offset: number) => number> = {
  startofday: (ms, offset) => startOfDay(ms) + offset * MS_PER_DAY,
  // Weeks start on Sunday; 1970-01-01 was a Thursday.
  startofweek: (ms, offset) => {
    const day = startOfDay(ms);
    const weekday = (Math.floor(day / MS_PER_DAY) + 4) % 7;
    return day - ((weekday + 7) % 7) * MS_PER_DAY + offset * 7 * MS_PER_DAY;
  },
  startofmonth: (ms, offset) => {
    const date = dateUnit(ms);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
  },
  startofyear: (ms, offset) => Date.UTC(dateUnit(ms).getUTCFullYear() + offset, 0, 1),
};

for (const [name, compute] of Object.entries(startOf)) {
  define(name, (call) => {
    const read = numberArg(call, 0);
    const offset = optionalNumberArg(call, 1, 0);
    return (row) => {
      const ms = read(row);
      const n = offset(row);
      return ms === null || n === null ? null : compute(ms, n);
    };
  });
}

const datePart =
  (part: (date: Date, ms: number) => number): ScalarFunction =>
  (call) => {
    const read = numberArg(call, 0);
    return (row) => {
      const ms = read(row);
      return ms === null ? null : part(dateUnit(ms), ms);
    };
  };

/** ISO 8601 week number (weeks start on Monday; week 1 holds the first Thursday). */
function isoWeek(date: Date): number {
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - yearStart) / MS_PER_DAY / 7) + 1;
}

const dayOfYear = (date: Date): number =>
  Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / MS_PER_DAY) + 1;

// dayofweek() is the timespan since the preceding Sunday.
define(
  "dayofweek",
  datePart((date) => date.getUTCDay() * MS_PER_DAY),
);
define(
  "dayofmonth",
  datePart((date) => date.getUTCDate()),
);
define("dayofyear", datePart(dayOfYear));
define(
  "hourofday",
  datePart((date) => date.getUTCHours()),
);
define(["monthofyear", "getmonth"], datePart((date) => date.getUTCMonth() + 1));
define(
  "getyear",
  datePart((date) => date.getUTCFullYear()),
);
define(["weekofyear", "week_of_year"], datePart(isoWeek));

const PARTS: Record<string, (date: Date) => number> = {
  year: (d) => d.getUTCFullYear(),
  quarter: (d) => Math.floor(d.getUTCMonth() / 3) + 1,
  month: (d) => d.getUTCMonth() + 1,
  week_of_year: isoWeek,
  day: (d) => d.getUTCDate(),
  dayofyear: dayOfYear,
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  second: (d) => d.getUTCSeconds(),
  millisecond: (d) => d.getUTCMilliseconds(),
};

define("datetime_part", (call) => {
  const part = stringArg(call, 0);
  const read = numberArg(call, 1);
  return (row) => {
    const name = part(row).toLowerCase();
    const f = PARTS[name];
    if (!f) throw notImplemented(`datetime_part('${name}')`);
    const ms = read(row);
    return ms === null ? null : f(dateUnit(ms));
  };
});

const FIXED_PERIODS: Record<string, number> = {
  week: 7 * MS_PER_DAY,
  day: MS_PER_DAY,
  hour: MS_PER_HOUR,
  minute: MS_PER_MINUTE,
  second: MS_PER_SECOND,
  millisecond: 1,
};

const MONTH_PERIODS: Record<string, number> = { year: 12, quarter: 3, month: 1 };

define("datetime_add", (call) => {
  const period = stringArg(call, 0);
  const amount = numberArg(call, 1);
  const read = numberArg(call, 2);
  return (row) => {
    const name = period(row).toLowerCase();
    const n = amount(row);
    const ms = read(row);
    if (n === null || ms === null) return null;
    const months = MONTH_PERIODS[name];
    if (months !== undefined) return addMonths(ms, Math.trunc(n) * months);
    const fixed = FIXED_PERIODS[name];
    if (fixed === undefined) throw notImplemented(`datetime_add('${name}')`);
    return ms + Math.trunc(n) * fixed;
  };
});

/** Period boundaries crossed between two datetimes (datetime_diff counts calendar boundaries). */
function periodIndex(name: string, ms: number): number {
  const date = dateUnit(ms);
  switch (name) {
    case "year":
      return date.getUTCFullYear();
    case "quarter":
      return date.getUTCFullYear() * 4 + Math.floor(date.getUTCMonth() / 3);
    case "month":
      return date.getUTCFullYear() * 12 + date.getUTCMonth();
    case "week":
      // Weeks start on Sunday: shift so that index boundaries fall on Sundays.
      return Math.floor((Math.floor(ms / MS_PER_DAY) + 4) / 7);
    default: {
      const fixed = FIXED_PERIODS[name];
      if (fixed === undefined) throw notImplemented(`datetime_diff('${name}')`);
      return Math.floor(ms / fixed);
    }
  }
}

define("datetime_diff", (call) => {
  const period = stringArg(call, 0);
  const first = numberArg(call, 1);
  const second = numberArg(call, 2);
  return (row) => {
    const name = period(row).toLowerCase();
    const a = first(row);
    const b = second(row);
    if (a === null || b === null) return null;
    return periodIndex(name, a) - periodIndex(name, b);
  };
});

define("make_datetime", (call) => {
  const parts = call.args.map((_, i) => numberArg(call, i));
  return (row) => {
    const [y, mo, d, h = 0, mi = 0, s = 0] = parts.map((p) => p(row));
    if (y === null || mo === null || d === null || y === undefined || mo === undefined || d === undefined) return null;
    if (h === null || mi === null || s === null) return null;
    const ms = Date.UTC(y, mo - 1, d, h, mi, 0) + s * MS_PER_SECOND;
    const check = dateUnit(ms);
    return check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? ms : null;
  };
});

define(
  "unixtime_seconds_todatetime",
  math((x) => x * MS_PER_SECOND),
);
define(
  "unixtime_milliseconds_todatetime",
  math((x) => x),
);

// ---- dynamic -------------------------------------------------------------------------------------------

define("array_length", (call) => {
  const read = dynamicArg(call, 0);
  return (row) => {
    const value = read(row);
    return Array.isArray(value) ? value.length : null;
  };
});

define("array_concat", (call) => {
  const readers = call.args.map((_, i) => dynamicArg(call, i));
  return (row) => {
    const arrays = readers.map((r) => r(row));
    return arrays.every(Array.isArray) ? arrays.flat(1) : null;
  };
});

define("set_has_element", (call) => {
  const array = dynamicArg(call, 0);
  const element = dynamicArg(call, 1);
  return (row) => {
    const value = array(row);
    if (!Array.isArray(value)) return null;
    const key = valueKey(element(row));
    return value.some((v) => valueKey(v) === key);
  };
});

define("array_index_of", (call) => {
  const array = dynamicArg(call, 0);
  const element = dynamicArg(call, 1);
  return (row) => {
    const value = array(row);
    if (!Array.isArray(value)) return null;
    const key = valueKey(element(row));
    return value.findIndex((v) => valueKey(v) === key);
  };
});

define("array_slice", (call) => {
  const array = dynamicArg(call, 0);
  const start = numberArg(call, 1);
  const end = numberArg(call, 2);
  return (row) => {
    const value = array(row);
    const s = start(row);
    const e = end(row);
    if (!Array.isArray(value) || s === null || e === null) return null;
    const from = s < 0 ? value.length + s : s;
    const to = e < 0 ? value.length + e : e;
    return value.slice(Math.max(0, from), to + 1);
  };
});

define("array_reverse", (call) => {
  const array = dynamicArg(call, 0);
  return (row) => {
    const value = array(row);
    return Array.isArray(value) ? [...value].reverse() : null;
  };
});

const setOperation =
  (combine: (sets: unknown[][]) => unknown[]): ScalarFunction =>
  (call) => {
    const readers = call.args.map((_, i) => dynamicArg(call, i));
    return (row) => {
      const arrays = readers.map((r) => r(row));
      if (!arrays.every(Array.isArray)) return null;
      const seen = new Set<unknown>();
      return combine(arrays).filter((v) => {
        const key = valueKey(v);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    };
  };

define(
  "set_union",
  setOperation((sets) => sets.flat(1)),
);
define(
  "set_intersect",
  setOperation(([first = [], ...rest]) =>
    first.filter((v) => rest.every((s) => s.some((w) => valueKey(w) === valueKey(v)))),
  ),
);
define(
  "set_difference",
  setOperation(([first = [], ...rest]) =>
    first.filter((v) => !rest.some((s) => s.some((w) => valueKey(w) === valueKey(v)))),
  ),
);

define("bag_keys", (call) => {
  const read = dynamicArg(call, 0);
  return (row) => {
    const value = read(row);
    return isBag(value) ? Object.keys(value) : null;
  };
});

define("bag_has_key", (call) => {
  const read = dynamicArg(call, 0);
  const key = stringArg(call, 1);
  return (row) => {
    const value = read(row);
    return isBag(value) ? Object.hasOwn(value, key(row)) : null;
  };
});

// On duplicate keys the first bag's value wins.
define("bag_merge", (call) => {
  const readers = call.args.map((_, i) => dynamicArg(call, i));
  return (row) => {
    const merged: Record<string, unknown> = {};
    for (const read of readers) {
      const value = read(row);
      if (!isBag(value)) continue;
      for (const [k, v] of Object.entries(value)) if (!Object.hasOwn(merged, k)) merged[k] = v;
    }
    return merged;
  };
});

define(["pack", "bag_pack", "pack_dictionary"], (call) => {
  if (call.args.length % 2 !== 0) throw new KqlError("SemanticError", `${call.name}() needs key/value pairs`);
  const pairs: { key: (row: Row) => string; value: Evaluator }[] = [];
  for (let i = 0; i < call.args.length; i += 2) pairs.push({ key: stringArg(call, i), value: dynamicArg(call, i + 1) });
  return (row) => {
    const bag: Record<string, unknown> = {};
    for (const pair of pairs) bag[pair.key(row)] = pair.value(row);
    return bag;
  };
});

define("pack_array", (call) => {
  const readers = call.args.map((_, i) => dynamicArg(call, i));
  return (row) => readers.map((r) => r(row));
});

// ---- IP addresses ------------------------------------------------------------------------------------

function ipv4ToNumber(text: string): number | null {
  const parts = text.trim().split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function ipv4InRange(ip: string, range: string): boolean | null {
  const [base = "", bitsText] = range.split("/");
  const address = ipv4ToNumber(ip.split("/")[0] ?? "");
  const network = ipv4ToNumber(base);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (address === null || network === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return null;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(network / size);
}

define("ipv4_is_in_range", (call) => {
  const ip = stringArg(call, 0);
  const range = stringArg(call, 1);
  return (row) => ipv4InRange(ip(row), range(row));
});

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

define("ipv4_is_private", (call) => {
  const ip = stringArg(call, 0);
  return (row) => {
    const results = PRIVATE_RANGES.map((r) => ipv4InRange(ip(row), r));
    return results.includes(null) ? null : results.includes(true);
  };
});
