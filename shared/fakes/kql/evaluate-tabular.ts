import { type Accumulator, type AggregatePlan, isAggregateFunction, planAggregate } from "./aggregates.js";
import {
  type AggregateRegistry,
  type Compiled,
  type Evaluator,
  type QueryContext,
  type Row,
  type Scope,
  scopeFor,
  type Table,
} from "./context.js";
import { internalError, KqlError, notImplemented } from "./errors.js";
import { compileScalar } from "./evaluate-scalar.js";
import { boundColumns, child, type KNode, kusto, listChild, optionalChild } from "./kusto.js";
import type { KqlColumn, KqlType } from "./types.js";
import {
  emptyOf,
  isNumericType,
  parseDateTimeText,
  parseGuidText,
  parseTimespanText,
  toDynamic,
  valueKey,
} from "./values.js";

/** What tabular evaluation needs beyond the scalar context: the data and the query text. */
export interface TabularContext extends QueryContext {
  /** The input table a table name refers to (after case folding for Resource Graph). */
  dataTable(name: string): Table | undefined;
  /** The source text of a node (used for option values such as kind=inner). */
  textOf(node: KNode): string;
}

const kindOf = (node: KNode): string => kusto().kindName(node);

// Numbers share one representation, so int/long/real/decimal may differ between our view and the binder's.
const sameRepresentation = (a: KqlType, b: KqlType): boolean => a === b || (isNumericType(a) && isNumericType(b));

/**
 * Reconciles the columns we computed with those the official binder computed for the operator.
 * With `adoptNames`, Kusto's names are taken (summarize's count_, join's Computer1, print_0, ...);
 * otherwise every name must agree. Any disagreement means we would mis-evaluate: refuse instead.
 */
function conform(node: KNode, columns: readonly KqlColumn[], adoptNames: boolean): KqlColumn[] {
  const bound = boundColumns(node);
  const describe = (list: readonly KqlColumn[]): string => list.map((c) => `${c.name}:${c.type}`).join(", ");
  const mismatch = (): KqlError =>
    internalError(`${kindOf(node)} yields (${describe(columns)}) but Kusto defines (${describe(bound)})`);
  if (bound.length !== columns.length) throw mismatch();
  return columns.map((column, i) => {
    const expected = bound[i];
    if (!expected) throw mismatch();
    if (!adoptNames && expected.name !== column.name) throw mismatch();
    if (!sameRepresentation(expected.type, column.type)) throw mismatch();
    return expected;
  });
}

/** Evaluates a tabular expression to a table. */
export function evaluateTabular(node: KNode, context: TabularContext): Table {
  const kind = kindOf(node);
  switch (kind) {
    case "PipeExpression":
      return applyOperator(child(node, "Operator"), evaluateTabular(child(node, "Expression"), context), context);
    case "ParenthesizedExpression":
    case "MaterializeExpression":
      return evaluateTabular(child(node, "Expression"), context);
    case "NameReference":
      return tableReference(node, context);
    case "DataTableExpression":
      return dataTable(node, context);
    case "UnionOperator":
      return union(node, undefined, context);
    case "PrintOperator":
      return print(node, context);
    case "RangeOperator":
      return range(node, context);
    case "FunctionCallExpression":
      throw notImplemented(`tabular function ${child(node, "Name").SimpleName ?? ""}()`);
    default:
      throw notImplemented(`tabular expression ${kind}`);
  }
}

function tableReference(node: KNode, context: TabularContext): Table {
  const name = node.SimpleName ?? "";
  const symbol = node.ReferencedSymbol;
  const symbolKind = symbol ? kusto().symbolKindName(symbol) : "None";
  if (symbolKind === "Table") {
    const table = context.dataTable(name);
    if (!table) throw internalError(`table ${name} has no data`);
    return table;
  }
  if (symbolKind === "Variable") {
    const binding = context.variable(name);
    if (binding?.kind !== "table") throw internalError(`${name} is not a tabular variable`);
    return binding.table();
  }
  throw notImplemented(`reference to ${symbolKind} ${name} as a table`);
}

