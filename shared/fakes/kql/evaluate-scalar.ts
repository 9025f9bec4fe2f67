import { isAggregateFunction } from "./aggregates.js";
import type { CallSite, Compiled, Evaluator, Row, Scope } from "./context.js";
import { internalError, KqlError, notImplemented } from "./errors.js";
import { scalarFunctions } from "./functions.js";
import { child, type KNode, kusto, listChild, optionalChild, staticType } from "./kusto.js";
import { dynamicLiteral, LITERAL_KINDS, literalValue } from "./literals.js";
import { compileRegex } from "./regex.js";
import { hasAllTerms, hasAnyTerm, stringOperator } from "./strings.js";
import type { KqlType } from "./types.js";
import { dynamicAsScalar, dynamicEquals, isBag, isNumericType, toDynamic, toKqlString } from "./values.js";

const constant = (type: KqlType, value: unknown): Compiled => ({ type, evaluate: () => value, constant: true });

const isNull = (value: unknown): boolean => value === null || value === undefined;

/** Compiles a scalar expression into a closure over rows of the scope's table. */
export function compileScalar(node: KNode, scope: Scope): Compiled {
  const kind = kusto().kindName(node);
  if (LITERAL_KINDS.has(kind)) return constant(staticType(node), literalValue(node, kind));
  switch (kind) {
    case "ParenthesizedExpression":
    case "SimpleNamedExpression":
      return compileScalar(child(node, "Expression"), scope);
    case "DynamicExpression":
      return constant("dynamic", dynamicLiteral(node));
    case "NameReference":
      return compileName(node, scope);
    case "FunctionCallExpression":
      return compileCall(node, scope);
    case "PathExpression":
      return compileMember(node, scope);
    case "ElementExpression":
      return compileElement(node, scope);
    case "ToScalarExpression":
      return compileToScalar(node, scope);
    case "UnaryMinusExpression":
    case "UnaryPlusExpression":
      return compileUnary(node, kind, scope);
    case "InExpression":
    case "NotInExpression":
    case "InCsExpression":
    case "NotInCsExpression":
      return compileIn(node, scope);
    case "HasAnyExpression":
    case "HasAllExpression":
      return compileHasAny(node, kind === "HasAllExpression", scope);
    case "BetweenExpression":
    case "NotBetweenExpression":
      return compileBetween(node, kind === "NotBetweenExpression", scope);
    default:
      if (kind.endsWith("Expression") && optionalChild(node, "Operator") && optionalChild(node, "Right")) {
        return compileBinary(node, scope);
      }
      throw notImplemented(`expression ${kind}`);
  }
}

function compileName(node: KNode, scope: Scope): Compiled {
  const name = node.SimpleName ?? "";
  const symbol = node.ReferencedSymbol;
  const symbolKind = symbol ? kusto().symbolKindName(symbol) : "None";
  if (symbolKind === "Column") {
    if (scope.aggregates) throw notImplemented(`column ${name} outside an aggregate in summarize`);
    const index = scope.index.get(name);
    const column = index === undefined ? undefined : scope.columns[index];
    if (index === undefined || !column) throw internalError(`column ${name} is not in scope`);
    return { type: column.type, evaluate: (row) => row[index], constant: false };
  }
  if (symbolKind === "Variable" || symbolKind === "Parameter") {
    const binding = scope.context.variable(name);
    if (!binding) throw internalError(`variable ${name} is unbound`);
    if (binding.kind !== "scalar") throw notImplemented(`tabular variable ${name} in a scalar position`);
    return constant(binding.type, binding.value);
  }
  throw notImplemented(`reference to ${symbolKind} ${name} in a scalar expression`);
}

function compileCall(node: KNode, scope: Scope): Compiled {
  const name = child(node, "Name").SimpleName ?? "";
  if (isAggregateFunction(name)) {
    if (!scope.aggregates) throw notImplemented(`aggregate function ${name}() outside summarize`);
    return { type: staticType(node), evaluate: scope.aggregates.register(node, scope), constant: false };
  }
  const implementation = scalarFunctions.get(name);
  if (!implementation) throw notImplemented(`function ${name}()`);
  const args = listChild(child(node, "ArgumentList"), "Expressions");
  const compiled = new Map<number, Compiled>();
  const compileArg = (index: number): Compiled => {
    const existing = compiled.get(index);
    if (existing) return existing;
    const argNode = args[index];
    if (!argNode) throw internalError(`${name}() has no argument ${index}`);
    const result = compileScalar(argNode, scope);
    compiled.set(index, result);
    return result;
  };
  const call: CallSite = {
    name,
    node,
    args,
    resultType: staticType(node),
    scope,
    arg: compileArg,
    allArgs: () => args.map((_, i) => compileArg(i)),
  };
  const evaluate = implementation(call);
  // A call whose every argument is constant is constant too (our functions are pure; now() is fixed).
  const foldable = [...compiled.values()].every((c) => c.constant) && compiled.size === countScalarArgs(args);
  if (foldable) return constant(call.resultType, evaluate([]));
  return { type: call.resultType, evaluate, constant: false };
}

