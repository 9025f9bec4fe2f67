import { describe, expect, it } from "vitest";
import { kusto } from "../../../shared/fakes/kql/kusto.js";
import { schemaTables } from "../../../shared/fakes/kql/language-service.js";
import { kqlString, kqlStringList } from "../../../shared/fakes/kql/literal.js";
import { resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import { run, scalar } from "./helpers.js";

// Strings that try to end the literal early, start comments, pipe into new operators or break lines.
const hostile = [
  "",
  "plain",
  "it's",
  'say "hi"',
  "a'b\"c",
  "x' | take 1 | where '1' == '1",
  'x" | project secret //',
  "line1\nline2",
  "carriage\r\nreturn",
  "tab\there",
  "back\\slash",
  "trailing\\",
  "\\'",
  '\\"',
  "// comment",
  "/* block */",
  "@'verbatim'",
  "h'hidden'",
  "```triple```",
  "\u0000nul\u0001\u001f\u007f",
  "\u2028\u2029\u0085",
  "emoji 😀 and ümlaut",
  "lone \ud800 surrogate",
  "{ 'json': [1, 2] }",
  "; let x = 1;",
  "$left.a == $right.b",
];

/** Parses `print x = <literal>` and returns the literal nodes the parser sees. */
function literalsIn(literal: string): { count: number; value: unknown; diagnostics: number } {
  const api = kusto();
  const code = api.parseAndAnalyze(`print x = ${literal}`, api.globalsFor(schemaTables(resourceGraphSchema)));
  let count = 0;
  let value: unknown;
  const visit = (node: ReturnType<typeof api.parseAndAnalyze>["Syntax"]): void => {
    const kind = api.kindName(node);
    if (kind === "StringLiteralExpression") {
      count++;
      value = node.LiteralValue;
    }
    for (let i = 0; i < node.ChildCount; i++) {
      const childNode = node.GetChild(i);
      if (childNode && !childNode.IsToken) visit(childNode);
    }
  };
  visit(code.Syntax);
  return { count, value, diagnostics: code.GetDiagnostics().Count };
}

describe("kqlString", () => {
  it.each(hostile.map((s) => [JSON.stringify(s), s]))("round-trips %s as exactly one literal", (_, value) => {
    const literal = kqlString(value);
    const parsed = literalsIn(literal);
    expect(parsed).toEqual({ count: 1, value, diagnostics: 0 });
  });

  it("evaluates hostile literals as data inside a query", () => {
    for (const value of hostile) expect(scalar(kqlString(value))).toBe(value);
    const rows = run(`Items | where name == ${kqlString("a' or '1' == '1")} | count`).rows;
    expect(rows).toEqual([[0]]);
  });

  it("uses only the documented escapes for common characters", () => {
    expect(kqlString('a"b\\c\nd\te\rf')).toBe('"a\\"b\\\\c\\nd\\te\\rf"');
    expect(kqlString("it's")).toBe('"it\'s"');
  });
});

describe("kqlStringList", () => {
  it("builds in (...) and dynamic([...]) lists that keep every value intact", () => {
    const values = ["a", "it's", 'q"uote', "x) | take 1 | where ('"];
    expect(scalar(`dynamic([${kqlStringList(values)}])`)).toEqual(values);
    expect(scalar(`"it's" in (${kqlStringList(values)})`)).toBe(true);
    expect(scalar(`"take" in (${kqlStringList(values)})`)).toBe(false);
  });

  it("gives an empty string for no values (valid in dynamic([]))", () => {
    expect(kqlStringList([])).toBe("");
    expect(scalar(`dynamic([${kqlStringList([])}])`)).toEqual([]);
  });
});
