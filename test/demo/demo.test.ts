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
    expect(stdout).toMatch(/FAIL\s+│\s+critical\s+│\s+api-server-public\s+│\s+kubeflow-gpu-prod/);
    const rows = /(\d+) row\(s\), (\d+) distinct fingerprint\(s\) after two runs/.exec(stdout);
    expect(Number(rows?.[1])).toBeGreaterThan(8);
    expect(rows?.[1]).toBe(rows?.[2]);
    // Each channel: the criticals on their own, then one digest; the same on both.
    const slack = Number(/slack: (\d+) message\(s\)/.exec(stdout)?.[1]);
    expect(slack).toBeGreaterThanOrEqual(2);
    expect(Number(/teams: (\d+) message\(s\)/.exec(stdout)?.[1])).toBe(slack);
    expect(stdout).toContain("chat messages sent by run 2: 0");
    // Container Insights: the miner on the Kubeflow cluster, the safe twin clean, the blind spot of the add-on that is off.
    expect(stdout).toContain("Log Analytics fake: 14 queries in two runs, 7 signals, 2 workspaces");
    expect(stdout).toMatch(/kubeflow-gpu-prod\s+crypto-miner-workload\s+fail\s+critical/);
    expect(stdout).toMatch(/aks-training-private\s+crypto-miner-workload\s+pass/);
    expect(stdout).toContain(
      "miner evidence: image docker.io/xmrig/xmrig:6.21.0, pool stratum+tcp://pool.supportxmr.com:3333",
    );
    expect(stdout).toMatch(/aks-legacy-dashboard\s+audit-blind-spot: .*Container Insights is off/);
    expect(stdout).toContain("demo finished");
  });
});
