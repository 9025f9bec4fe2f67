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
});