function applyOperator(node: KNode, input: Table, context: TabularContext): Table {
  const kind = kindOf(node);
  switch (kind) {
    case "FilterOperator":
      return where(node, input, context);
    case "ExtendOperator":
      return extend(node, input, context);
    case "ProjectOperator":
      return project(node, input, context);
    case "ProjectAwayOperator":
      return projectByNames(node, input, "away");
    case "ProjectKeepOperator":
      return projectByNames(node, input, "keep");
    case "ProjectRenameOperator":
      return projectRename(node, input);
    case "SummarizeOperator":
      return summarize(node, input, context);
    case "SortOperator":
      return sort(node, input, context);
    case "TopOperator":
      return top(node, input, context);
    case "TakeOperator":
      return take(node, input, context);
    case "DistinctOperator":
      return distinct(node, input, context);
    case "CountOperator":
      // `count as N` names the column N; the binder knows the name.
      return { columns: conform(node, [{ name: "Count", type: "long" }], true), rows: [[input.rows.length]] };
    case "JoinOperator":
      return join(node, input, context);
    case "LookupOperator":
      return lookup(node, input, context);
    case "UnionOperator":
      return union(node, input, context);
    case "MvExpandOperator":
      return mvExpand(node, input, context);
    case "GetSchemaOperator":
      return getSchema(node, input);
    case "SerializeOperator":
      if (listChild(node, "Expressions").length > 0) throw notImplemented("serialize with column definitions");
      return input;
    default:
      throw notImplemented(`operator ${kind.replace(/Operator$/, "")}`);
  }
}

/** Name=value options of an operator (kind=inner, withsource=X); hint.* options change no result. */
function operatorOptions(node: KNode, context: TabularContext, allowed: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (const parameter of listChild(node, "Parameters")) {
    const name = (child(parameter, "Name").SimpleName ?? "").toLowerCase();
    if (name.startsWith("hint.")) continue;
    if (!allowed.includes(name)) throw notImplemented(`${kindOf(node).replace(/Operator$/, "")} option ${name}`);
    options.set(name, context.textOf(child(parameter, "Expression")));
  }
  return options;
}

function where(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const condition = compileScalar(child(node, "Condition"), scopeFor(input.columns, context)).evaluate;
  return { columns: conform(node, input.columns, false), rows: input.rows.filter((row) => condition(row) === true) };
}

const nameOf = (named: KNode): string => child(named, "Name").SimpleName ?? "";

/** The column an unnamed expression is: a plain column reference keeps its name. */
function referencedColumn(expression: KNode): string | undefined {
  if (kindOf(expression) !== "NameReference") return undefined;
  const symbol = expression.ReferencedSymbol;
  return symbol && kusto().symbolKindName(symbol) === "Column" ? (expression.SimpleName ?? undefined) : undefined;
}

function rejectCompoundNames(expression: KNode): void {
  if (kindOf(expression) === "CompoundNamedExpression") throw notImplemented("(a, b) = ... tuple assignments");
}

function extend(node: KNode, input: Table, context: TabularContext): Table {
  const bound = boundColumns(node);
  const inputNames = new Set(input.columns.map((c) => c.name));
  const derivedNames = bound.filter((c) => !inputNames.has(c.name)).map((c) => c.name);
  let nextDerived = 0;
  const columns = [...input.columns];
  const steps: { index: number; evaluate: Evaluator }[] = [];
  // As the binder rules, every expression sees the input columns, not the ones this extend defines.
  const scope = scopeFor(input.columns, context);
  for (const expression of listChild(node, "Expressions")) {
    rejectCompoundNames(expression);
    const compiled = compileScalar(expression, scope);
    const named = kindOf(expression) === "SimpleNamedExpression";
    let name = named ? nameOf(expression) : referencedColumn(expression);
    if (name === undefined || !columns.some((c) => c.name === name)) {
      const derived = derivedNames[nextDerived++];
      if (name === undefined) name = derived;
    }
    if (name === undefined) throw internalError("extend column without a name");
    const existing = columns.findIndex((c) => c.name === name);
    const index = existing >= 0 ? existing : columns.length;
    columns[index] = { name, type: compiled.type };
    steps.push({ index, evaluate: compiled.evaluate });
  }
  const rows = input.rows.map((row) => {
    const next = row.slice();
    for (const step of steps) next[step.index] = step.evaluate(row);
    return next;
  });
  return { columns: conform(node, columns, false), rows };
}

function project(node: KNode, input: Table, context: TabularContext): Table {
  const scope = scopeFor(input.columns, context);
  const outputs: { name: string | undefined; compiled: Compiled }[] = [];
  for (const expression of listChild(node, "Expressions")) {
    rejectCompoundNames(expression);
    if (kindOf(expression) === "NameReference" && kindOf(child(expression, "Name")) === "WildcardedName") {
      throw notImplemented("project with a wildcard (use project-keep)");
    }
    const named = kindOf(expression) === "SimpleNamedExpression";
    outputs.push({
      name: named ? nameOf(expression) : referencedColumn(expression),
      compiled: compileScalar(expression, scope),
    });
  }
  const bound = boundColumns(node);
  const columns = outputs.map((o, i) => ({ name: o.name ?? bound[i]?.name ?? "", type: o.compiled.type }));
  const readers = outputs.map((o) => o.compiled.evaluate);
  return { columns: conform(node, columns, false), rows: input.rows.map((row) => readers.map((r) => r(row))) };
}

