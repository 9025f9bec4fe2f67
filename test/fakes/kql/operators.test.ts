import { describe, expect, it } from "vitest";
import type { KqlTableData } from "../../../shared/fakes/kql/types.js";
import { at, query, run, schemaOf } from "./helpers.js";

// Tabular operators, each on a small table with concrete expected output.

const left: KqlTableData = {
  columns: { Key: "string", Value1: "long" },
  rows: [
    { Key: "a", Value1: 1 },
    { Key: "b", Value1: 2 },
    { Key: "b", Value1: 3 },
    { Key: "c", Value1: 4 },
  ],
};
const right: KqlTableData = {
  columns: { Key: "string", Value2: "long" },
  rows: [
    { Key: "b", Value2: 10 },
    { Key: "c", Value2: 20 },
    { Key: "c", Value2: 30 },
    { Key: "d", Value2: 40 },
  ],
};
const joinTables = { X: left, Y: right };

describe("where", () => {
  it.each([
    ["Items | where n > 1 | project name", [{ name: "a" }, { name: "d" }]],
    ["Items | where flag | project name", [{ name: "a" }, { name: "d" }]],
    ["Items | where not(flag) | project name", [{ name: "b" }]],
    ["Items | where isnull(n) | project name", [{ name: "c" }]],
    ["Items | where tags.env == 'prod' | project name", [{ name: "a" }, { name: "d" }]],
    ["Items | where name in ('a', 'c') and r > 1 | project name", [{ name: "c" }, { name: "a" }].reverse()],
    ["Items | filter n < 3 | project name", [{ name: "b" }, { name: "d" }]],
  ])("%s", (text, expected) => {
    expect(query(text)).toEqual(expected);
  });
});

describe("extend", () => {
  it("adds named columns computed from the input row", () => {
    const result = run("Items | where name == 'a' | extend twice = n * 2, n = n + 1, also = n * 10");
    expect(schemaOf(result).slice(-2)).toEqual(["twice:long", "also:long"]);
    // n is replaced in place; `also` still sees the input n, as the binder rules.
    expect(result.rows[0]).toEqual(["a", 4, 1.5, true, { env: "prod", team: "x" }, 6, 30]);
  });

  it("does not let an expression use a column the same extend defines", () => {
    expect(() => run("Items | extend twice = n * 2, quad = twice * 2")).toThrow(/'twice' does not refer/);
  });

  it("replaces an existing column in place, with its new type", () => {
    const result = run("Items | where name == 'b' | extend n = tostring(n)");
    expect(schemaOf(result)).toEqual(["name:string", "n:string", "r:real", "flag:bool", "tags:dynamic"]);
    expect(result.rows[0]?.[1]).toBe("1");
  });

  it("names unnamed expressions as Kusto does", () => {
    const result = run("Items | where name == 'a' | extend toupper(name), tags.env, tags['team']");
    expect(schemaOf(result).slice(-3)).toEqual(["Column1:string", "tags_env:dynamic", "tags_team:dynamic"]);
    expect(result.rows[0]?.slice(-3)).toEqual(["A", "prod", "x"]);
  });
});

describe("project, project-away, project-keep, project-rename", () => {
  it.each([
    ["Items | where name == 'a' | project name, twice = n * 2, r", [{ name: "a", twice: 6, r: 1.5 }]],
    ["Items | where name == 'a' | project renamed = name", [{ renamed: "a" }]],
    ["Items | where name == 'a' | project strcat(name, '!')", [{ Column1: "a!" }]],
    ["Items | where name == 'a' | project-away tags, flag, r", [{ name: "a", n: 3 }]],
    ["Items | where name == 'a' | project-away t*, f*, r", [{ name: "a", n: 3 }]],
    ["Items | where name == 'a' | project-keep n*, r", [{ name: "a", n: 3, r: 1.5 }]],
    [
      "Items | where name == 'a' | project-rename label = name, count = n | project label, count",
      [{ label: "a", count: 3 }],
    ],
  ])("%s", (text, expected) => {
    expect(query(text)).toEqual(expected);
  });

  it("keeps the column order of project", () => {
    expect(schemaOf(run("Items | project r, name"))).toEqual(["r:real", "name:string"]);
  });
});