// typeof(...) arguments are read by the implementation, not compiled; they never vary per row.
const countScalarArgs = (args: readonly KNode[]): number =>
  args.filter((a) => kusto().kindName(a) !== "TypeOfLiteralExpression").length;

/** Reads bag[key] without reaching into the prototype ("constructor" is just a missing key). */
export const memberOf = (value: unknown, key: string): unknown =>
  isBag(value) && Object.hasOwn(value, key) ? (value[key] ?? null) : null;

export const elementOf = (value: unknown, index: unknown): unknown => {
  if (typeof index === "string") return memberOf(value, index);
  if (typeof index !== "number" || !Array.isArray(value)) return null;
  const position = index < 0 ? value.length + index : index;
  return Number.isInteger(position) ? (value[position] ?? null) : null;
};

function asDynamic(compiled: Compiled): Evaluator {
  if (compiled.type === "dynamic") return compiled.evaluate;
  const { evaluate, type } = compiled;
  return (row) => toDynamic(evaluate(row), type);
}

function compileMember(node: KNode, scope: Scope): Compiled {
  const target = compileScalar(child(node, "Expression"), scope);
  const key = child(node, "Selector").SimpleName ?? "";
  const read = asDynamic(target);
  return { type: "dynamic", evaluate: (row) => memberOf(read(row), key), constant: false };
}

function compileElement(node: KNode, scope: Scope): Compiled {
  const target = asDynamic(compileScalar(child(node, "Expression"), scope));
  const selector = child(child(node, "Selector"), "Expression");
  const readIndex = compileScalar(selector, scope).evaluate;
  return { type: "dynamic", evaluate: (row) => elementOf(target(row), readIndex(row)), constant: false };
}

function compileToScalar(node: KNode, scope: Scope): Compiled {
  const type = staticType(node);
  let cached: { value: unknown } | undefined;
  const read = (): unknown => {
    if (!cached) {
      const table = scope.context.evaluateTabular(child(node, "Expression"));
      const column = table.columns[0];
      const value = table.rows[0]?.[0] ?? null;
      if (!column || column.type === type || (isNumericType(column.type) && isNumericType(type))) cached = { value };
      else if (type === "dynamic") cached = { value: toDynamic(value, column.type) };
      else throw internalError(`toscalar() column type ${column.type} differs from ${type}`);
    }
    return cached.value;
  };
  return { type, evaluate: () => read(), constant: false };
}

function compileUnary(node: KNode, kind: string, scope: Scope): Compiled {
  const operand = numeric(compileScalar(child(node, "Expression"), scope));
  const type = staticType(node);
  if (kind === "UnaryPlusExpression") return { type, evaluate: operand.evaluate, constant: operand.constant };
  const read = operand.evaluate;
  return {
    type,
    evaluate: (row) => {
      const value = read(row);
      return isNull(value) ? null : -(value as number);
    },
    constant: operand.constant,
  };
}

/** Arithmetic on a dynamic operand uses its number, or null when it holds something else. */
function numeric(compiled: Compiled): Compiled {
  if (compiled.type !== "dynamic") return compiled;
  const read = compiled.evaluate;
  return {
    type: "real",
    evaluate: (row) => {
      const value = read(row);
      return typeof value === "number" ? value : null;
    },
    constant: compiled.constant,
  };
}

/** Operand as string for string operators: non-strings go through tostring(). */
function stringOf(compiled: Compiled): (row: Row) => string {
  const { evaluate, type } = compiled;
  if (type === "string") return evaluate as (row: Row) => string;
  return (row) => toKqlString(evaluate(row), type);
}

function compileBinary(node: KNode, scope: Scope): Compiled {
  const op = (child(node, "Operator").Text ?? "").toLowerCase();
  const left = compileScalar(child(node, "Left"), scope);
  const right = compileScalar(child(node, "Right"), scope);
  const type = staticType(node);
  const both = left.constant && right.constant;
  const make = (evaluate: Evaluator): Compiled =>
    both ? constant(type, evaluate([])) : { type, evaluate, constant: false };

  switch (op) {
    case "and":
    case "or":
      return make(logical(op, left.evaluate, right.evaluate));
    case "==":
    case "!=":
      return make(equality(left, right, op === "!="));
    case "<":
    case "<=":
    case ">":
    case ">=":
      return make(comparison(op, left, right));
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
      return make(arithmetic(op, numeric(left), numeric(right), type));
    case "matches regex":
      return make(matchesRegex(stringOf(left), right));
    default: {
      const operator = stringOperator(op);
      if (!operator) throw notImplemented(`operator ${op}`);
      const hay = stringOf(left);
      const needle = stringOf(right);
      if (operator.caseSensitive) return make((row) => operator.test(hay(row), needle(row)));
      if (right.constant) {
        const lowered = needle([]).toLowerCase();
        return make((row) => operator.test(hay(row).toLowerCase(), lowered));
      }
      return make((row) => operator.test(hay(row).toLowerCase(), needle(row).toLowerCase()));
    }
  }
}

