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
    // EKS: the open GPU cluster behind an internet-facing in-tree NLB, with SSH open to the world...
    expect(stdout).toMatch(/FAIL\s+│\s+critical\s+│\s+istio-ingress-public\s+│\s+kubeflow-eks-gpu/);
    expect(stdout).toMatch(/FAIL\s+│\s+critical\s+│\s+kubeflow-dashboard-…\s+│\s+kubeflow-eks-gpu/);
    expect(stdout).toMatch(/FAIL\s+│\s+high\s+│\s+node-public-ip\s+│\s+kubeflow-eks-gpu/);
    // ...a dashboard behind a public classic ELB...
    expect(stdout).toMatch(/FAIL\s+│\s+high\s+│\s+k8s-dashboard-expos…\s+│\s+payments-eks/);
    // ...and the silence: the private twin, in the second account, nothing fails.
    expect(stdout).toMatch(/PASS\s+│\s+high\s+│\s+istio-ingress-public\s+│\s+kubeflow-eks-twin\s+│\s+aws:310987654322/);
    expect(stdout).toMatch(/silent \(nothing fails\): .*kubeflow-eks-twin/);
    expect(stdout).not.toMatch(/FAIL\s+│[^\n]*kubeflow-eks-twin/);
    // The only unknown on the twin is informational: its GPU history is still warming up.
    for (const line of stdout.split("\n").filter((l) => /UNKNOWN\s+│[^\n]*kubeflow-eks-twin/.test(l)))
      expect(line).toMatch(/UNKNOWN\s+│\s+info\s+│\s+gpu-node-spike/);
    const rows = /(\d+) row\(s\), (\d+) distinct fingerprint\(s\) after two runs/.exec(stdout);
    expect(Number(rows?.[1])).toBeGreaterThan(8);
    expect(rows?.[1]).toBe(rows?.[2]);
    // Each channel: the criticals on their own, then one digest; the same on both.
    const slack = Number(/slack: (\d+) message\(s\)/.exec(stdout)?.[1]);
    expect(slack).toBeGreaterThanOrEqual(2);
    expect(Number(/teams: (\d+) message\(s\)/.exec(stdout)?.[1])).toBe(slack);
    expect(stdout).toContain("chat messages sent by run 2: 0");
    expect(stdout).toContain("demo finished");
  });
});
