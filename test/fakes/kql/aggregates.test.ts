import { describe, expect, it } from "vitest";
import type { KqlTableData } from "../../../shared/fakes/kql/types.js";
import { at, query, run, schemaOf } from "./helpers.js";

// Aggregation functions over a small table with nulls and duplicates.
const samples: KqlTableData = {
  columns: { g: "string", v: "long", x: "real", s: "string", t: "datetime", d: "dynamic" },
  rows: [
    { g: "a", v: 1, x: 1.5, s: "p", t: at("2024-01-01T00:00:00Z"), d: { k1: 1 } },
    { g: "a", v: 3, x: null, s: "q", t: at("2024-01-03T00:00:00Z"), d: ["m", "n"] },
    { g: "a", v: null, x: 2.5, s: "p", t: at("2024-01-02T00:00:00Z"), d: { k2: 2 } },
    { g: "b", v: 5, x: 4, s: "r", t: null, d: null },
  ],
};
const data = { S: samples };

const one = (aggregate: string, by = ""): unknown[] =>
  run(`S | summarize r = ${aggregate}${by ? ` by ${by}` : ""}`, data).rows.map((r) => r.at(-1));

describe("aggregates", () => {
  it.each([
    ["count()", [4]],
    ["countif(v > 1)", [2]],
    ["dcount(s)", [3]],
    ["dcount(v)", [3]],
    ["dcountif(s, g == 'a')", [2]],
    ["count_distinct(g)", [2]],
    ["sum(v)", [9]],
    ["sumif(v, g == 'a')", [4]],
    ["sum(x)", [8]],
    ["min(v)", [1]],
    ["max(v)", [5]],
    ["max(t)", [at("2024-01-03T00:00:00Z")]],
    ["min(s)", ["p"]],
    ["max(s)", ["r"]],
    ["minif(v, g == 'b')", [5]],
    ["maxif(x, g == 'a')", [2.5]],
    ["avg(v)", [3]],
    ["avg(x)", [8 / 3]],
    ["avgif(v, g == 'a')", [2]],
    ["make_list(v)", [[1, 3, 5]]],
    ["make_list_if(s, g == 'a')", [["p", "q", "p"]]],
    ["make_set(s)", [["p", "q", "r"]]],
    ["make_set(d)", [[{ k1: 1 }, "m", "n", { k2: 2 }]]],
    ["make_set(g, 1)", [["a"]]],
    ["make_set_if(v, v > 1)", [[3, 5]]],
    ["make_bag(d)", [{ k1: 1, k2: 2 }]],
    ["make_bag_if(d, v == 1)", [{ k1: 1 }]],
    ["count_distinctif(s, v > 1)", [2]],
    ["take_anyif(s, g == 'b')", ["r"]],
    ["anyif(v, v > 3)", [5]],
    ["makeset(g)", [["a", "b"]]],
    ["makelist(g)", [["a", "a", "a", "b"]]],
    ["make_list_with_nulls(v)", [[1, 3, null, 5]]],
    ["make_dictionary(d)", [{ k1: 1, k2: 2 }]],
    ["make_list(t)", [[at("2024-01-01T00:00:00Z"), at("2024-01-03T00:00:00Z"), at("2024-01-02T00:00:00Z")]]],
  ])("%s", (aggregate, expected) => {
    const values = one(aggregate);
    if (typeof expected[0] === "number" && !Number.isInteger(expected[0])) {
      expect(values[0]).toBeCloseTo(expected[0], 10);
    } else {
      expect(values).toEqual(expected);
    }
  });

  it("aggregates per group", () => {
    expect(query("S | summarize n = count(), total = sum(v), any_s = take_any(s) by g | order by g asc", data)).toEqual(
      [
        { g: "a", n: 3, total: 4, any_s: "p" },
        { g: "b", n: 1, total: 5, any_s: "r" },
      ],
    );
  });

  it("avg of nothing is NaN and take_any of nothing null", () => {
    expect(query("S | where g == 'zzz' | summarize avg(v), take_any(v), any(v)", data)).toEqual([
      { avg_v: Number.NaN, v: null, any_v: null },
    ]);
  });

  it("arg_max(expr, *) returns the whole row of the max, columns in table order", () => {
    const result = run("S | summarize arg_max(t, *) by g | order by g asc", data);
    expect(schemaOf(result)).toEqual(["g:string", "t:datetime", "v:long", "x:real", "s:string", "d:dynamic"]);
    expect(result.rows[0]).toEqual(["a", at("2024-01-03T00:00:00Z"), 3, null, "q", ["m", "n"]]);
    // A group whose every t is null has no max row: its columns are null (strings empty).
    expect(result.rows[1]).toEqual(["b", null, null, null, "", null]);
  });

  it("arg_max / arg_min with named columns", () => {
    expect(query("S | summarize arg_max(v, s, t) by g | order by g asc", data)).toEqual([
      { g: "a", v: 3, s: "q", t: at("2024-01-03T00:00:00Z") },
      { g: "b", v: 5, s: "r", t: null },
    ]);
    expect(query("S | summarize arg_min(x, s)", data)).toEqual([{ x: 1.5, s: "p" }]);
  });

  it("take_any(*) returns one whole row", () => {
    const result = run("S | where g == 'b' | summarize take_any(*)", data);
    expect(schemaOf(result)).toEqual(["g:string", "v:long", "x:real", "s:string", "t:datetime", "d:dynamic"]);
    expect(result.rows).toEqual([["b", 5, 4, "r", null, null]]);
  });

  it("refuses percentile(), which it does not model", () => {
    expect(() => run("S | summarize percentile(v, 50)", data)).toThrow(/percentile\(\) is not implemented/);
  });
});