describe("summarize", () => {
  it("names unnamed aggregates with Kusto's defaults", () => {
    const result = run("Nodes | summarize count(), dcount(Computer), max(TimeGenerated), countif(Status == 'Ready')");
    expect(schemaOf(result)).toEqual([
      "count_:long",
      "dcount_Computer:long",
      "max_TimeGenerated:datetime",
      "countif_:long",
    ]);
    expect(result.rows).toEqual([[4, 3, at("2024-05-15T10:40:00Z"), 3]]);
  });

  it("groups by expressions and bin() with named outputs", () => {
    const result = run(
      "Nodes | summarize nodes = dcount(Computer), samples = count() by ClusterId, hour = bin(TimeGenerated, 1h) | order by ClusterId asc, hour asc",
    );
    expect(schemaOf(result)).toEqual(["ClusterId:string", "hour:datetime", "nodes:long", "samples:long"]);
    expect(result.rows).toEqual([
      ["c1", at("2024-05-15T09:00:00Z"), 1, 1],
      ["c1", at("2024-05-15T10:00:00Z"), 2, 2],
      ["c2", at("2024-05-15T10:00:00Z"), 1, 1],
    ]);
  });

  it("names by-expressions after their column (bin) or Column1", () => {
    const result = run("Nodes | summarize count() by bin(TimeGenerated, 1d), tolower(ClusterId)");
    expect(schemaOf(result)).toEqual(["TimeGenerated:datetime", "Column1:string", "count_:long"]);
  });

  it("computes expressions over aggregates", () => {
    expect(query("Items | summarize ratio = round(1.0 * countif(flag) / count(), 2), top = max(n) + 1")).toEqual([
      { ratio: 0.5, top: 4 },
    ]);
  });

  it("supports summarize by only (distinct groups)", () => {
    expect(query("Nodes | summarize by ClusterId | order by ClusterId asc")).toEqual([
      { ClusterId: "c1" },
      { ClusterId: "c2" },
    ]);
  });

  it("returns one row of defaults for empty input without by, and no rows with by", () => {
    const empty = "Items | where name == 'zzz'";
    expect(query(`${empty} | summarize count(), sum(n), dcount(name), make_set(name), max(n)`)).toEqual([
      { count_: 0, sum_n: 0, dcount_name: 0, set_name: [], max_n: null },
    ]);
    expect(query(`${empty} | summarize count() by name`)).toEqual([]);
  });
});

describe("order by, sort by, top, take, limit", () => {
  it.each([
    ["Items | order by n asc | project name", ["c", "b", "d", "a"]],
    ["Items | order by n desc | project name", ["a", "d", "b", "c"]],
    ["Items | sort by n | project name", ["a", "d", "b", "c"]],
    ["Items | order by n asc nulls last | project name", ["b", "d", "a", "c"]],
    ["Items | order by n desc nulls first | project name", ["c", "a", "d", "b"]],
    ["Items | order by flag asc, name desc | project name", ["c", "b", "d", "a"]],
    ["Items | order by name asc | project name", ["a", "b", "c", "d"]],
    ["Items | top 2 by n | project name", ["a", "d"]],
    ["Items | top 2 by r asc | project name", ["b", "d"]],
    ["Items | take 2 | project name", ["a", "b"]],
    ["Items | limit 1 | project name", ["a"]],
  ])("%s", (text, expected) => {
    expect(query(text).map((r) => r.name)).toEqual(expected);
  });

  it("sorts strings case-sensitively and ordinally", () => {
    const words: KqlTableData = { columns: { w: "string" }, rows: [{ w: "b" }, { w: "B" }, { w: "a" }, { w: "A" }] };
    expect(query("W | order by w asc", { W: words }).map((r) => r.w)).toEqual(["A", "B", "a", "b"]);
  });
});

describe("distinct and count", () => {
  it.each([
    ["Nodes | distinct ClusterId | order by ClusterId asc", [{ ClusterId: "c1" }, { ClusterId: "c2" }]],
    [
      "Nodes | distinct ClusterId, Status | order by ClusterId asc, Status asc",
      [
        { ClusterId: "c1", Status: "NotReady" },
        { ClusterId: "c1", Status: "Ready" },
        { ClusterId: "c2", Status: "Ready" },
      ],
    ],
    ["Nodes | count", [{ Count: 4 }]],
    ["Nodes | count as N", [{ N: 4 }]],
    ["Nodes | where Status == 'Ready' | count", [{ Count: 3 }]],
  ])("%s", (text, expected) => {
    expect(query(text)).toEqual(expected);
  });

  it("distinct * keeps whole distinct rows", () => {
    expect(query("Nodes | project ClusterId | distinct *")).toHaveLength(2);
  });
});

