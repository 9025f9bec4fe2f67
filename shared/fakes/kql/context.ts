import type { KNode } from "./kusto.js";
import type { KqlColumn, KqlType } from "./types.js";

/** One row in the internal representation (see values.ts), in the column order of its table. */
export type Row = readonly unknown[];

export interface Table {
  readonly columns: readonly KqlColumn[];
  readonly rows: readonly Row[];
}

/** A scalar expression compiled once per query into a closure evaluated per row. */
export type Evaluator = (row: Row) => unknown;

export interface Compiled {
  readonly type: KqlType;
  readonly evaluate: Evaluator;
  /** Same value for every row (literals, lets, now(), calls over constants): folded at compile time. */
  readonly constant: boolean;
}

export type Binding =
  | { readonly kind: "scalar"; readonly type: KqlType; readonly value: unknown }
  | { readonly kind: "table"; readonly table: () => Table };

/** What a whole query shares: its clock, its let/parameter bindings and tabular evaluation. */
export interface QueryContext {
  readonly nowMs: number;
  variable(name: string): Binding | undefined;
  evaluateTabular(node: KNode): Table;
}

/** Collects aggregate calls met while compiling a summarize expression such as round(avg(x), 1). */
export interface AggregateRegistry {
  /** Returns a reader of the aggregate's result from the per-group array of aggregate results. */
  register(call: KNode, scope: Scope): Evaluator;
}

export interface Scope {
  readonly columns: readonly KqlColumn[];
  readonly index: ReadonlyMap<string, number>;
  readonly context: QueryContext;
  /** Set inside summarize aggregates: calls to aggregate functions register here. */
  readonly aggregates?: AggregateRegistry;
}

export const scopeFor = (columns: readonly KqlColumn[], context: QueryContext): Scope => ({
  columns,
  index: new Map(columns.map((c, i) => [c.name, i])),
  context,
});

/** What a scalar function implementation sees of its call. */
export interface CallSite {
  readonly name: string;
  readonly node: KNode;
  readonly args: readonly KNode[];
  readonly resultType: KqlType;
  readonly scope: Scope;
  /** Compiles argument i (tracked, so calls over constants fold). */
  arg(index: number): Compiled;
  /** Compiles every argument. */
  allArgs(): Compiled[];
}

export type ScalarFunction = (call: CallSite) => Evaluator;

export const constantValue = (compiled: Compiled): unknown => compiled.evaluate([]);
