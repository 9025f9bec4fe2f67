import type { Compiled, Row, Scope } from "./context.js";
import { notImplemented } from "./errors.js";
import { child, type KNode, kusto, listChild } from "./kusto.js";
import { isKqlType, type KqlColumn, type KqlType } from "./types.js";
import { emptyOf, isBag, toDynamic, valueKey } from "./values.js";

// Aggregation functions of summarize. Nulls are ignored; an empty group yields Kusto's defaults:
// 0 for count/dcount/sum, [] / {} for make_*, NaN for avg, null for the others.

/** Per-group state of one aggregate; result() returns one value per output column. */
export interface Accumulator {
  add(row: Row): void;
  result(): unknown[];
}

export interface AggregatePlan {
  /** Output columns: one for most aggregates, several for arg_max(x, a, b) or take_any(*). */
  readonly outputs: readonly { readonly name?: string; readonly type: KqlType }[];
  create(): Accumulator;
}

/** How an aggregate's arguments are compiled (against the summarize input). */
export interface AggregateArgs {
  readonly name: string;
  readonly node: KNode;
  readonly args: readonly KNode[];
  readonly resultType: KqlType;
  readonly scope: Scope;
  /** Columns a * argument may expand to (input columns not already produced by the summarize). */
  readonly starColumns: readonly KqlColumn[];
  compile(arg: KNode): Compiled;
}

type AggregateFactory = (call: AggregateArgs) => AggregatePlan;

const factories = new Map<string, AggregateFactory>();
const define = (names: readonly string[], factory: AggregateFactory): void => {
  for (const name of names) factories.set(name, factory);
};

export const isAggregateFunction = (name: string): boolean => factories.has(name);

const isNull = (value: unknown): boolean => value === null || value === undefined;

const single = (type: KqlType, create: () => { add(row: Row): void; value(): unknown }): AggregatePlan => ({
  outputs: [{ type }],
  create: () => {
    const state = create();
    return { add: (row) => state.add(row), result: () => [state.value()] };
  },
});

function argument(call: AggregateArgs, index: number): Compiled {
  const node = call.args[index];
  if (!node) throw notImplemented(`${call.name}() without argument ${index + 1}`);
  return call.compile(node);
}

/** The predicate of an *if aggregate: only rows where it is true count. */
function predicate(call: AggregateArgs, index: number): (row: Row) => boolean {
  const { evaluate } = argument(call, index);
  return (row) => evaluate(row) === true;
}

const always = (): boolean => true;

define(["count"], () => {
  // count() counts rows; Kusto's count(expr) counts rows too (nulls included).
  return single("long", () => {
    let n = 0;
    return { add: () => void n++, value: () => n };
  });
});

define(["countif"], (call) => {
  const test = predicate(call, 0);
  return single("long", () => {
    let n = 0;
    return {
      add: (row) => {
        if (test(row)) n++;
      },
      value: () => n,
    };
  });
});

const distinctCount =
  (conditional: boolean): AggregateFactory =>
  (call) => {
    const { evaluate } = argument(call, 0);
    const test = conditional ? predicate(call, 1) : always;
    return single("long", () => {
      const seen = new Set<unknown>();
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = evaluate(row);
          if (!isNull(value)) seen.add(valueKey(value));
        },
        value: () => seen.size,
      };
    });
  };

// Exact counts: Kusto's dcount() is an estimate, and the exact count is a valid one on small data.
define(["dcount", "count_distinct"], distinctCount(false));
define(["dcountif", "count_distinctif"], distinctCount(true));

const summing =
  (conditional: boolean): AggregateFactory =>
  (call) => {
    const { evaluate } = numericArgument(call, 0);
    const test = conditional ? predicate(call, 1) : always;
    return single(call.resultType, () => {
      let total = 0;
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = evaluate(row);
          if (typeof value === "number") total += value;
        },
        value: () => total,
      };
    });
  };

