import { describe, expect, it } from "vitest";
import { KqlError } from "../../../shared/fakes/kql/interpreter.js";
import { run } from "./helpers.js";

const failure = (query: string): KqlError => {
  try {
    run(query);
  } catch (error) {
    if (error instanceof KqlError) return error;
    throw error;
  }
  throw new Error(`expected ${query} to fail`);
};

describe("KqlError", () => {
  it("reports a syntax error with the parser's first diagnostic", () => {
    const error = failure("Nodes | where | summarize count( by");
    expect(error.code).toBe("SyntaxError");
    expect(error.message).toBe("Missing expression");
    expect(error.start).toBe(13);
  });

  it("reports an unknown column as a semantic error", () => {
    const error = failure("Nodes | where Statuss == 'Ready'");
    expect(error.code).toBe("SemanticError");
    expect(error.message).toBe("The name 'Statuss' does not refer to any known column, table, variable or function.");
  });

  it("reports an unknown table and a type error as semantic errors", () => {
    expect(failure("NodesX | take 1").code).toBe("SemanticError");
    expect(failure("Nodes | where TimeGenerated > 'yesterday'").message).toMatch(/operator '>' is not defined/);
  });

  it.each([
    ["Nodes | sample 2", /operator Sample is not implemented/],
    ["Nodes | make-series count() default=0 on TimeGenerated step 1h", /operator MakeSeries is not implemented/],
    ["Nodes | parse Status with a '-' b", /operator Parse is not implemented/],
    ["Nodes | extend h = hash(Computer)", /function hash\(\) is not implemented/],
    ["Nodes | extend f = format_datetime(TimeGenerated, 'yyyy')", /function format_datetime\(\) is not implemented/],
    ["let f = (x: long) { x + 1 }; Nodes | extend y = f(1)", /user functions\) is not implemented/],
    ["Nodes | evaluate bag_unpack(Labels)", /operator Evaluate is not implemented/],
    ["Nodes | summarize percentiles(TimeGenerated, 50)", /percentiles\(\) is not implemented/],
    ["Nodes | where Computer like 'gpu%'", /operator like is not implemented/],
    ["set truncationmaxrecords = 10; Nodes", /statement SetOption is not implemented/],
    ["Nodes | take 1; Nodes | take 2", /several result tables is not implemented/],
    ["Nodes | union isfuzzy=true Nodes", /Union option isfuzzy is not implemented/],
  ])("refuses what it does not implement: %s", (query, message) => {
    const error = failure(query);
    expect(error.code).toBe("NotImplemented");
    expect(error.message).toMatch(message);
  });

  it("refuses input data of the wrong shape", () => {
    const bad = { T: { columns: { n: "long" as const }, rows: [{ n: "seven" }] } };
    expect(() => run("T", bad)).toThrow(expect.objectContaining({ code: "InvalidData" }));
  });
});