const globToRegex = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** The input columns named by a project-away/project-keep list (names or wildcards). */
function selectedColumns(node: KNode, input: Table): Set<string> {
  const selected = new Set<string>();
  for (const expression of listChild(node, "Expressions")) {
    if (kindOf(expression) !== "NameReference") throw notImplemented(`${kindOf(node)} of an expression`);
    const name = child(expression, "Name");
    if (kindOf(name) === "WildcardedName") {
      const pattern = globToRegex(child(name, "Pattern").Text ?? "");
      for (const column of input.columns) if (pattern.test(column.name)) selected.add(column.name);
    } else {
      selected.add(expression.SimpleName ?? "");
    }
  }
  return selected;
}

function projectByNames(node: KNode, input: Table, mode: "away" | "keep"): Table {
  const selected = selectedColumns(node, input);
  const kept = input.columns.map((c, i) => ({ c, i })).filter(({ c }) => selected.has(c.name) === (mode === "keep"));
  const indexes = kept.map(({ i }) => i);
  return {
    columns: conform(
      node,
      kept.map(({ c }) => c),
      false,
    ),
    rows: input.rows.map((row) => indexes.map((i) => row[i])),
  };
}

function projectRename(node: KNode, input: Table): Table {
  const columns = [...input.columns];
  for (const expression of listChild(node, "Expressions")) {
    if (kindOf(expression) !== "SimpleNamedExpression") throw notImplemented("project-rename without new = old");
    const from = child(expression, "Expression").SimpleName ?? "";
    const index = input.columns.findIndex((c) => c.name === from);
    const column = input.columns[index];
    if (!column) throw internalError(`project-rename of unknown column ${from}`);
    columns[index] = { name: nameOf(expression), type: column.type };
  }
  return { columns: conform(node, columns, false), rows: input.rows };
}

/** A hash map keyed by a tuple of values, as nested maps (no per-row string building). */
class TupleMap<V> {
  private readonly root = new Map<unknown, unknown>();

  constructor(private readonly width: number) {}

  get(keys: readonly unknown[]): V | undefined {
    let level: unknown = this.root;
    for (let i = 0; i < this.width; i++) {
      if (!(level instanceof Map)) return undefined;
      level = level.get(valueKey(keys[i]));
    }
    return level as V | undefined;
  }

  set(keys: readonly unknown[], value: V): void {
    let level = this.root;
    for (let i = 0; i < this.width - 1; i++) {
      const key = valueKey(keys[i]);
      let next = level.get(key);
      if (!(next instanceof Map)) {
        next = new Map<unknown, unknown>();
        level.set(key, next);
      }
      level = next as Map<unknown, unknown>;
    }
    level.set(valueKey(keys[this.width - 1]), value);
  }
}

interface SummarizeItem {
  /** A top-level aggregate call (possibly several output columns). */
  readonly plan?: AggregatePlan;
  /** An expression over nested aggregates, evaluated on the group's slot results. */
  readonly overSlots?: Evaluator;
  readonly type: KqlType;
}

