import { describe, expect, it } from "vitest";
import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import { containerInsightsSchema } from "../../../shared/fakes/kql/schema.js";
import { NOW } from "./helpers.js";

// Correctness on a larger table; no timing assertions (see the report for the 200k-row timing).
describe("a 50k-row table", () => {
  it("filters and summarizes every row", () => {
    const hours = 100;
    const nodesPerHour = 500;
    const start = NOW.getTime() - hours * 3_600_000;
    const rows = [];
    for (let h = 0; h < hours; h++) {
      for (let n = 0; n < nodesPerHour; n++) {
        rows.push({
          TimeGenerated: new Date(start + h * 3_600_000 + n * 1000),
          Computer: `node-${n}`,
          ClusterId: `c${n % 4}`,
          Status: n % 10 === 0 ? "NotReady" : "Ready",
        });
      }
    }
    const data = { KubeNodeInventory: { columns: containerInsightsSchema.tables.KubeNodeInventory ?? {}, rows } };
    const result = runKql(
      `KubeNodeInventory
       | where TimeGenerated > ago(24h) and Status == 'Ready'
       | summarize nodes = dcount(Computer), samples = count() by ClusterId
       | order by ClusterId asc`,
      data,
      { now: NOW },
    );
    expect(rows).toHaveLength(50_000);
    // ago(24h) keeps hours 76..99. Each cluster has 125 nodes; every 10th node is NotReady, which hits
    // 25 nodes of c0 and c2 (n % 20 == 0 or 10) and none of the odd-numbered c1 and c3.
    expect(result.rows).toEqual([
      ["c0", 100, 100 * 24],
      ["c1", 125, 125 * 24],
      ["c2", 100, 100 * 24],
      ["c3", 125, 125 * 24],
    ]);
  });
});
