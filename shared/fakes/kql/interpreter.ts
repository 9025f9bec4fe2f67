import type { Binding, Table } from "./context.js";
import { internalError, KqlError, notImplemented } from "./errors.js";
import { compileScalar } from "./evaluate-scalar.js";
import { evaluateTabular, type TabularContext } from "./evaluate-tabular.js";
import { child, type KNode, kusto, listChild, optionalChild } from "./kusto.js";
import { bindQuery } from "./language-service.js";
import { isKqlType, type KqlColumn, type KqlResult, type KqlTableData } from "./types.js";
import { cellConverter, exportValue, ingestValue, toDynamic } from "./values.js";

export { KqlError } from "./errors.js";

export interface RunKqlOptions {
  /** The query's clock: now() and ago() are relative to it. */
  readonly now: Date;
  /** Resource Graph accepts any casing of table names (Resources, resources). */
  readonly tableNamesCaseInsensitive?: boolean;
  /** Values for `declare query_parameters(...)`, by parameter name. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

function columnsOf(name: string, data: KqlTableData): KqlColumn[] {
  return Object.entries(data.columns).map(([column, type]) => {
    if (!isKqlType(type)) throw new KqlError("InvalidData", `${name}.${column} has unknown type ${String(type)}`);
    return { name: column, type };
  });
}

/** Converts input rows (records) to internal rows (arrays in column order) once per query. */
function ingestTable(name: string, data: KqlTableData, columns: readonly KqlColumn[]): Table {
  const converters = columns.map((c) => cellConverter(c.type));
  const names = columns.map((c) => c.name);
  const width = columns.length;
  const rows = data.rows.map((record, r) => {
    const row = new Array<unknown>(width);
    for (let i = 0; i < width; i++) {
      const value = record[names[i] ?? ""];
      const converted = converters[i]?.(value);
      if (converted === undefined) {
        const column = columns[i];
        ingestValue(value, column?.type ?? "dynamic", () => `${name} row ${r} column ${column?.name ?? i}`);
      }
      row[i] = converted;
    }
    return row;
  });
  return { columns, rows };
}

/**
 * Runs a KQL query over in-memory tables with Kusto's semantics. The query is parsed and bound by the
 * official Kusto parser (a query Kusto rejects throws KqlError SyntaxError/SemanticError with its first
 * diagnostic), then evaluated from the syntax tree; anything not modelled throws KqlError NotImplemented.
 */
export function runKql(query: string, data: Readonly<Record<string, KqlTableData>>, options: RunKqlOptions): KqlResult {
  const caseInsensitive = options.tableNamesCaseInsensitive === true;
  const schemas = new Map(Object.entries(data).map(([name, table]) => [name, columnsOf(name, table)] as const));
  const bound = bindQuery(query, schemas, caseInsensitive);
  if (bound.syntaxError) {
    const { message, start, length } = bound.syntaxError;
    throw new KqlError("SyntaxError", message, start, length);
  }
  const firstError = bound.diagnostics.find((d) => d.severity === "Error");
  if (firstError) throw new KqlError("SemanticError", firstError.message, firstError.start, firstError.length);

  const ingested = new Map<string, Table>();
  const variables = new Map<string, Binding>();
  const api = kusto();

  const context: TabularContext = {
    nowMs: options.now.getTime(),
    variable: (name) => variables.get(name),
    evaluateTabular: (node) => evaluateTabular(node, context),
    textOf: (node) => query.slice(node.TextStart, node.TextStart + node.Width),
    dataTable: (name) => {
      const key =
        name in data
          ? name
          : caseInsensitive
            ? Object.keys(data).find((k) => k.toLowerCase() === name.toLowerCase())
            : undefined;
      const table = key === undefined ? undefined : data[key];
      const columns = key === undefined ? undefined : schemas.get(key);
      if (key === undefined || !table || !columns) return undefined;
      let result = ingested.get(key);
      if (!result) {
        result = ingestTable(key, table, columns);
        ingested.set(key, result);
      }
      return result;
    },
  };

  if (listChild(bound.code.Syntax, "Directives").length > 0) throw notImplemented("query directives (#...)");
  let result: Table | undefined;
  for (const statement of listChild(bound.code.Syntax, "Statements")) {
    const kind = api.kindName(statement);
    if (kind === "LetStatement") {
      bindLet(statement, context, variables);
    } else if (kind === "QueryParametersStatement") {
      bindParameters(statement, context, variables, options.parameters ?? {});
    } else if (kind === "ExpressionStatement") {
      if (result) throw notImplemented("queries with several result tables");
      result = evaluateTabular(child(statement, "Expression"), context);
    } else {
      throw notImplemented(`statement ${kind.replace(/Statement$/, "")}`);
    }
  }
  if (!result) throw new KqlError("SemanticError", "the query has no tabular expression to return");
  const columns = result.columns.map((c) => ({ name: c.name, type: c.type }));
  return {
    columns,
    rows: result.rows.map((row) => columns.map((c, i) => exportValue(row[i], c.type))),
  };
}

function bindLet(statement: KNode, context: TabularContext, variables: Map<string, Binding>): void {
  const name = child(statement, "Name").SimpleName ?? "";
  const expression = child(statement, "Expression");
  const kind = kusto().kindName(expression);
  if (kind === "FunctionDeclaration") throw notImplemented(`let ${name} = (...) { ... } (user functions)`);
  if (expression.ResultType?.Columns) {
    // Tabular lets are evaluated on first use and then shared, like materialize(). Kusto forbids
    // redeclaring a name, so the bindings a lazy let sees cannot change before it runs.
    let cached: Table | undefined;
    variables.set(name, {
      kind: "table",
      table: () => {
        cached ??= evaluateTabular(expression, context);
        return cached;
      },
    });
    return;
  }
  const compiled = compileScalar(expression, { columns: [], index: new Map(), context });
  variables.set(name, { kind: "scalar", type: compiled.type, value: compiled.evaluate([]) });
}

function bindParameters(
  statement: KNode,
  context: TabularContext,
  variables: Map<string, Binding>,
  values: Readonly<Record<string, unknown>>,
): void {
  for (const parameter of listChild(statement, "Parameters")) {
    const declaration = child(parameter, "NameAndType");
    const name = child(declaration, "Name").SimpleName ?? "";
    const typeName = child(declaration, "Type").ReferencedSymbol?.Name ?? "";
    if (!isKqlType(typeName)) throw notImplemented(`query parameter of type ${typeName}`);
    if (Object.hasOwn(values, name)) {
      const value = ingestValue(values[name], typeName, () => `query parameter ${name}`);
      variables.set(name, { kind: "scalar", type: typeName, value });
      continue;
    }
    const fallback = optionalChild(parameter, "DefaultValue");
    if (!fallback) throw new KqlError("SemanticError", `query parameter ${name} has no value`);
    const compiled = compileScalar(child(fallback, "Value"), { columns: [], index: new Map(), context });
    const value = compiled.evaluate([]);
    if (compiled.type !== typeName && typeName !== "dynamic" && compiled.type !== "dynamic") {
      if (!(compiled.type === "long" && (typeName === "int" || typeName === "real"))) {
        throw internalError(`default of ${name} has type ${compiled.type}`);
      }
    }
    variables.set(name, {
      kind: "scalar",
      type: typeName,
      value: typeName === "dynamic" ? toDynamic(value, compiled.type) : value,
    });
  }
}