function summarize(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const bound = boundColumns(node);
  const scope = scopeFor(input.columns, context);
  const byClause = optionalChild(node, "ByClause");
  if (byClause && optionalChild(byClause, "BinClause")) throw notImplemented("summarize ... by ... bin=");
  const byNodes = byClause ? listChild(byClause, "Expressions") : [];
  const keys = byNodes.map((n) => {
    rejectCompoundNames(n);
    return compileScalar(n, scope);
  });
  const compileInput = (arg: KNode): Compiled => compileScalar(arg, scope);

  // Aggregates nested inside expressions (round(avg(x), 1)) are computed in per-group slots.
  const slots: AggregatePlan[] = [];
  const registry: AggregateRegistry = {
    register: (call) => {
      const plan = planAggregate(call, scope, [], compileInput);
      if (plan.outputs.length !== 1) throw notImplemented("a multi-column aggregate inside an expression");
      const slot = slots.push(plan) - 1;
      return (results) => results[slot];
    },
  };

  const items: SummarizeItem[] = [];
  let position = keys.length;
  for (const aggregate of listChild(node, "Aggregates")) {
    rejectCompoundNames(aggregate);
    const expression = kindOf(aggregate) === "SimpleNamedExpression" ? child(aggregate, "Expression") : aggregate;
    if (
      kindOf(expression) === "FunctionCallExpression" &&
      isAggregateFunction(child(expression, "Name").SimpleName ?? "")
    ) {
      const args = listChild(child(expression, "ArgumentList"), "Expressions");
      const star = args.findIndex((a) => kindOf(a) === "StarExpression");
      // * expands to the input columns not already produced to its left (by-columns, earlier aggregates).
      const produced = new Set(bound.slice(0, position + Math.max(star, 0)).map((c) => c.name));
      const starColumns = star < 0 ? [] : input.columns.filter((c) => !produced.has(c.name));
      const plan = planAggregate(expression, scope, starColumns, compileInput);
      plan.outputs.forEach((output, i) => {
        if (output.name !== undefined && bound[position + i]?.name !== output.name) {
          throw internalError(`${child(expression, "Name").SimpleName ?? ""}(*) expands differently from Kusto`);
        }
      });
      items.push({ plan, type: plan.outputs[0]?.type ?? "dynamic" });
      position += plan.outputs.length;
    } else {
      const compiled = compileScalar(expression, { ...scope, aggregates: registry });
      items.push({ overSlots: compiled.evaluate, type: compiled.type });
      position += 1;
    }
  }

  interface Group {
    readonly keys: unknown[];
    readonly accumulators: (Accumulator | undefined)[];
    readonly slots: Accumulator[];
  }
  const newGroup = (keyValues: unknown[]): Group => ({
    keys: keyValues,
    accumulators: items.map((item) => item.plan?.create()),
    slots: slots.map((plan) => plan.create()),
  });
  const groups: Group[] = [];
  const index = new TupleMap<Group>(Math.max(keys.length, 1));
  const keyReaders = keys.map((k) => k.evaluate);
  const single = keys.length === 0 ? newGroup([]) : undefined;
  if (single) groups.push(single);
  for (const row of input.rows) {
    let group = single;
    if (!group) {
      const keyValues = keyReaders.map((read) => read(row));
      group = index.get(keyValues);
      if (!group) {
        group = newGroup(keyValues);
        index.set(keyValues, group);
        groups.push(group);
      }
    }
    for (const accumulator of group.accumulators) accumulator?.add(row);
    for (const slot of group.slots) slot.add(row);
  }

  const columns: KqlColumn[] = keys.map((k, i) => ({ name: bound[i]?.name ?? "", type: k.type }));
  for (const item of items) {
    for (const output of item.plan?.outputs ?? [{ type: item.type }]) columns.push({ name: "", type: output.type });
  }
  const rows = groups.map((group) => {
    const slotResults = group.slots.map((s) => s.result()[0]);
    const values: unknown[] = [...group.keys];
    items.forEach((item, i) => {
      const accumulator = group.accumulators[i];
      if (accumulator) values.push(...accumulator.result());
      else if (item.overSlots) values.push(item.overSlots(slotResults));
    });
    return values;
  });
  return { columns: conform(node, columns, true), rows };
}

interface SortKey {
  readonly evaluate: Evaluator;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** An order-by term: expression [asc|desc] [nulls first|last]; Kusto defaults to desc, nulls last. */
function sortKey(expression: KNode, scope: Scope): SortKey {
  let target = expression;
  let descending = true;
  let nullsFirst: boolean | undefined;
  if (kindOf(expression) === "OrderedExpression") {
    target = child(expression, "Expression");
    const ordering = optionalChild(expression, "Ordering");
    const direction = ordering ? optionalChild(ordering, "AscOrDescKeyword")?.Text?.toLowerCase() : undefined;
    if (direction === "asc") descending = false;
    const nulls = ordering ? optionalChild(ordering, "NullsClause") : null;
    const firstOrLast = nulls ? optionalChild(nulls, "FirstOrLastKeyword")?.Text?.toLowerCase() : undefined;
    if (firstOrLast) nullsFirst = firstOrLast === "first";
  }
  const compiled = compileScalar(target, scope);
  if (compiled.type === "dynamic") throw notImplemented("sorting by a dynamic value");
  return { evaluate: compiled.evaluate, descending, nullsFirst: nullsFirst ?? !descending };
}

// Null and NaN sort together, placed by nulls first/last.
const isNullish = (value: unknown): boolean =>
  value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const x = a as number;
  const y = b as number;
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortRows(rows: readonly Row[], keys: readonly SortKey[]): Row[] {
  const decorated = rows.map((row) => ({ row, values: keys.map((k) => k.evaluate(row)) }));
  decorated.sort((left, right) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (!key) continue;
      const a = left.values[i];
      const b = right.values[i];
      const aNull = isNullish(a);
      const bNull = isNullish(b);
      if (aNull || bNull) {
        if (aNull && bNull) continue;
        return aNull === key.nullsFirst ? -1 : 1;
      }
      const order = compareValues(a, b);
      if (order !== 0) return key.descending ? -order : order;
    }
    return 0;
  });
  return decorated.map((d) => d.row);
}