/** A numeric argument; a dynamic holding a number counts as that number. */
function numericArgument(call: AggregateArgs, index: number): Compiled {
  const compiled = argument(call, index);
  if (compiled.type !== "dynamic") return compiled;
  const read = compiled.evaluate;
  return {
    ...compiled,
    type: "real",
    evaluate: (row) => {
      const value = read(row);
      return typeof value === "number" ? value : null;
    },
  };
}

define(["sum"], summing(false));
define(["sumif"], summing(true));

const averaging =
  (conditional: boolean): AggregateFactory =>
  (call) => {
    const { evaluate } = numericArgument(call, 0);
    const test = conditional ? predicate(call, 1) : always;
    return single(call.resultType, () => {
      let total = 0;
      let count = 0;
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = evaluate(row);
          if (typeof value === "number") {
            total += value;
            count++;
          }
        },
        value: () => total / count,
      };
    });
  };

define(["avg"], averaging(false));
define(["avgif"], averaging(true));

/** Orders two non-null values of one static type (numbers, datetimes, strings, bools). */
function compareSameType(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return (a as number) - (b as number);
}

function orderable(compiled: Compiled, name: string): void {
  if (compiled.type === "dynamic") throw notImplemented(`${name}() over a dynamic value`);
}

const extremum =
  (sign: 1 | -1, conditional: boolean): AggregateFactory =>
  (call) => {
    const compiled = argument(call, 0);
    orderable(compiled, call.name);
    const { evaluate } = compiled;
    const test = conditional ? predicate(call, 1) : always;
    return single(call.resultType, () => {
      let best: unknown = null;
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = evaluate(row);
          if (isNull(value) || (typeof value === "number" && Number.isNaN(value))) return;
          if (best === null || sign * compareSameType(value, best) > 0) best = value;
        },
        value: () => (best === null && call.resultType === "string" ? "" : best),
      };
    });
  };

define(["max"], extremum(1, false));
define(["maxif"], extremum(1, true));
define(["min"], extremum(-1, false));
define(["minif"], extremum(-1, true));

/** Readers for the columns an arg_max/take_any returns: explicit expressions or * (all remaining). */
function projectedColumns(
  call: AggregateArgs,
  from: number,
): { outputs: { name?: string; type: KqlType }[]; read: (row: Row) => unknown[] } {
  const readers: ((row: Row) => unknown)[] = [];
  const outputs: { name?: string; type: KqlType }[] = [];
  for (const node of call.args.slice(from)) {
    if (kusto().kindName(node) === "StarExpression") {
      for (const column of call.starColumns) {
        const index = call.scope.index.get(column.name);
        if (index === undefined) throw notImplemented(`${call.name}(*) over column ${column.name}`);
        readers.push((row) => row[index]);
        outputs.push({ name: column.name, type: column.type });
      }
      continue;
    }
    const compiled = call.compile(node);
    readers.push(compiled.evaluate);
    outputs.push({ type: compiled.type });
  }
  return { outputs, read: (row) => readers.map((r) => r(row)) };
}

const argExtremum =
  (sign: 1 | -1): AggregateFactory =>
  (call) => {
    const key = argument(call, 0);
    orderable(key, call.name);
    const projected = projectedColumns(call, 1);
    const outputs = [{ type: key.type }, ...projected.outputs];
    return {
      outputs,
      create: () => {
        let bestKey: unknown = null;
        let bestRow: Row | undefined;
        return {
          add: (row) => {
            const value = key.evaluate(row);
            if (isNull(value) || (typeof value === "number" && Number.isNaN(value))) return;
            if (bestRow === undefined || sign * compareSameType(value, bestKey) > 0) {
              bestKey = value;
              bestRow = row;
            }
          },
          result: () =>
            bestRow === undefined ? outputs.map((o) => emptyOf(o.type)) : [bestKey, ...projected.read(bestRow)],
        };
      },
    };
  };

// The row with the largest (smallest) value; ties keep the first row seen.
define(["arg_max"], argExtremum(1));
define(["arg_min"], argExtremum(-1));

