import { type KCode, type KDiagnostic, kusto, listOf } from "./kusto.js";
import type { KqlSchema } from "./schema.js";
import type { KqlColumn } from "./types.js";

export interface KqlDiagnostic {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  readonly start: number;
  readonly length: number;
}

export interface KqlAnalysis {
  readonly diagnostics: KqlDiagnostic[];
  /** The result schema the binder computed; types are Kusto type names (long, string, dynamic, ...). */
  readonly resultColumns: { name: string; type: string }[];
}

export interface AnalyzeOptions {
  /** Report only diagnostics of severity Error (default: every diagnostic). */
  readonly errorsOnly?: boolean;
}

export interface BoundQuery {
  readonly code: KCode;
  readonly diagnostics: KqlDiagnostic[];
  /** The first syntax error, if the query does not parse. */
  readonly syntaxError?: KqlDiagnostic;
}

const toDiagnostic = (d: KDiagnostic): KqlDiagnostic => ({
  severity: d.Severity,
  code: d.Code,
  message: d.Message,
  start: d.Start,
  length: d.Length,
});

// Building globals is cheap but not free; queries against the same tables reuse them.
const globalsCache = new Map<string, ReturnType<ReturnType<typeof kusto>["globalsFor"]>>();
const GLOBALS_CACHE_LIMIT = 64;

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * Tables to declare for one query. With case-insensitive table names (Resource Graph) every spelling
 * the query uses ("Resources") is declared as well, so the official binder accepts it as ARG does.
 */
function declaredTables(
  query: string,
  tables: ReadonlyMap<string, readonly KqlColumn[]>,
  caseInsensitive: boolean,
): Map<string, readonly KqlColumn[]> {
  const declared = new Map(tables);
  if (!caseInsensitive) return declared;
  const byLowerName = new Map([...tables].map(([name, columns]) => [name.toLowerCase(), columns] as const));
  for (const [word] of query.matchAll(IDENTIFIER)) {
    const columns = byLowerName.get(word.toLowerCase());
    if (columns && !declared.has(word)) declared.set(word, columns);
  }
  return declared;
}

/** Parses and binds a query against these tables with the official Kusto parser. */
export function bindQuery(
  query: string,
  tables: ReadonlyMap<string, readonly KqlColumn[]>,
  caseInsensitive: boolean,
): BoundQuery {
  const api = kusto();
  const declared = declaredTables(query, tables, caseInsensitive);
  const key = JSON.stringify([...declared]);
  let globals = globalsCache.get(key);
  if (!globals) {
    if (globalsCache.size >= GLOBALS_CACHE_LIMIT) globalsCache.clear();
    globals = api.globalsFor(declared);
    globalsCache.set(key, globals);
  }
  const code = api.parseAndAnalyze(query, globals);
  const diagnostics = listOf(code.GetDiagnostics()).map(toDiagnostic);
  const syntaxError = listOf(code.Syntax.GetContainedSyntaxDiagnostics()).find((d) => d.Severity === "Error");
  return syntaxError ? { code, diagnostics, syntaxError: toDiagnostic(syntaxError) } : { code, diagnostics };
}

export const schemaTables = (schema: KqlSchema): Map<string, KqlColumn[]> =>
  new Map(
    Object.entries(schema.tables).map(([table, columns]) => [
      table,
      Object.entries(columns).map(([name, type]) => ({ name, type })),
    ]),
  );

/**
 * Binds a query against a schema and reports what the official parser says: diagnostics and the result
 * columns. Tests use it to prove each product query binds cleanly with the expected output schema.
 * `let` statements and `declare query_parameters(...)` in the query text are honoured as in Kusto.
 */
export function analyzeKql(query: string, schema: KqlSchema, options: AnalyzeOptions = {}): KqlAnalysis {
  const { code, diagnostics } = bindQuery(query, schemaTables(schema), schema.tableNamesCaseInsensitive);
  return {
    diagnostics: options.errorsOnly ? diagnostics.filter((d) => d.severity === "Error") : diagnostics,
    resultColumns: listOf(code.ResultType?.Columns).map((c) => ({ name: c.Name, type: c.Type.Name })),
  };
}