function sort(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const scope = scopeFor(input.columns, context);
  const keys = listChild(node, "Expressions").map((e) => sortKey(e, scope));
  return { columns: conform(node, input.columns, false), rows: sortRows(input.rows, keys) };
}

function rowCount(expression: KNode, context: TabularContext): number {
  const compiled = compileScalar(expression, scopeFor([], context));
  const value = compiled.constant ? compiled.evaluate([]) : undefined;
  if (typeof value !== "number" || value < 0) throw new KqlError("SemanticError", "row count must be a constant >= 0");
  return Math.trunc(value);
}

function top(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const count = rowCount(child(node, "Expression"), context);
  const key = sortKey(child(node, "ByExpression"), scopeFor(input.columns, context));
  return { columns: conform(node, input.columns, false), rows: sortRows(input.rows, [key]).slice(0, count) };
}

function take(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const count = rowCount(child(node, "Expression"), context);
  return { columns: conform(node, input.columns, false), rows: input.rows.slice(0, count) };
}

function distinct(node: KNode, input: Table, context: TabularContext): Table {
  operatorOptions(node, context, []);
  const expressions = listChild(node, "Expressions");
  const star = expressions.length === 1 && expressions[0] && kindOf(expressions[0]) === "StarExpression";
  const scope = scopeFor(input.columns, context);
  const compiled = star
    ? input.columns.map((c, i): Compiled => ({ type: c.type, evaluate: (row) => row[i], constant: false }))
    : expressions.map((e) => compileScalar(e, scope));
  const names = star ? input.columns.map((c) => c.name) : boundColumns(node).map((c) => c.name);
  const columns = compiled.map((c, i) => ({ name: names[i] ?? "", type: c.type }));
  const seen = new TupleMap<true>(Math.max(compiled.length, 1));
  const rows: Row[] = [];
  for (const row of input.rows) {
    const values = compiled.map((c) => c.evaluate(row));
    if (seen.get(values)) continue;
    seen.set(values, true);
    rows.push(values);
  }
  return { columns: conform(node, columns, false), rows };
}

interface JoinKeys {
  readonly left: number[];
  readonly right: number[];
  /** Right columns named by `on Column` (same name both sides); lookup drops them. */
  readonly rightKeyColumns: Set<number>;
}

/** The key columns of `on a, $left.b == $right.c` against the two inputs. */
function joinKeys(clause: KNode, left: Table, right: Table): JoinKeys {
  if (kindOf(clause) !== "JoinOnClause") throw notImplemented("join ... where");
  const keys: JoinKeys = { left: [], right: [], rightKeyColumns: new Set() };
  const indexIn = (table: Table, name: string, side: string): number => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw internalError(`join key ${name} is not a ${side} column`);
    return index;
  };
  const sideOf = (path: KNode): { side: string; column: string } => {
    if (kindOf(path) !== "PathExpression") throw notImplemented("join condition other than $left.a == $right.b");
    return {
      side: child(path, "Expression").SimpleName ?? "",
      column: child(path, "Selector").SimpleName ?? "",
    };
  };
  const visit = (condition: KNode): void => {
    const kind = kindOf(condition);
    if (kind === "AndExpression") {
      visit(child(condition, "Left"));
      visit(child(condition, "Right"));
    } else if (kind === "NameReference") {
      const name = condition.SimpleName ?? "";
      keys.left.push(indexIn(left, name, "left"));
      const rightIndex = indexIn(right, name, "right");
      keys.right.push(rightIndex);
      keys.rightKeyColumns.add(rightIndex);
    } else if (kind === "EqualExpression") {
      const a = sideOf(child(condition, "Left"));
      const b = sideOf(child(condition, "Right"));
      const [l, r] = a.side === "$left" ? [a, b] : [b, a];
      if (l.side !== "$left" || r.side !== "$right") throw notImplemented("join condition without $left and $right");
      keys.left.push(indexIn(left, l.column, "left"));
      const rightIndex = indexIn(right, r.column, "right");
      keys.right.push(rightIndex);
      keys.rightKeyColumns.add(rightIndex);
    } else {
      throw notImplemented(`join condition ${kind}`);
    }
  };
  for (const condition of listChild(clause, "Expressions")) visit(condition);
  return keys;
}

