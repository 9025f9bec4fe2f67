import { createRequire } from "node:module";
import { internalError } from "./errors.js";
import { isKqlType, type KqlColumn, type KqlType } from "./types.js";

// The slice of the Bridge.NET-compiled Kusto.Language API that the fakes use. The package ships
// global-namespace typings of 1.7 MB; these few structural types keep the rest of the code typed.

export interface BridgeList<T> {
  readonly Count: number;
  getItem(index: number): T;
}

export interface KSymbol {
  readonly Name: string;
  readonly Kind: number;
}

export interface KTypeSymbol extends KSymbol {
  readonly Columns?: BridgeList<KColumnSymbol> | null;
}

export interface KColumnSymbol extends KSymbol {
  readonly Type: KTypeSymbol;
}

export interface KDiagnostic {
  readonly Severity: string;
  readonly Code: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
}

/** A syntax element (node or token). Node-specific children are read with child()/optionalChild(). */
export interface KNode {
  readonly Kind: number;
  readonly IsToken: boolean;
  readonly IsMissing: boolean;
  readonly ChildCount: number;
  readonly TextStart: number;
  readonly Width: number;
  readonly Text?: string | null;
  readonly ValueText?: string | null;
  readonly SimpleName?: string | null;
  readonly ResultType?: KTypeSymbol | null;
  readonly ReferencedSymbol?: KSymbol | null;
  readonly LiteralValue?: unknown;
  GetChild(index: number): KNode | null;
  GetContainedSyntaxDiagnostics(): BridgeList<KDiagnostic>;
}

export interface KCode {
  readonly Syntax: KNode;
  readonly ResultType: KTypeSymbol | null;
  GetDiagnostics(): BridgeList<KDiagnostic>;
}

export interface KGlobalState {
  WithDatabase(database: unknown): KGlobalState;
}

interface KustoLanguageNamespace {
  readonly KustoCode: {
    ParseAndAnalyze(text: string, globals: KGlobalState): KCode;
    Parse(text: string): KCode;
  };
  readonly GlobalState: { readonly Default: KGlobalState };
  readonly Syntax: { readonly SyntaxKind: Record<string, unknown> };
  readonly Symbols: {
    readonly SymbolKind: Record<string, unknown>;
    readonly ScalarTypes: Record<string, unknown>;
    readonly ColumnSymbol: new (
      name: string,
      type: unknown,
      description: null,
      originalColumns: null,
      source: null,
      examples: null,
    ) => unknown;
    readonly TableSymbol: { readonly $ctor4: new (name: string, columns: unknown[]) => unknown };
    readonly DatabaseSymbol: {
      readonly $ctor2: new (name: string, alternateName: null, members: unknown[]) => unknown;
    };
  };
}

export interface KustoApi {
  parseAndAnalyze(query: string, globals: KGlobalState): KCode;
  /** Globals with one database holding these tables (name → columns in order). */
  globalsFor(tables: ReadonlyMap<string, readonly KqlColumn[]>): KGlobalState;
  kindName(element: KNode): string;
  symbolKindName(symbol: KSymbol): string;
}

const SCALAR_TYPE_FIELDS: Record<KqlType, string> = {
  string: "String",
  int: "Int",
  long: "Long",
  real: "Real",
  bool: "Bool",
  datetime: "DateTime",
  timespan: "TimeSpan",
  dynamic: "Dynamic",
  guid: "Guid",
  decimal: "Decimal",
};

const reverseEnum = (values: Record<string, unknown>): Map<number, string> => {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(values)) if (typeof value === "number") names.set(value, name);
  return names;
};

let loaded: KustoApi | undefined;

/**
 * The Kusto language service, loaded on first use: it is ~31 MB and costs ~0.3 s to load and ~0.7 s for the
 * first parse, which code paths that never run KQL (the demo) should not pay. A CommonJS require keeps the
 * load synchronous and identical under vitest and in compiled dist/.
 */
export function kusto(): KustoApi {
  if (loaded) return loaded;
  const holder = globalThis as { Kusto?: { Language?: unknown } };
  if (!holder.Kusto?.Language) {
    const require = createRequire(import.meta.url);
    require("@kusto/language-service-next/bridge.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.js");
  }
  const language = holder.Kusto?.Language as KustoLanguageNamespace | undefined;
  if (!language) throw internalError("the Kusto language service did not define the Kusto global");
  const syntaxKinds = reverseEnum(language.Syntax.SyntaxKind);
  const symbolKinds = reverseEnum(language.Symbols.SymbolKind);
  const { Symbols } = language;

  const scalarType = (type: KqlType): unknown => {
    const symbol = Symbols.ScalarTypes[SCALAR_TYPE_FIELDS[type]];
    if (!symbol) throw internalError(`no Kusto scalar type for ${type}`);
    return symbol;
  };

  loaded = {
    parseAndAnalyze: (query, globals) => language.KustoCode.ParseAndAnalyze(query, globals),
    globalsFor: (tables) => {
      const symbols = [...tables].map(
        ([name, columns]) =>
          new Symbols.TableSymbol.$ctor4(
            name,
            columns.map((c) => new Symbols.ColumnSymbol(c.name, scalarType(c.type), null, null, null, null)),
          ),
      );
      return language.GlobalState.Default.WithDatabase(new Symbols.DatabaseSymbol.$ctor2("db", null, symbols));
    },
    kindName: (element) => syntaxKinds.get(element.Kind) ?? `Kind${element.Kind}`,
    symbolKindName: (symbol) => symbolKinds.get(symbol.Kind) ?? `Kind${symbol.Kind}`,
  };
  return loaded;
}

export const listOf = <T>(list: BridgeList<T> | null | undefined): T[] => {
  if (!list) return [];
  const items: T[] = [];
  for (let i = 0; i < list.Count; i++) items.push(list.getItem(i));
  return items;
};

const isNode = (value: unknown): value is KNode =>
  typeof value === "object" && value !== null && typeof (value as { Kind?: unknown }).Kind === "number";

/** A named child of a syntax node (Left, Expression, ByClause, ...), or null when the node has none. */
export function optionalChild(node: KNode, name: string): KNode | null {
  const value = (node as unknown as Record<string, unknown>)[name];
  if (value === null || value === undefined) return null;
  if (!isNode(value)) throw internalError(`syntax property ${name} is not a node`);
  return value;
}

export function child(node: KNode, name: string): KNode {
  const value = optionalChild(node, name);
  if (!value) throw internalError(`syntax node has no ${name}`);
  return value;
}

/** The elements of a SyntaxList child, unwrapping SeparatedElement wrappers. */
export function listChild(node: KNode, name: string): KNode[] {
  const list = optionalChild(node, name);
  if (!list) return [];
  const items: KNode[] = [];
  for (let i = 0; i < list.ChildCount; i++) {
    const item = list.GetChild(i);
    if (!item) continue;
    const element = optionalChild(item, "Element");
    items.push(element ?? item);
  }
  return items;
}

/** The static KQL type the binder computed for an expression. */
export function staticType(node: KNode): KqlType {
  const name = node.ResultType?.Name;
  if (name && isKqlType(name)) return name;
  throw internalError(`expression has type ${name ?? "unknown"}`);
}

/** Result columns of a tabular node as the binder computed them (names and types Kusto defines). */
export function boundColumns(node: KNode): KqlColumn[] {
  return listOf(node.ResultType?.Columns).map((c) => {
    const type = c.Type.Name;
    if (!isKqlType(type)) throw internalError(`column ${c.Name} has type ${type}`);
    return { name: c.Name, type };
  });
}