const anyOf =
  (conditional: boolean): AggregateFactory =>
  (call) => {
    const test = conditional ? predicate(call, call.args.length - 1) : always;
    const projectedCall = conditional ? { ...call, args: call.args.slice(0, -1) } : call;
    const projected = projectedColumns(projectedCall, 0);
    const onlyOne = projected.outputs.length === 1;
    return {
      outputs: projected.outputs,
      create: () => {
        let chosen: unknown[] | undefined;
        return {
          add: (row) => {
            if (chosen || !test(row)) return;
            const values = projected.read(row);
            // With one expression prefer a non-empty value, as any arbitrary pick may be.
            if (onlyOne && (isNull(values[0]) || values[0] === "")) return;
            chosen = values;
          },
          result: () => chosen ?? projected.outputs.map((o) => emptyOf(o.type)),
        };
      },
    };
  };

define(["take_any", "any"], anyOf(false));
define(["take_anyif", "anyif"], anyOf(true));

function maxSize(call: AggregateArgs, index: number): number {
  const node = call.args[index];
  if (!node) return 1_048_576;
  const compiled = call.compile(node);
  const value = compiled.constant ? compiled.evaluate([]) : undefined;
  if (typeof value !== "number") throw notImplemented(`${call.name}() with a non-constant size`);
  return value;
}

const collecting =
  (kind: "set" | "list" | "list_with_nulls", conditional: boolean): AggregateFactory =>
  (call) => {
    const { evaluate, type } = argument(call, 0);
    const test = conditional ? predicate(call, 1) : always;
    const limit = maxSize(call, conditional ? 2 : 1);
    return single("dynamic", () => {
      const items: unknown[] = [];
      const seen = new Set<unknown>();
      const push = (value: unknown): void => {
        if (items.length >= limit) return;
        if (kind === "set") {
          const key = valueKey(value);
          if (seen.has(key)) return;
          seen.add(key);
        }
        items.push(value);
      };
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = toDynamic(evaluate(row), type);
          if (isNull(value) && kind !== "list_with_nulls") return;
          // make_set() adds the elements of an array value; make_list() adds the array itself.
          if (kind === "set" && Array.isArray(value)) for (const element of value) push(element);
          else push(value);
        },
        value: () => items,
      };
    });
  };

define(["make_set", "makeset"], collecting("set", false));
define(["make_set_if"], collecting("set", true));
define(["make_list", "makelist"], collecting("list", false));
define(["make_list_if"], collecting("list", true));
define(["make_list_with_nulls"], collecting("list_with_nulls", false));

const bagging =
  (conditional: boolean): AggregateFactory =>
  (call) => {
    const { evaluate } = argument(call, 0);
    const test = conditional ? predicate(call, 1) : always;
    return single("dynamic", () => {
      const bag: Record<string, unknown> = {};
      return {
        add: (row) => {
          if (!test(row)) return;
          const value = evaluate(row);
          if (!isBag(value)) return;
          for (const [k, v] of Object.entries(value)) if (!Object.hasOwn(bag, k)) bag[k] = v;
        },
        value: () => bag,
      };
    });
  };

define(["make_bag", "make_dictionary"], bagging(false));
define(["make_bag_if"], bagging(true));

/** Plans an aggregate call (a FunctionCallExpression naming an aggregate function). */
export function planAggregate(
  node: KNode,
  scope: Scope,
  starColumns: readonly KqlColumn[],
  compile: (arg: KNode) => Compiled,
): AggregatePlan {
  const name = child(node, "Name").SimpleName ?? "";
  const factory = factories.get(name);
  if (!factory) throw notImplemented(`aggregate function ${name}()`);
  // Multi-column aggregates (arg_max) have a tuple type; their columns are typed one by one.
  const typeName = node.ResultType?.Name ?? "";
  return factory({
    name,
    node,
    args: listChild(child(node, "ArgumentList"), "Expressions"),
    resultType: isKqlType(typeName) ? typeName : "dynamic",
    scope,
    starColumns,
    compile,
  });
}