function keyValues(row: Row, indexes: readonly number[]): unknown[] {
  const values = indexes.map((i) => row[i]);
  // Whether Kusto matches null keys is not modelled; refuse rather than guess.
  if (values.some((v) => v === null || v === undefined)) throw notImplemented("join on a null key value");
  return values;
}

/** Right rows grouped by key, in their input order. */
function indexRight(right: Table, indexes: readonly number[]): TupleMap<number[]> {
  const index = new TupleMap<number[]>(indexes.length);
  right.rows.forEach((row, i) => {
    const key = keyValues(row, indexes);
    const list = index.get(key);
    if (list) list.push(i);
    else index.set(key, [i]);
  });
  return index;
}

const JOIN_KINDS = new Set([
  "innerunique",
  "inner",
  "leftouter",
  "rightouter",
  "fullouter",
  "leftsemi",
  "leftanti",
  "anti",
  "leftantisemi",
  "rightsemi",
  "rightanti",
  "rightantisemi",
]);

function join(node: KNode, left: Table, context: TabularContext): Table {
  const options = operatorOptions(node, context, ["kind"]);
  const kind = (options.get("kind") ?? "innerunique").toLowerCase();
  if (!JOIN_KINDS.has(kind)) throw notImplemented(`join kind=${kind}`);
  const right = evaluateTabular(child(node, "Expression"), context);
  const keys = joinKeys(child(node, "ConditionClause"), left, right);
  const rightIndex = indexRight(right, keys.right);
  const leftEmpty = left.columns.map((c) => emptyOf(c.type));
  const rightEmpty = right.columns.map((c) => emptyOf(c.type));
  const matchedRight = new Set<number>();

  // innerunique keeps the first left row of each key before joining.
  let leftRows = left.rows;
  if (kind === "innerunique") {
    const seen = new TupleMap<true>(keys.left.length);
    leftRows = left.rows.filter((row) => {
      const key = keyValues(row, keys.left);
      if (seen.get(key)) return false;
      seen.set(key, true);
      return true;
    });
  }

  const rows: Row[] = [];
  const leftOnly = kind === "leftsemi" || kind === "leftanti" || kind === "anti" || kind === "leftantisemi";
  const rightOnly = kind === "rightsemi" || kind === "rightanti" || kind === "rightantisemi";
  for (const row of leftRows) {
    const matches = rightIndex.get(keyValues(row, keys.left)) ?? [];
    for (const m of matches) matchedRight.add(m);
    if (leftOnly) {
      if (matches.length > 0 === (kind === "leftsemi")) rows.push(row);
      continue;
    }
    if (rightOnly) continue;
    for (const m of matches) rows.push([...row, ...(right.rows[m] ?? rightEmpty)]);
    if (matches.length === 0 && (kind === "leftouter" || kind === "fullouter")) rows.push([...row, ...rightEmpty]);
  }
  if (rightOnly) {
    right.rows.forEach((row, i) => {
      if (matchedRight.has(i) === (kind === "rightsemi")) rows.push(row);
    });
  } else if (kind === "rightouter" || kind === "fullouter") {
    right.rows.forEach((row, i) => {
      if (!matchedRight.has(i)) rows.push([...leftEmpty, ...row]);
    });
  }
  const columns = leftOnly ? left.columns : rightOnly ? right.columns : [...left.columns, ...right.columns];
  return { columns: conform(node, columns, true), rows };
}

function lookup(node: KNode, left: Table, context: TabularContext): Table {
  const options = operatorOptions(node, context, ["kind"]);
  const kind = (options.get("kind") ?? "leftouter").toLowerCase();
  if (kind !== "leftouter" && kind !== "inner") throw notImplemented(`lookup kind=${kind}`);
  const right = evaluateTabular(child(node, "Expression"), context);
  const keys = joinKeys(child(node, "LookupClause"), left, right);
  const rightIndex = indexRight(right, keys.right);
  const kept = right.columns.map((c, i) => ({ c, i })).filter(({ i }) => !keys.rightKeyColumns.has(i));
  const rightEmpty = kept.map(({ c }) => emptyOf(c.type));
  const rows: Row[] = [];
  for (const row of left.rows) {
    const matches = rightIndex.get(keyValues(row, keys.left)) ?? [];
    for (const m of matches) {
      const match = right.rows[m] ?? [];
      rows.push([...row, ...kept.map(({ i }) => match[i])]);
    }
    if (matches.length === 0 && kind === "leftouter") rows.push([...row, ...rightEmpty]);
  }
  return { columns: conform(node, [...left.columns, ...kept.map(({ c }) => c)], true), rows };
}

