import { describe, expect, it } from "vitest";
import type { KqlTableData } from "../../../shared/fakes/kql/types.js";
import { at, NOW, query, run, scalar, schemaOf } from "./helpers.js";

// The KQL rules that a naive interpreter gets wrong, one test each.

describe("KQL semantics", () => {
  it("== on strings is case-sensitive; =~ is not", () => {
    expect(scalar("'Ready' == 'ready'")).toBe(false);
    expect(scalar("'Ready' =~ 'ready'")).toBe(true);
    expect(query("Nodes | where Status == 'ready' | count")).toEqual([{ Count: 0 }]);
    expect(query("Nodes | where Status =~ 'ready' | count")).toEqual([{ Count: 3 }]);
  });

  it("has matches whole terms, case-insensitively", () => {
    expect(scalar("'kubernetes.azure.com/agentpool' has 'AZURE'")).toBe(true);
    expect(scalar("'kubernetes.azure.com/agentpool' has 'agent'")).toBe(false);
    expect(scalar("'kubernetes.azure.com/agentpool' contains 'agent'")).toBe(true);
    expect(scalar("'gpu-node-1' has 'node-1'")).toBe(true);
  });

  it("nulls propagate through operators, and where drops null and false", () => {
    expect(scalar("int(null) > 1")).toBeNull();
    expect(scalar("int(null) + 1")).toBeNull();
    expect(scalar("int(null) == 1")).toBe(false);
    expect(scalar("int(null) != 1")).toBe(true);
    expect(scalar("int(null) == int(null)")).toBeNull();
    expect(query("Items | where n > 1 or flag | project name")).toEqual([{ name: "a" }, { name: "d" }]);
    // null != 5 is true, so the null row stays.
    expect(query("Items | where n != 3 | project name")).toEqual([{ name: "b" }, { name: "c" }, { name: "d" }]);
  });

  it("member access on a JSON string column is a bind error: it needs parse_json", () => {
    expect(() => run("Nodes | extend p = Labels[0].pool")).toThrow(expect.objectContaining({ code: "SemanticError" }));
    expect(() => run("Nodes | where Labels.pool == 'gpu'")).toThrow(expect.objectContaining({ code: "SemanticError" }));
    expect(query("Nodes | extend p = tostring(parse_json(Labels)[0].pool) | distinct p | order by p asc")).toEqual([
      { p: "" },
      { p: "gpu" },
      { p: "sys" },
    ]);
  });

  it("tostring(dynamic) gives JSON text for bags and arrays and the raw text for strings", () => {
    expect(scalar("tostring(dynamic({'a': 'b'}))")).toBe('{"a":"b"}');
    expect(scalar("tostring(dynamic([1, 'x']))")).toBe('[1,"x"]');
    expect(scalar("tostring(dynamic('plain'))")).toBe("plain");
    expect(scalar("tostring(parse_json('\"quoted\"'))")).toBe("quoted");
  });

  it("bin(datetime, 1h) floors to the hour in UTC", () => {
    expect(scalar("bin(datetime(2024-05-15T10:59:59.999Z), 1h)")).toEqual(at("2024-05-15T10:00:00Z"));
    expect(scalar("bin(datetime(2024-05-15T23:30:00+02:00), 1h)")).toEqual(at("2024-05-15T21:00:00Z"));
  });

  it("bins datetimes from 0001-01-01, as Kusto's ticks do (7d bins start on Mondays)", () => {
    expect(scalar("bin(datetime(2024-05-15), 7d)")).toEqual(at("2024-05-13T00:00:00Z"));
  });

  it("dcount is exact on small data", () => {
    expect(query("Nodes | summarize dcount(Computer)")).toEqual([{ dcount_Computer: 3 }]);
  });

  it("arg_max(TimeGenerated, *) returns the latest row with columns in table order", () => {
    const result = run("Nodes | summarize arg_max(TimeGenerated, *) by Computer | where Computer == 'gpu-1'");
    expect(schemaOf(result)).toEqual([
      "Computer:string",
      "TimeGenerated:datetime",
      "ClusterId:string",
      "Labels:string",
      "Status:string",
    ]);
    expect(result.rows).toEqual([["gpu-1", at("2024-05-15T10:10:00Z"), "c1", '[{"pool":"gpu"}]', "NotReady"]]);
  });

  it("summarize with no rows and no by returns one row, count() = 0", () => {
    expect(query("Nodes | where false | summarize count()")).toEqual([{ count_: 0 }]);
  });

  it("carries datetimes as Date in and out, longs as numbers, dynamics as JS values, timespans in ms", () => {
    const result = run("Nodes | take 1 | project TimeGenerated, n = 5, span = 90s, bag = pack('k', TimeGenerated)");
    const row = result.rows[0] ?? [];
    expect(row[0]).toBeInstanceOf(Date);
    expect(row[1]).toBe(5);
    expect(row[2]).toBe(90_000);
    expect(row[3]).toEqual({ k: at("2024-05-15T09:10:00Z") });
  });

  it("accepts ISO strings for datetime input columns", () => {
    const table: KqlTableData = { columns: { t: "datetime" }, rows: [{ t: "2024-05-15T10:00:00Z" }] };
    expect(run("T | where t > ago(1d)", { T: table }).rows).toEqual([[at("2024-05-15T10:00:00Z")]]);
  });

  it("strings are never null: a missing string cell is empty", () => {
    const table: KqlTableData = { columns: { s: "string", n: "long" }, rows: [{ n: 1 }] };
    expect(query("T | project s, e = isempty(s), nul = isnull(s)", { T: table })).toEqual([
      { s: "", e: true, nul: false },
    ]);
  });

  it("now() and ago() use the query clock", () => {
    expect(scalar("now()")).toEqual(NOW);
    expect(query("Nodes | where TimeGenerated > ago(2h) | count")).toEqual([{ Count: 3 }]);
  });

  it("integer division truncates; real division does not", () => {
    expect(scalar("5 / 2")).toBe(2);
    expect(scalar("5 / 2.0")).toBe(2.5);
    expect(scalar("1 / 0")).toBeNull();
  });

  it("keeps strings that look like JSON apart from the structures they spell", () => {
    expect(scalar("array_length(set_union(dynamic(['[1]', '\\u0000j[1]']), dynamic([[1]])))")).toBe(3);
    const table: KqlTableData = { columns: { d: "dynamic" }, rows: [{ d: "[1]" }, { d: [1] }, { d: "\u0000j[1]" }] };
    // make_set() adds the elements of an array value.
    expect(run("T | summarize dcount(d), make_set(d)", { T: table }).rows).toEqual([[3, ["[1]", 1, "\u0000j[1]"]]]);
  });

  it("outer joins fill unmatched string columns with empty strings, others with null", () => {
    const l: KqlTableData = { columns: { k: "string" }, rows: [{ k: "x" }] };
    const r: KqlTableData = { columns: { k: "string", v: "long" }, rows: [] };
    expect(run("L | join kind=leftouter R on k", { L: l, R: r }).rows).toEqual([["x", "", null]]);
  });
});