describe("join", () => {
  const cases: [kind: string, expected: unknown[][]][] = [
    // innerunique (the default) keeps the first left row of each key.
    [
      "",
      [
        ["b", 2, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
      ],
    ],
    [
      "kind=innerunique",
      [
        ["b", 2, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
      ],
    ],
    [
      "kind=inner",
      [
        ["b", 2, "b", 10],
        ["b", 3, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
      ],
    ],
    [
      "kind=leftouter",
      [
        ["a", 1, "", null],
        ["b", 2, "b", 10],
        ["b", 3, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
      ],
    ],
    [
      "kind=rightouter",
      [
        ["b", 2, "b", 10],
        ["b", 3, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
        ["", null, "d", 40],
      ],
    ],
    [
      "kind=fullouter",
      [
        ["a", 1, "", null],
        ["b", 2, "b", 10],
        ["b", 3, "b", 10],
        ["c", 4, "c", 20],
        ["c", 4, "c", 30],
        ["", null, "d", 40],
      ],
    ],
    [
      "kind=leftsemi",
      [
        ["b", 2],
        ["b", 3],
        ["c", 4],
      ],
    ],
    ["kind=leftanti", [["a", 1]]],
    [
      "kind=rightsemi",
      [
        ["b", 10],
        ["c", 20],
        ["c", 30],
      ],
    ],
    ["kind=rightanti", [["d", 40]]],
  ];

  it.each(cases)("join %s", (kind, expected) => {
    const result = run(`X | join ${kind} Y on Key`, joinTables);
    expect(result.rows).toEqual(expected);
  });

  it("suffixes clashing right columns with 1, as Kusto does", () => {
    expect(schemaOf(run("X | join kind=inner Y on Key", joinTables))).toEqual([
      "Key:string",
      "Value1:long",
      "Key1:string",
      "Value2:long",
    ]);
  });

  it("joins on $left.a == $right.b and keeps both key columns", () => {
    const result = run(
      "X | join kind=inner (Y | project K2 = Key, Value2) on $left.Key == $right.K2 | where Value1 == 2",
      joinTables,
    );
    expect(schemaOf(result)).toEqual(["Key:string", "Value1:long", "K2:string", "Value2:long"]);
    expect(result.rows).toEqual([["b", 2, "b", 10]]);
  });

  it("joins on several keys", () => {
    const result = run(
      "X | extend k2 = Value1 % 2 | join kind=inner (Y | extend k2 = Value2 % 20 / 10) on Key, k2",
      joinTables,
    );
    expect(result.rows.map((r) => [r[0], r[1], r[4]])).toEqual([
      ["b", 3, 10],
      ["c", 4, 20],
    ]);
  });
});

describe("lookup", () => {
  it("adds the right columns except the key, keeping unmatched left rows", () => {
    const result = run("X | lookup (Y | summarize Value2 = max(Value2) by Key) on Key", joinTables);
    expect(schemaOf(result)).toEqual(["Key:string", "Value1:long", "Value2:long"]);
    expect(result.rows).toEqual([
      ["a", 1, null],
      ["b", 2, 10],
      ["b", 3, 10],
      ["c", 4, 30],
    ]);
  });
});

describe("union", () => {
  it("unions by column name, filling missing columns", () => {
    const result = run("X | union Y", joinTables);
    expect(schemaOf(result)).toEqual(["Key:string", "Value1:long", "Value2:long"]);
    expect(result.rows).toHaveLength(8);
    expect(result.rows[4]).toEqual(["b", null, 10]);
  });

  it("supports withsource=", () => {
    expect(schemaOf(run("union withsource=Source X, Y", joinTables))).toEqual([
      "Source:string",
      "Key:string",
      "Value1:long",
      "Value2:long",
    ]);
    expect(run("union withsource=Source X, Y | summarize count() by Source", joinTables).rows).toEqual([
      ["X", 4],
      ["Y", 4],
    ]);
  });

  it("refuses kind=inner, whose schema the language service does not model", () => {
    expect(() => run("union kind=inner X, Y", joinTables)).toThrow(/union kind=inner is not implemented/);
  });
});

describe("mv-expand", () => {
  const bags: KqlTableData = {
    columns: { a: "long", b: "dynamic", c: "dynamic" },
    rows: [
      { a: 1, b: [10, 20], c: ["x"] },
      { a: 2, b: { p: "v", q: "w" }, c: [] },
      { a: 3, b: [], c: [] },
      { a: 4, b: null, c: null },
    ],
  };
  const data = { B: bags };

  it.each([
    [
      "B | mv-expand b | project a, b",
      [
        [1, 10],
        [1, 20],
        [2, { p: "v" }],
        [2, { q: "w" }],
        [4, null],
      ],
    ],
    [
      "B | mv-expand kind=array b | where a == 2 | project a, b",
      [
        [2, ["p", "v"]],
        [2, ["q", "w"]],
      ],
    ],
    [
      "B | where a == 1 | mv-expand b, c | project a, b, c",
      [
        [1, 10, "x"],
        [1, 20, null],
      ],
    ],
    [
      "B | where a == 1 | mv-expand with_itemindex=i v = b to typeof(long) | project a, v, i",
      [
        [1, 10, 0],
        [1, 20, 1],
      ],
    ],
    ["B | where a == 1 | mv-expand b limit 1 | project a, b", [[1, 10]]],
  ])("%s", (text, expected) => {
    expect(run(text, data).rows).toEqual(expected);
  });

  it("types to typeof() columns and keeps them in place", () => {
    expect(schemaOf(run("B | mv-expand b to typeof(long)", data))).toEqual(["a:long", "b:long", "c:dynamic"]);
  });
});

describe("getschema, print, range, datatable", () => {
  it("getschema lists columns with their types", () => {
    expect(run("Items | getschema").rows).toEqual([
      ["name", 0, "System.String", "string"],
      ["n", 1, "System.Int64", "long"],
      ["r", 2, "System.Double", "real"],
      ["flag", 3, "System.SByte", "bool"],
      ["tags", 4, "System.Object", "dynamic"],
    ]);
  });

  it("print names unnamed columns print_0, print_1", () => {
    expect(query("print 1, s = 'x', 2.5")).toEqual([{ print_0: 1, s: "x", print_2: 2.5 }]);
  });

  it("range generates a sequence", () => {
    expect(run("range x from 1 to 7 step 3").rows).toEqual([[1], [4], [7]]);
  });

  it("datatable builds an inline table", () => {
    const result = run("datatable(k: string, v: long, d: dynamic)['a', 1, dynamic({'x': 1}), 'b', 2, dynamic(null)]");
    expect(schemaOf(result)).toEqual(["k:string", "v:long", "d:dynamic"]);
    expect(result.rows).toEqual([
      ["a", 1, { x: 1 }],
      ["b", 2, null],
    ]);
  });
});

describe("statements", () => {
  it("binds scalar, dynamic and tabular lets", () => {
    const text = `
      let threshold = 1;            // a scalar
      let wanted = dynamic(['a', 'b', 'd']);
      let big = Items | where n > threshold;
      big | where name in (wanted) | project name`;
    expect(query(text)).toEqual([{ name: "a" }, { name: "d" }]);
  });

  it("binds toscalar() and subqueries in in()", () => {
    expect(query("let top1 = toscalar(Items | summarize max(n)); Items | where n == top1 | project name")).toEqual([
      { name: "a" },
    ]);
    expect(query("Items | where name in ((Items | where flag | project name)) | project name")).toEqual([
      { name: "a" },
      { name: "d" },
    ]);
  });

  it("binds declared query parameters from options and defaults", () => {
    const text =
      "declare query_parameters(minimum:long = 2, who:string = 'x'); Items | where n >= minimum | project name";
    expect(query(text)).toEqual([{ name: "a" }, { name: "d" }]);
  });

  it("rejects redeclaring a let name, as Kusto does", () => {
    expect(() => run("let m = 2; let m = 100; Items")).toThrow(/'m' has already been declared/);
  });

  it("column_ifexists() falls back when the column is missing", () => {
    expect(
      query("Items | where name == 'a' | project v = column_ifexists('n', 0), w = column_ifexists('nope', 7)"),
    ).toEqual([{ v: 3, w: 7 }]);
  });

  it("ignores comments", () => {
    expect(query("Items // all of them\n| where name == 'a' // just a\n| project name")).toEqual([{ name: "a" }]);
  });
});
