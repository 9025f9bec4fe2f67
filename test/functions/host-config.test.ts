import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(file, root), "utf8"));

describe("Functions host configuration", () => {
  it("loads the extension bundle [4.*, 5.0.0) and sets a function timeout", () => {
    const host = json("host.json");
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle).toEqual({ id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.*, 5.0.0)" });
    expect(host.functionTimeout).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it("points package.json main at the compiled entry points, which the build produces", () => {
    const pkg = json("package.json");
    expect(pkg.main).toBe("dist/functions/*.js");
    expect(pkg.type).toBe("module");
    // `npm test` builds first: every functions/*.ts has its compiled file.
    for (const file of readdirSync(new URL("functions/", root)).filter((f) => f.endsWith(".ts"))) {
      expect(existsSync(new URL(`dist/functions/${file.replace(/\.ts$/, ".js")}`, root)), file).toBe(true);
    }
  });

  it("keeps functions/ thin: entry points import the engine, never a cloud SDK", () => {
    for (const file of readdirSync(new URL("functions/", root)).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(new URL(`functions/${file}`, root), "utf8");
      expect(source, file).not.toMatch(/from "@(azure\/(arm-|data-tables|identity)|aws-sdk)/);
      expect(source.split("\n").length, file).toBeLessThan(60);
    }
  });

  it("publishes the compiled code with the files it reads at run time, and never local state or settings", () => {
    const ignored = readFileSync(new URL(".funcignore", root), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    // Local state (the CLI's store, demo payloads) and local settings stay on the machine.
    for (const entry of [".cache/", "local.settings.json", "test/", "infra/"]) expect(ignored).toContain(entry);
    // The KQL files and data files under shared/ are read at run time; nothing may drop them.
    const needed = [
      "dist/functions/auditTimer.js",
      "shared/collectors/log-analytics/queries/heartbeat.kql",
      "host.json",
    ];
    for (const path of needed)
      for (const pattern of ignored) {
        const prefix = pattern.replace(/\*.*$/, "").replace(/\/$/, "");
        expect(path === prefix || path.startsWith(`${prefix}/`), `${pattern} drops ${path}`).toBe(false);
      }
  });

  it("builds a dist/ that stands alone: the KQL files the collector reads at run time are copied beside it", () => {
    const source = new URL("shared/collectors/log-analytics/queries/", root);
    const files = readdirSync(source).filter((f) => f.endsWith(".kql"));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files)
      expect(readFileSync(new URL(`dist/shared/collectors/log-analytics/queries/${file}`, root), "utf8"), file).toBe(
        readFileSync(new URL(file, source), "utf8"),
      );
  });
});
