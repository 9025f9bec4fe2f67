import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../shared/paths.js";

const run = promisify(execFile);

describe("npm run demo", () => {
  it("runs the real engine against the simulated estate and shows findings, table rows and chat payloads", async () => {
    const root = repoRoot();
    // The demo spawns the compiled CLI; `npm test` builds first.
    const { stdout } = await run(
      process.execPath,
      ["--import", join(root, "dist/shared/fakes/guard-preload.js"), join(root, "dist/shared/demo/main.js")],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "" },
        timeout: 90_000,
      },
    );
    expect(stdout).toMatch(/FAIL\s+│\s+high\s+│\s+api-server-public\s+│\s+kubeflow-gpu-prod/);
    expect(stdout).toMatch(/8 row\(s\), 8 distinct fingerprint\(s\) after two runs/);
    expect(stdout).toMatch(/slack: 1 message\(s\)/);
    expect(stdout).toMatch(/teams: 1 message\(s\)/);
    expect(stdout).toContain("chat messages sent by run 2: 0");
    expect(stdout).toContain("demo finished");
  });
});