function union(node: KNode, input: Table | undefined, context: TabularContext): Table {
  const options = operatorOptions(node, context, ["kind", "withsource", "source"]);
  // kind=inner keeps the common columns, but the language service binds it like outer: refuse it.
  const kind = (options.get("kind") ?? "outer").toLowerCase();
  if (kind !== "outer") throw notImplemented(`union kind=${kind}`);
  const sourceColumn = options.get("withsource") ?? options.get("source");
  const operands: { table: Table; source: string }[] = [];
  if (input) operands.push({ table: input, source: "" });
  for (const expression of listChild(node, "Expressions")) {
    if (kindOf(expression) === "NameReference" && kindOf(child(expression, "Name")) === "WildcardedName") {
      throw notImplemented("union over a table wildcard");
    }
    const source = kindOf(expression) === "NameReference" ? (expression.SimpleName ?? "") : "";
    operands.push({ table: evaluateTabular(expression, context), source });
  }
  if (sourceColumn && operands.some((o) => o.source === "")) {
    throw notImplemented("union withsource= over anything but table names");
  }
  const columns: KqlColumn[] = [];
  for (const { table } of operands) {
    for (const column of table.columns) if (!columns.some((c) => c.name === column.name)) columns.push(column);
  }
  const merged = columns;
  const rows: Row[] = [];
  for (const { table, source } of operands) {
    const mapping = merged.map((c) => table.columns.findIndex((x) => x.name === c.name && x.type === c.type));
    if (merged.some((c, i) => mapping[i] === -1 && table.columns.some((x) => x.name === c.name))) {
      throw notImplemented("union of columns with the same name and different types");
    }
    for (const row of table.rows) {
      const values = mapping.map((m, i) => (m >= 0 ? row[m] : emptyOf(merged[i]?.type ?? "dynamic")));
      rows.push(sourceColumn ? [source, ...values] : values);
    }
  }
  const all = sourceColumn ? [{ name: sourceColumn, type: "string" as const }, ...merged] : merged;
  return { columns: conform(node, all, false), rows };
}

/** Casts an expanded element to the `to typeof(T)` type: values of another kind become null. */
function castElement(value: unknown, type: KqlType): unknown {
  if (value === null || value === undefined) return emptyOf(type);
  switch (type) {
    case "dynamic":
      return value;
    case "string":
      return typeof value === "string" ? value : "";
    case "int":
    case "long":
      return typeof value === "number" && Number.isInteger(value) ? value : null;
    case "real":
    case "decimal":
      return typeof value === "number" ? value : null;
    case "bool":
      return typeof value === "boolean" ? value : null;
    case "datetime":
      if (value instanceof Date) return value.getTime();
      return typeof value === "string" ? parseDateTimeText(value) : null;
    case "timespan":
      return typeof value === "string" ? parseTimespanText(value) : null;
    case "guid":
      return typeof value === "string" ? parseGuidText(value) : null;
  }
}

function mvExpand(node: KNode, input: Table, context: TabularContext): Table {
  const options = operatorOptions(node, context, ["kind", "bagexpansion", "with_itemindex"]);
  const bagMode = (options.get("kind") ?? options.get("bagexpansion") ?? "bag").toLowerCase();
  if (bagMode !== "bag" && bagMode !== "array") throw notImplemented(`mv-expand kind=${bagMode}`);
  const indexColumn = options.get("with_itemindex");
  const limitClause = optionalChild(node, "RowLimitClause");
  const limit = limitClause ? rowCount(child(limitClause, "RowLimit"), context) : Number.POSITIVE_INFINITY;

  const bound = boundColumns(node);
  const inputNames = new Set(input.columns.map((c) => c.name));
  const derivedNames = bound.filter((c) => !inputNames.has(c.name) && c.name !== indexColumn).map((c) => c.name);
  let nextDerived = 0;
  const scope = scopeFor(input.columns, context);
  const columns = [...input.columns];
  const expansions: { index: number; read: Evaluator; type: KqlType }[] = [];
  for (const item of listChild(node, "Expressions")) {
    const expression = child(item, "Expression");
    rejectCompoundNames(expression);
    const toTypeOf = optionalChild(item, "ToTypeOf");
    const typeName = toTypeOf ? child(toTypeOf, "TypeOf").ReferencedSymbol?.Name : undefined;
    const type: KqlType = (typeName as KqlType | undefined) ?? "dynamic";
    const compiled = compileScalar(expression, scope);
    if (compiled.type !== "dynamic") throw new KqlError("SemanticError", "mv-expand needs a dynamic value");
    const named = kindOf(expression) === "SimpleNamedExpression";
    const name = named ? nameOf(expression) : (referencedColumn(expression) ?? derivedNames[nextDerived++]);
    if (name === undefined) throw internalError("mv-expand column without a name");
    if (named && !inputNames.has(name)) nextDerived++;
    const existing = columns.findIndex((c) => c.name === name);
    const index = existing >= 0 ? existing : columns.length;
    columns[index] = { name, type };
    expansions.push({ index, read: compiled.evaluate, type });
  }
  if (indexColumn) columns.push({ name: indexColumn, type: "long" });

  const elementsOf = (value: unknown): unknown[] => {
    if (value === null || value === undefined) return [null];
    if (Array.isArray(value)) return value;
    if (typeof value === "object" && !(value instanceof Date)) {
      return Object.entries(value).map(([k, v]) => (bagMode === "bag" ? { [k]: v } : [k, v]));
    }
    return [value];
  };
  const rows: Row[] = [];
  for (const row of input.rows) {
    const lists = expansions.map((e) => elementsOf(e.read(row)));
    const count = Math.min(limit, Math.max(...lists.map((l) => l.length)));
    for (let i = 0; i < count; i++) {
      const next = row.slice();
      expansions.forEach((e, j) => {
        next[e.index] = castElement(lists[j]?.[i] ?? null, e.type);
      });
      if (indexColumn) next.push(i);
      rows.push(next);
    }
  }
  return { columns: conform(node, columns, false), rows };
}

