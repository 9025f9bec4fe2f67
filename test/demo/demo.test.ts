import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../shared/engine/run-audit.js";
import { repoRoot } from "../../shared/paths.js";

const run = promisify(execFile);

const ML = "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31";
const PLATFORM = "c2d4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f";
const DENIED = "9a1b7c3d-2e4f-4a6b-8c0d-1e2f3a4b5c6d";

describe("npm run demo", () => {
  it("runs the real engine against the simulated estate: both attack paths flagged, their twins quiet", async () => {
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
    // Container Insights: the miner on the Kubeflow cluster, the safe twin clean, the blind spot of the add-on that is off.
    expect(stdout).toContain("Log Analytics fake: 14 queries in two runs, 7 signals, 2 workspaces");
    expect(stdout).toMatch(/kubeflow-gpu-prod\s+crypto-miner-workload\s+fail\s+critical/);
    expect(stdout).toMatch(/aks-training-private\s+crypto-miner-workload\s+pass/);
    expect(stdout).toContain(
      "miner evidence: image docker.io/xmrig/xmrig:6.21.0, pool stratum+tcp://pool.supportxmr.com:3333",
    );
    expect(stdout).toMatch(/aks-legacy-dashboard\s+audit-blind-spot: .*Container Insights is off/);
    expect(stdout).toContain("demo finished");
    // Calls per sweep: 3 subscriptions in 2 pages, one permission check each (+1 retried 429), four AKS queries
    // and the workspace query of one page each (+1 retried 429), three flagged clusters re-read; one token per audience.
    expect(stdout).toContain(
      "Azure calls of run 1: 2 subscription page(s), 4 permission check(s), 6 Resource Graph page(s), 3 ARM re-read(s) (429s retried included); tokens: 1 for https://management.azure.com, 1 for https://api.loganalytics.io",
    );
    // The 2020 path joined up: a gateway found only by its selector, Kubeflow behind it, the miner, the GPU spike.
    expect(stdout).toMatch(/kubeflow-gpu-prod\s+kubeflow-dashboard-exposed\s+fail\s+critical/);

    // The matrix: each rule fires on its attack path and stays quiet on the twin.
    const section = stdout.slice(stdout.indexOf("The attack paths on AKS"), stdout.indexOf("Findings table"));
    const matrix = new Map(
      section
        .split("\n")
        .map((line) => line.trim().split(/\s{2,}/))
        .filter((cells) => cells.length === 5)
        .map((cells) => [cells[0], cells.slice(1)] as const),
    );
    expect(matrix.get("rule")).toEqual([
      "kubeflow-gpu-prod",
      "aks-training-private",
      "aks-legacy-dashboard",
      "aks-ingress-weu",
    ]);
    expect(Object.fromEntries(matrix)).toMatchObject({
      "api-server-public": ["FAIL critical", "pass", "FAIL high", "pass"],
      "istio-ingress-public": ["FAIL critical x2", "pass", "pass", "pass"],
      "k8s-dashboard-exposed": ["pass", "pass", "FAIL high x2", "pass"],
      "node-public-ip": ["pass", "pass", "FAIL medium", "pass"],
      "rbac-disabled": ["pass", "pass", "FAIL high", "pass"],
      "local-accounts-enabled": ["FAIL medium", "pass", "FAIL medium", "pass"],
    });

    const report = JSON.parse(await readFile(join(root, ".cache", "demo", "report.json"), "utf8")) as RunReport;
    const find = (ruleId: string, clusterName: string, subject?: (e: Record<string, unknown>) => boolean) =>
      report.findings.filter(
        (f) => f.ruleId === ruleId && f.clusterName === clusterName && (subject?.(f.evidence) ?? true),
      );

    // Kubeflow 2020: the gateway's public IP, the NSG rule from Internet, escalated by the GPU pool.
    const [gateway] = find("istio-ingress-public", "kubeflow-gpu-prod");
    expect(gateway).toMatchObject({
      status: "fail",
      severity: "critical",
      scope: ML,
      evidence: {
        service: "istio-system/istio-ingressgateway",
        addresses: ["20.85.12.34"],
        ports: ["TCP/80", "TCP/443", "TCP/15021"],
        sourceRestriction: "open",
        gpuPools: ["gpua100"],
      },
    });
    expect(gateway?.detail).toContain(`subscription ${ML}`);
    expect(JSON.stringify(gateway?.evidence.cloudEvidence)).toMatch(/k8s-azure-lb_allow_IPv4_[0-9a-f]{32}.*Internet/);
    // Its twin: the gateway sits on the internal LB; the provider's Internet rule to 10.224.0.50 is no exposure.
    expect(find("istio-ingress-public", "aks-training-private")).toEqual([
      expect.objectContaining({
        status: "pass",
        detail: expect.stringContaining("no Istio ingress gateway behind a cloud address"),
      }),
    ]);
    expect(JSON.stringify(report.findings)).not.toContain("10.224.0.50");

    // Tesla 2018: the add-on, and the dashboard Service on a public IP open to 0.0.0.0/0.
    const dashboards = find("k8s-dashboard-exposed", "aks-legacy-dashboard");
    expect(dashboards.map((f) => f.status)).toEqual(["fail", "fail"]);
    expect(dashboards.find((f) => f.evidence.addon === "kubeDashboard")).toBeDefined();
    expect(dashboards.find((f) => f.evidence.service === "kubernetes-dashboard/kubernetes-dashboard")).toMatchObject({
      evidence: { addresses: ["51.105.20.7"], ports: ["TCP/443"], sourceRestriction: "open" },
    });
    // Its twin: the dashboard and the gateway allow only known ranges; the nginx and legacy-tagged IPs trip no rule.
    expect(find("k8s-dashboard-exposed", "aks-ingress-weu")).toEqual([
      expect.objectContaining({
        status: "pass",
        evidence: expect.objectContaining({ sourceRestriction: "restricted", sourceCidrs: ["203.0.113.0/24"] }),
      }),
    ]);
    expect(find("istio-ingress-public", "aks-ingress-weu")).toEqual([
      expect.objectContaining({
        status: "pass",
        detail: expect.stringContaining("restricts its sources"),
        evidence: expect.objectContaining({ sourceCidrs: ["198.51.100.0/24", "203.0.113.0/24"] }),
      }),
    ]);
    // The clusters' managed outbound IPs are never a Service.
    for (const outbound of ["20.85.1.10", "20.85.1.22", "51.105.20.2", "20.50.1.5"])
      expect(JSON.stringify(report.findings)).not.toContain(outbound);

    // The unreadable subscription is a blind spot; the readable ones are covered, Service exposure included.
    expect(report.findings.find((f) => f.ruleId === "audit-blind-spot" && f.scope === DENIED)).toMatchObject({
      status: "unknown",
      evidence: { operation: "check-subscription-access", code: "AuthorizationFailed" },
    });
    const covered = report.run.coverage.filter((c) => c.cloud === "azure").map((c) => `${c.scope}:${c.source}`);
    expect(covered).toEqual(
      expect.arrayContaining([
        `${ML}:clusters`,
        `${ML}:service-exposure`,
        `${PLATFORM}:clusters`,
        `${PLATFORM}:service-exposure`,
      ]),
    );
    expect(covered.some((c) => c.startsWith(DENIED))).toBe(false);
  });
});