/** Three-valued logic: false and null → false, true or null → true, otherwise null sticks. */
function logical(op: "and" | "or", left: Evaluator, right: Evaluator): Evaluator {
  if (op === "and") {
    return (row) => {
      const a = left(row);
      if (a === false) return false;
      const b = right(row);
      if (b === false) return false;
      return isNull(a) || isNull(b) ? null : true;
    };
  }
  return (row) => {
    const a = left(row);
    if (a === true) return true;
    const b = right(row);
    if (b === true) return true;
    return isNull(a) || isNull(b) ? null : false;
  };
}

/** Equality of two non-null values of the given static types. */
function equalsFor(leftType: KqlType, rightType: KqlType): (a: unknown, b: unknown) => boolean {
  if (leftType === "dynamic" && rightType === "dynamic") return dynamicEquals;
  if (leftType === "dynamic") return (a, b) => dynamicAsScalar(a, rightType) === b;
  if (rightType === "dynamic") return (a, b) => dynamicAsScalar(b, leftType) === a;
  return (a, b) => a === b;
}

/** == and != as Kusto defines them with nulls: null == x is false, null != x true, null vs null null. */
function equality(left: Compiled, right: Compiled, negated: boolean): Evaluator {
  const equals = equalsFor(left.type, right.type);
  const readLeft = left.evaluate;
  const readRight = right.evaluate;
  return (row) => {
    const a = readLeft(row);
    const b = readRight(row);
    const aNull = isNull(a);
    const bNull = isNull(b);
    if (aNull || bNull) return aNull && bNull ? null : negated;
    return equals(a, b) !== negated;
  };
}

function comparableReader(compiled: Compiled, otherType: KqlType): Evaluator {
  if (compiled.type !== "dynamic") return compiled.evaluate;
  const target = otherType === "dynamic" ? "real" : otherType;
  const read = compiled.evaluate;
  return (row) => dynamicAsScalar(read(row), target) ?? null;
}

function comparison(op: string, left: Compiled, right: Compiled): Evaluator {
  const a = comparableReader(left, right.type);
  const b = comparableReader(right, left.type);
  const test: (x: number | string, y: number | string) => boolean =
    op === "<" ? (x, y) => x < y : op === "<=" ? (x, y) => x <= y : op === ">" ? (x, y) => x > y : (x, y) => x >= y;
  return (row) => {
    const x = a(row);
    const y = b(row);
    if (isNull(x) || isNull(y)) return null;
    return test(x as number | string, y as number | string);
  };
}

function arithmetic(op: string, left: Compiled, right: Compiled, resultType: KqlType): Evaluator {
  const a = left.evaluate;
  const b = right.evaluate;
  const integral = resultType === "long" || resultType === "int";
  const binary = (f: (x: number, y: number) => number | null): Evaluator => {
    return (row) => {
      const x = a(row);
      const y = b(row);
      if (isNull(x) || isNull(y)) return null;
      return f(x as number, y as number);
    };
  };
  switch (op) {
    case "+":
      return binary((x, y) => x + y);
    case "-":
      return binary((x, y) => x - y);
    case "*":
      return binary((x, y) => x * y);
    case "/":
      // Integer division truncates, as in Kusto; an integer division by zero gives null.
      return integral ? binary((x, y) => (y === 0 ? null : Math.trunc(x / y))) : binary((x, y) => x / y);
    case "%":
      return integral ? binary((x, y) => (y === 0 ? null : x % y)) : binary((x, y) => x % y);
    default:
      throw notImplemented(`operator ${op}`);
  }
}

function matchesRegex(hay: (row: Row) => string, pattern: Compiled): Evaluator {
  const source = stringOf(pattern);
  if (pattern.constant) {
    const regex = compileRegex(source([]));
    return (row) => regex.test(hay(row));
  }
  return (row) => compileRegex(source(row)).test(hay(row));
}

/**
 * Values listed on the right of in / has_any: scalars, dynamic arrays (flattened) and tabular
 * subqueries (their first column), as Kusto accepts them.
 */