const CLR_TYPES: Record<KqlType, string> = {
  string: "System.String",
  int: "System.Int32",
  long: "System.Int64",
  real: "System.Double",
  bool: "System.SByte",
  datetime: "System.DateTime",
  timespan: "System.TimeSpan",
  dynamic: "System.Object",
  guid: "System.Guid",
  decimal: "System.Data.SqlTypes.SqlDecimal",
};

function getSchema(node: KNode, input: Table): Table {
  const columns: KqlColumn[] = [
    { name: "ColumnName", type: "string" },
    { name: "ColumnOrdinal", type: "long" },
    { name: "DataType", type: "string" },
    { name: "ColumnType", type: "string" },
  ];
  const rows = input.columns.map((c, i) => [c.name, i, CLR_TYPES[c.type], c.type]);
  return { columns: conform(node, columns, false), rows };
}

function print(node: KNode, context: TabularContext): Table {
  const scope = scopeFor([], context);
  const compiled = listChild(node, "Expressions").map((e) => {
    rejectCompoundNames(e);
    return compileScalar(e, scope);
  });
  const columns = compiled.map((c) => ({ name: "", type: c.type }));
  return { columns: conform(node, columns, true), rows: [compiled.map((c) => c.evaluate([]))] };
}

function range(node: KNode, context: TabularContext): Table {
  const scope = scopeFor([], context);
  const from = compileScalar(child(node, "From"), scope);
  const to = compileScalar(child(node, "To"), scope);
  const step = compileScalar(child(node, "Step"), scope);
  const start = from.evaluate([]) as number | null;
  const end = to.evaluate([]) as number | null;
  const increment = step.evaluate([]) as number | null;
  if (start === null || end === null || increment === null || increment === 0) {
    throw new KqlError("SemanticError", "range needs non-null bounds and a non-zero step");
  }
  const rows: Row[] = [];
  for (let v = start; increment > 0 ? v <= end : v >= end; v += increment) {
    rows.push([v]);
    if (rows.length > 10_000_000) throw new KqlError("RuntimeError", "range is too large");
  }
  return { columns: conform(node, [{ name: nameOf(node), type: from.type }], false), rows };
}

function dataTable(node: KNode, context: TabularContext): Table {
  const columns = boundColumns(node);
  if (columns.length === 0) throw internalError("datatable without columns");
  const scope = scopeFor([], context);
  const values = listChild(node, "Values").map((v) => {
    const compiled = compileScalar(v, scope);
    if (!compiled.constant) throw notImplemented("datatable with non-constant values");
    return compiled;
  });
  if (values.length % columns.length !== 0) throw new KqlError("SemanticError", "datatable values do not fill rows");
  const rows: Row[] = [];
  for (let start = 0; start < values.length; start += columns.length) {
    rows.push(
      columns.map((column, i) => {
        const value = values[start + i];
        if (!value) return emptyOf(column.type);
        const raw = value.evaluate([]);
        if (sameRepresentation(value.type, column.type)) return raw;
        if (column.type === "dynamic") return toDynamic(raw, value.type);
        throw new KqlError("SemanticError", `datatable value of type ${value.type} in ${column.type} column`);
      }),
    );
  }
  return { columns, rows };
}
