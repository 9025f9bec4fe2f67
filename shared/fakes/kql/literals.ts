import { internalError, notImplemented } from "./errors.js";
import { child, type KNode, kusto, listChild, optionalChild, staticType } from "./kusto.js";
import { MS_PER_DAY, parseDateTimeText, parseGuidText, parseTimespanText, toDynamic } from "./values.js";

// Literal values are decoded from the token text: the parser's own LiteralValue is unreliable for some
// forms in the JavaScript build (time(1.02:03:04) and 0x1f read as 0), except for strings, where it is
// exactly the decoded value and is what we want to trust.

const WRAPPED = /^([a-z]+)\s*\(\s*([\s\S]*?)\s*\)$/i;

function unwrap(text: string): string {
  const m = WRAPPED.exec(text.trim());
  return m ? (m[2] ?? "") : text.trim();
}

const isNullText = (text: string): boolean => text.toLowerCase() === "null";

function parseNumber(text: string, what: string): number {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (Number.isNaN(value)) throw notImplemented(`${what} literal ${text}`);
  return value;
}

const tokenText = (node: KNode): string => {
  const token = optionalChild(node, "Token");
  return token?.Text ?? "";
};

/** The internal value of a literal expression node of the given syntax kind. */
export function literalValue(node: KNode, kind: string): unknown {
  switch (kind) {
    case "StringLiteralExpression":
    case "CompoundStringLiteralExpression": {
      if (typeof node.LiteralValue !== "string") throw internalError("string literal without a value");
      return node.LiteralValue;
    }
    case "BooleanLiteralExpression": {
      const inner = unwrap(tokenText(node)).toLowerCase();
      if (inner === "null") return null;
      if (inner === "true") return true;
      if (inner === "false") return false;
      throw notImplemented(`bool literal ${tokenText(node)}`);
    }
    case "IntLiteralExpression":
    case "LongLiteralExpression":
    case "RealLiteralExpression":
    case "DecimalLiteralExpression": {
      const inner = unwrap(tokenText(node));
      return isNullText(inner) ? null : parseNumber(inner, kind);
    }
    case "DateTimeLiteralExpression": {
      const inner = unwrap(tokenText(node));
      if (isNullText(inner)) return null;
      const ms = parseDateTimeText(inner);
      if (ms === null) throw notImplemented(`datetime literal format ${tokenText(node)}`);
      return ms;
    }
    case "TimespanLiteralExpression": {
      const text = tokenText(node).trim();
      const inner = unwrap(text);
      if (isNullText(inner)) return null;
      // time(2) means two days.
      const ms =
        /^[+-]?\d+(\.\d+)?$/.test(inner) && inner !== text ? Number(inner) * MS_PER_DAY : parseTimespanText(inner);
      if (ms === null) throw notImplemented(`timespan literal format ${text}`);
      return ms;
    }
    case "GuidLiteralExpression": {
      const inner = unwrap(tokenText(node));
      if (isNullText(inner)) return null;
      const guid = parseGuidText(inner);
      if (guid === null) throw notImplemented(`guid literal ${tokenText(node)}`);
      return guid;
    }
    case "NullLiteralExpression":
      return null;
    default:
      throw notImplemented(`literal ${kind}`);
  }
}

export const LITERAL_KINDS = new Set([
  "StringLiteralExpression",
  "CompoundStringLiteralExpression",
  "BooleanLiteralExpression",
  "IntLiteralExpression",
  "LongLiteralExpression",
  "RealLiteralExpression",
  "DecimalLiteralExpression",
  "DateTimeLiteralExpression",
  "TimespanLiteralExpression",
  "GuidLiteralExpression",
  "NullLiteralExpression",
]);

/** The value of a dynamic(...) literal: JSON-like syntax whose leaves are KQL literals. */
export function dynamicLiteral(node: KNode): unknown {
  const api = kusto();
  const kind = api.kindName(node);
  switch (kind) {
    case "DynamicExpression":
      return dynamicLiteral(child(node, "Expression"));
    case "JsonObjectExpression": {
      const bag: Record<string, unknown> = {};
      for (const pair of listChild(node, "Pairs")) {
        const name = child(pair, "Name").ValueText ?? "";
        bag[name] = dynamicLiteral(child(pair, "Value"));
      }
      return bag;
    }
    case "JsonArrayExpression":
      return listChild(node, "Values").map(dynamicLiteral);
    case "UnaryMinusExpression": {
      const value = dynamicLiteral(child(node, "Expression"));
      if (typeof value !== "number") throw notImplemented("negation of a non-number in a dynamic literal");
      return -value;
    }
    case "UnaryPlusExpression":
      return dynamicLiteral(child(node, "Expression"));
    default:
      if (!LITERAL_KINDS.has(kind)) throw notImplemented(`${kind} inside dynamic()`);
      return kind === "NullLiteralExpression" ? null : toDynamic(literalValue(node, kind), staticType(node));
  }
}