function compileValueList(listNode: KNode, scope: Scope): { values: (row: Row) => unknown[]; constant: boolean } {
  const parts: { read: (row: Row) => unknown[]; constant: boolean }[] = [];
  for (const item of listChild(listNode, "Expressions")) {
    if (item.ResultType?.Columns) {
      let cached: unknown[] | undefined;
      const read = (): unknown[] => {
        if (!cached) {
          const table = scope.context.evaluateTabular(item);
          const column = table.columns[0];
          cached = column ? table.rows.map((r) => toDynamic(r[0], column.type)) : [];
        }
        return cached;
      };
      parts.push({ read, constant: true });
      continue;
    }
    const compiled = compileScalar(item, scope);
    const { evaluate, type } = compiled;
    const read =
      type === "dynamic"
        ? (row: Row) => {
            const value = evaluate(row);
            return Array.isArray(value) ? value : [value];
          }
        : (row: Row) => [toDynamic(evaluate(row), type)];
    parts.push({ read, constant: compiled.constant });
  }
  const allConstant = parts.every((p) => p.constant);
  const values = (row: Row): unknown[] => parts.flatMap((p) => p.read(row));
  if (!allConstant) return { values, constant: false };
  let cached: unknown[] | undefined;
  return {
    values: (row) => {
      cached ??= values(row);
      return cached;
    },
    constant: true,
  };
}

/** The key a value compares by in `in`: numbers and strings as is, datetimes as milliseconds. */
function membershipKey(value: unknown, caseInsensitive: boolean): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string" && caseInsensitive) return value.toLowerCase();
  return value;
}

function compileIn(node: KNode, scope: Scope): Compiled {
  const op = (child(node, "Operator").Text ?? "").toLowerCase();
  const negated = op.startsWith("!");
  const caseInsensitive = op.endsWith("~");
  const left = compileScalar(child(node, "Left"), scope);
  const list = compileValueList(child(node, "Right"), scope);
  const readLeft = left.evaluate;
  const leftType = left.type;
  // datetime and timespan columns hold milliseconds; list entries of those types arrive as Date/text.
  const keyOf = (value: unknown): unknown =>
    leftType === "timespan" && typeof value === "number"
      ? toDynamic(value, "timespan")
      : membershipKey(value, caseInsensitive);
  let set: Set<unknown> | undefined;
  // `in` is an OR of == and `!in` an AND of !=, so a null left operand is never in the list.
  return {
    type: "bool",
    evaluate: (row) => {
      const value = readLeft(row);
      if (isNull(value)) return negated;
      const key = keyOf(value);
      if (list.constant) {
        set ??= new Set(list.values(row).map((v) => membershipKey(v, caseInsensitive)));
        return set.has(key) !== negated;
      }
      return list.values(row).some((v) => membershipKey(v, caseInsensitive) === key) !== negated;
    },
    constant: false,
  };
}

function compileHasAny(node: KNode, all: boolean, scope: Scope): Compiled {
  const hay = stringOf(compileScalar(child(node, "Left"), scope));
  const list = compileValueList(child(node, "Right"), scope);
  const terms = (row: Row): string[] => list.values(row).map((v) => toKqlString(v, "dynamic"));
  const test = all ? hasAllTerms : hasAnyTerm;
  if (list.constant) {
    let cached: string[] | undefined;
    return {
      type: "bool",
      evaluate: (row) => {
        cached ??= terms(row);
        return test(hay(row), cached);
      },
      constant: false,
    };
  }
  return { type: "bool", evaluate: (row) => test(hay(row), terms(row)), constant: false };
}

function compileBetween(node: KNode, negated: boolean, scope: Scope): Compiled {
  const left = compileScalar(child(node, "Left"), scope);
  const range = child(node, "Right");
  const low = compileScalar(child(range, "First"), scope);
  const high = compileScalar(child(range, "Second"), scope);
  if (left.type === "dynamic" || low.type === "dynamic" || high.type === "dynamic") {
    throw notImplemented("between on dynamic values");
  }
  if (!isNumericType(left.type) && left.type !== "datetime" && left.type !== "timespan") {
    throw new KqlError("SemanticError", `between is not defined for ${left.type}`);
  }
  // datetime between (start .. 1h) means start .. start + 1h.
  const highIsSpan = left.type === "datetime" && high.type === "timespan";
  const x = left.evaluate;
  const lo = low.evaluate;
  const hi = high.evaluate;
  return {
    type: "bool",
    evaluate: (row) => {
      const value = x(row) as number | null;
      const from = lo(row) as number | null;
      const to = hi(row) as number | null;
      if (isNull(value) || isNull(from) || isNull(to)) return null;
      const upper = highIsSpan ? (from as number) + (to as number) : (to as number);
      const inside = (value as number) >= (from as number) && (value as number) <= upper;
      return inside !== negated;
    },
    constant: false,
  };
}
