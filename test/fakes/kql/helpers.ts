import { runKql } from "../../../shared/fakes/kql/interpreter.js";
import type { KqlResult, KqlTableData } from "../../../shared/fakes/kql/types.js";

/** The clock of every interpreter test. */
export const NOW = new Date("2024-05-15T12:00:00Z");

export const at = (iso: string): Date => new Date(iso);

/** A small node inventory: three nodes in two clusters, one without labels, hourly samples. */
export const nodes: KqlTableData = {
  columns: {
    TimeGenerated: "datetime",
    Computer: "string",
    ClusterId: "string",
    Labels: "string",
    Status: "string",
  },
  rows: [
    {
      TimeGenerated: at("2024-05-15T09:10:00Z"),
      Computer: "gpu-1",
      ClusterId: "c1",
      Labels: '[{"pool":"gpu"}]',
      Status: "Ready",
    },
    {
      TimeGenerated: at("2024-05-15T10:10:00Z"),
      Computer: "gpu-1",
      ClusterId: "c1",
      Labels: '[{"pool":"gpu"}]',
      Status: "NotReady",
    },
    {
      TimeGenerated: at("2024-05-15T10:20:00Z"),
      Computer: "cpu-1",
      ClusterId: "c1",
      Labels: '[{"pool":"sys"}]',
      Status: "Ready",
    },
    { TimeGenerated: at("2024-05-15T10:40:00Z"), Computer: "cpu-2", ClusterId: "c2", Labels: "", Status: "Ready" },
  ],
};

/** A table with numbers, nulls and dynamic values for operator tests. */
export const items: KqlTableData = {
  columns: { name: "string", n: "long", r: "real", flag: "bool", tags: "dynamic" },
  rows: [
    { name: "a", n: 3, r: 1.5, flag: true, tags: { env: "prod", team: "x" } },
    { name: "b", n: 1, r: null, flag: false, tags: { env: "dev" } },
    { name: "c", n: null, r: 2.5, flag: null, tags: null },
    { name: "d", n: 2, r: 0.5, flag: true, tags: { env: "prod" } },
  ],
};

export const tables: Record<string, KqlTableData> = { Nodes: nodes, Items: items };

export const run = (query: string, data: Record<string, KqlTableData> = tables): KqlResult =>
  runKql(query, data, { now: NOW });

/** The result as records, for readable assertions. */
export const records = (result: KqlResult): Record<string, unknown>[] =>
  result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));

export const query = (text: string, data?: Record<string, KqlTableData>): Record<string, unknown>[] =>
  records(run(text, data));

/** The value of one scalar expression (print x = expr). */
export const scalar = (expression: string): unknown => run(`print x = ${expression}`).rows[0]?.[0];

/** The column names and types of a result. */
export const schemaOf = (result: KqlResult): string[] => result.columns.map((c) => `${c.name}:${c.type}`);
