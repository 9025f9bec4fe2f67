import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { analyzeKql } from "../../../shared/fakes/kql/language-service.js";
import { containerInsightsSchema, resourceGraphSchema } from "../../../shared/fakes/kql/schema.js";
import { repoRoot } from "../../../shared/paths.js";

describe("analyzeKql", () => {
  it("binds a valid query with no diagnostics and reports its result columns", () => {
    const analysis = analyzeKql(
      "KubeNodeInventory | summarize nodes = dcount(Computer), latest = max(TimeGenerated) by ClusterId",
      containerInsightsSchema,
    );
    expect(analysis).toEqual({
      diagnostics: [],
      resultColumns: [
        { name: "ClusterId", type: "string" },
        { name: "nodes", type: "long" },
        { name: "latest", type: "datetime" },
      ],
    });
  });

  it("reports diagnostics with code, message and position", () => {
    const { diagnostics } = analyzeKql("KubeNodeInventory | where Statuss == 'x'", containerInsightsSchema);
    expect(diagnostics).toEqual([
      {
        severity: "Error",
        code: "KS142",
        message: "The name 'Statuss' does not refer to any known column, table, variable or function.",
        start: 26,
        length: 7,
      },
    ]);
  });

  it("honours let statements and declared query parameters in the query text", () => {
    const query = `declare query_parameters(cluster:string, since:timespan = 1h);
      let nodes = KubeNodeInventory | where ClusterId =~ cluster and TimeGenerated > ago(since);
      nodes | summarize count() by Computer`;
    const analysis = analyzeKql(query, containerInsightsSchema);
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.resultColumns).toEqual([
      { name: "Computer", type: "string" },
      { name: "count_", type: "long" },
    ]);
  });

  it("accepts any casing of Resource Graph table names, but not of columns", () => {
    expect(analyzeKql("Resources | project id", resourceGraphSchema).diagnostics).toEqual([]);
    expect(analyzeKql("ResourceContainers | project id", resourceGraphSchema).diagnostics).toEqual([]);
    expect(analyzeKql("resources | project ID", resourceGraphSchema).diagnostics.map((d) => d.code)).toEqual(["KS142"]);
    expect(analyzeKql("kubenodeinventory | take 1", containerInsightsSchema).diagnostics.map((d) => d.code)).toEqual([
      "KS204",
    ]);
  });

  it("can filter to errors only", () => {
    const { diagnostics } = analyzeKql("resources | where type == 'x'", resourceGraphSchema, { errorsOnly: true });
    expect(diagnostics.every((d) => d.severity === "Error")).toBe(true);
  });
});

describe("schemas", () => {
  it("types the documented columns, without metadata keys", () => {
    expect(containerInsightsSchema.tables.KubeNodeInventory?.Labels).toBe("string");
    expect(containerInsightsSchema.tables.KubeNodeInventory?.TimeGenerated).toBe("datetime");
    expect(containerInsightsSchema.tables.KubePodInventory?.ContainerRestartCount).toBe("int");
    expect(containerInsightsSchema.tables.ContainerLogV2?.LogMessage).toBe("dynamic");
    expect(Object.keys(containerInsightsSchema.tables.KubeNodeInventory ?? {})).not.toContain("notes");
    expect(containerInsightsSchema.tableNamesCaseInsensitive).toBe(false);
    expect(Object.keys(resourceGraphSchema.tables)).toEqual(["resources", "resourcecontainers"]);
    expect(resourceGraphSchema.tables.resources?.properties).toBe("dynamic");
    expect(resourceGraphSchema.tableNamesCaseInsensitive).toBe(true);
  });
});

describe("loading from compiled dist/ (ESM)", () => {
  it("loads the language service only when a query runs, then runs it", async () => {
    const root = repoRoot();
    const script = `
      const { runKql } = await import(${JSON.stringify(join(root, "dist/shared/fakes/kql/interpreter.js"))});
      const loadedOnImport = typeof globalThis.Kusto;
      const data = { T: { columns: { s: "string" }, rows: [{ s: "a" }, { s: "b" }] } };
      const rows = runKql("T | where s == 'b'", data, { now: new Date() }).rows;
      console.log(loadedOnImport, typeof globalThis.Kusto, JSON.stringify(rows));`;
    const guard = join(root, "dist/shared/fakes/guard-preload.js");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", guard, "--input-type=module", "-e", script],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    expect(stdout.trim()).toBe('undefined object [["b"]]');
  });
});
