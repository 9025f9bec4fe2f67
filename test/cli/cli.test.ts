import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../shared/cli/cli.js";
import type { SimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import type { RunReport } from "../../shared/engine/run-audit.js";
import { uniqueTableName } from "../support/helpers.js";
import { startTestCloud, withEnvironment } from "../support/simulated.js";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), isTty: false },
  };
}

let cloud: SimulatedCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => cloud.stop());

const run = (args: string[], env: Record<string, string> = cloud.environment) =>
  withEnvironment(env, async () => {
    const captured = io();
    const code = await runCli(args, process.env, captured.io);
    return { code, stdout: captured.out.join(""), stderr: captured.err.join("") };
  });

describe("npm run audit", () => {
  it("two runs against the same table leave exactly one row per fingerprint", async () => {
    const env: Record<string, string> = { ...cloud.environment, AUDIT_FINDINGS_TABLE: uniqueTableName("f") };
    const first = await run(["--output", "json"], env);
    const second = await run(["--output", "json", "--no-notify"], env);
    expect([first.code, second.code]).toEqual([0, 0]);
    // Webhook secrets never reach the report or the logs.
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr]) {
      expect(out).not.toContain("fakeSlackSecretToken");
      expect(out).not.toContain("fakeTeamsSignature");
    }
    const report1 = JSON.parse(first.stdout) as RunReport;
    const report2 = JSON.parse(second.stdout) as RunReport;
    expect(report2.findings.map((f) => f.fingerprint).sort()).toEqual(
      report1.findings.map((f) => f.fingerprint).sort(),
    );
    expect(report2.findings.every((f) => f.state === "open")).toBe(true);
    const table = TableClient.fromConnectionString(
      env.AUDIT_TABLE_CONNECTION_STRING ?? "",
      env.AUDIT_FINDINGS_TABLE ?? "",
      { allowInsecureConnection: true },
    );
    const keys: string[] = [];
    for await (const row of table.listEntities()) keys.push(row.rowKey ?? "");
    expect(keys.length).toBe(report1.findings.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("keeps its state in a local store when no table is configured, says where, and deduplicates on the next run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cluster-audit-local-"));
    const env: Record<string, string> = { ...cloud.environment, AUDIT_LOCAL_STORE_DIR: dir };
    delete env.AUDIT_TABLE_CONNECTION_STRING;
    const posts = cloud.webhooks.posts.length;
    const first = await run(["--output", "json"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`findings store: local files in ${dir}`);
    const sentByFirst = cloud.webhooks.posts.length - posts;
    expect(sentByFirst).toBeGreaterThan(0);
    const second = await run(["--output", "json"], env);
    expect(second.code).toBe(0);
    // The same findings, now open, and nothing sent again.
    expect((JSON.parse(second.stdout) as RunReport).findings.every((f) => f.state === "open")).toBe(true);
    expect(cloud.webhooks.posts.length - posts).toBe(sentByFirst);
    const rows = JSON.parse(await readFile(join(dir, `${env.AUDIT_FINDINGS_TABLE}.json`), "utf8")) as {
      rows: unknown[];
    };
    expect(rows.rows.length).toBe((JSON.parse(first.stdout) as RunReport).findings.length);
  });

  it("lists the mutelist entries, active and expired, and rejects a malformed one with exit 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cluster-audit-mutes-"));
    const file = join(dir, "mutes.yaml");
    await writeFile(
      file,
      [
        "mutes:",
        "  - { id: lab-gateway, rule: istio-ingress-public, cluster: 'aks-lab-*', expires: 2099-01-01, owner: ml-platform, reason: lab until migration }",
        "  - { id: old-one, rule: '*', expires: 2020-01-01, owner: someone, reason: long gone }",
      ].join("\n"),
    );
    const listed = await run(["--mutes"], { ...cloud.environment, AUDIT_MUTELIST: file });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/active\s+│\s+lab-gateway/);
    expect(listed.stdout).toMatch(/EXPIRED\s+│\s+old-one/);
    expect(listed.stdout).toContain("1 active, 1 expired.");
    await writeFile(file, "- { id: no-owner, rule: '*', expires: 2099-01-01, reason: missing owner }");
    const before = cloud.arm.requests.length;
    const bad = await run(["--output", "json"], { ...cloud.environment, AUDIT_MUTELIST: file });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('entry "no-owner": owner: required');
    expect(cloud.arm.requests.length).toBe(before);
  });

  it("prints the contract's JSON report, pass findings and blind spots included", async () => {
    const { code, stdout } = await run(["--output", "json", "--no-notify"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as RunReport;
    expect(Object.keys(report)).toEqual(["run", "findings"]);
    expect(report.run).toMatchObject({ trigger: "cli", counts: { clusters: 7 } });
    expect(report.run.startedAt <= report.run.finishedAt).toBe(true);
    const fail = report.findings.find((f) => f.ruleId === "api-server-public" && f.clusterName === "kubeflow-gpu-prod");
    // A public API server on a cluster with GPU pools is one level above the rule's high.
    expect(fail).toMatchObject({
      status: "fail",
      severity: "critical",
      cloud: "azure",
      scope: "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31",
      region: "eastus",
    });
    expect(fail?.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(report.findings.some((f) => f.status === "pass")).toBe(true);
    expect(
      report.findings.find((f) => f.ruleId === "api-server-public" && f.clusterName === "kubeflow-eks-gpu"),
    ).toMatchObject({
      status: "fail",
      cloud: "aws",
      scope: "210987654321",
      region: "us-east-1",
      clusterId: "arn:aws:eks:us-east-1:210987654321:cluster/kubeflow-eks-gpu",
    });
    // The Istio NLB from the load-balancer collector, in the first account; the twin, in the second, passes.
    expect(
      report.findings.find(
        (f) => f.ruleId === "istio-ingress-public" && f.clusterName === "kubeflow-eks-gpu" && f.status === "fail",
      )?.evidence,
    ).toMatchObject({
      service: "istio-system/istio-ingressgateway",
      sourceRestriction: "unknown",
      internetFacing: true,
    });
    const twin = report.findings.filter((f) => f.scope === "310987654322");
    expect(twin.length).toBeGreaterThanOrEqual(6);
    // Silence: nothing fails; the GPU rule only says, informationally, that the pool's history is still warming up.
    expect(twin.every((f) => f.clusterName === "kubeflow-eks-twin")).toBe(true);
    expect(twin.filter((f) => f.status !== "pass").map((f) => `${f.ruleId}:${f.status}:${f.severity}`)).toEqual([
      "gpu-node-spike:unknown:info",
    ]);
    expect(report.findings.find((f) => f.ruleId === "audit-blind-spot" && f.cloud === "aws")).toMatchObject({
      status: "unknown",
      region: "ap-east-1",
    });
    expect(report.findings.find((f) => f.ruleId === "audit-blind-spot" && f.cloud === "azure")).toMatchObject({
      status: "unknown",
      scope: "9a1b7c3d-2e4f-4a6b-8c0d-1e2f3a4b5c6d",
      clusterId: null,
    });
  });

  it("renders a terminal table and writes CSV to a file", async () => {
    const table = await run(["--no-notify"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("api-server-public");
    expect(table.stdout).toContain("kubeflow-gpu-prod");
    expect(table.stdout).toMatch(/7 cluster\(s\) audited/);
    const file = join(tmpdir(), `${uniqueTableName("csv")}.csv`);
    const csv = await run(["--output", "csv", "--out", file, "--no-notify"]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe("");
    const text = await readFile(file, "utf8");
    expect(text.split("\r\n")[0]).toBe(
      "ruleId,severity,status,state,cloud,scope,region,clusterId,clusterName,title,detail,fingerprint,firstSeen,lastSeen",
    );
    expect(text).toContain("kubeflow-gpu-prod");
  });

  it("reaches AWS by federation: an Entra token from the managed identity, exchanged with AssumeRoleWithWebIdentity", async () => {
    const env: Record<string, string> = {
      ...cloud.environment,
      AUDIT_FINDINGS_TABLE: uniqueTableName("f"),
      AUDIT_AWS_ROLE_ARNS: "arn:aws:iam::210987654321:role/cluster-audit-reader",
      AUDIT_AWS_WEB_IDENTITY_AUDIENCE: "api://aws-audit-federation",
    };
    const before = cloud.eks?.requests.length ?? 0;
    // No stored AWS keys at all.
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const { code, stdout } = await run(["--output", "json", "--no-notify"], env);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as RunReport;
    expect(
      report.findings.find((f) => f.ruleId === "api-server-public" && f.clusterName === "kubeflow-eks-gpu"),
    ).toMatchObject({
      status: "fail",
      scope: "210987654321",
    });
    expect(cloud.identity.resources).toContain("api://aws-audit-federation");
    const requests = cloud.eks?.requests.slice(before) ?? [];
    const exchanges = requests.filter((r) => r.action === "AssumeRoleWithWebIdentity");
    expect(exchanges.length).toBe(1);
    expect(exchanges[0]?.webIdentityToken).toMatch(/^[\w-]+\.[\w-]+\.fake-token-/);
    // Every EKS call was signed with the temporary keys the exchange returned, not ambient ones.
    const eksCalls = requests.filter((r) => r.service === "eks");
    expect(eksCalls.length).toBeGreaterThan(0);
    expect(eksCalls.every((r) => r.accessKeyId?.startsWith("ASIA"))).toBe(true);
  });

  it("exits 2 on bad configuration before any network call, naming every problem", async () => {
    const before = {
      arm: cloud.arm.requests.length,
      tokens: cloud.identity.tokensIssued(),
      posts: cloud.webhooks.posts.length,
    };
    const env = {
      ...cloud.environment,
      AUDIT_CLOUDS: "azure,oracle",
      AUDIT_AZURE_SUBSCRIPTIONS: "prod",
      AUDIT_AWS_ROLE_ARNS: "role/audit",
      AUDIT_TEAMS_WEBHOOK_URL: "https://example.com/hook?sig=abc123secret",
      AUDIT_TABLE_ENDPOINT: "https://acct.table.core.windows.net",
    };
    const { code, stderr, stdout } = await run([], env);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    for (const name of [
      "AUDIT_CLOUDS",
      "AUDIT_AZURE_SUBSCRIPTIONS",
      "AUDIT_AWS_ROLE_ARNS",
      "AUDIT_TEAMS_WEBHOOK_URL",
      "AUDIT_TABLE_ENDPOINT",
    ])
      expect(stderr).toContain(name);
    expect(stderr).toContain("Invalid configuration (5 problems)");
    expect(stderr).not.toContain("abc123secret");
    expect({
      arm: cloud.arm.requests.length,
      tokens: cloud.identity.tokensIssued(),
      posts: cloud.webhooks.posts.length,
    }).toEqual(before);
  });

  it("writes OCSF compliance findings", async () => {
    const { code, stdout } = await run(["--output", "ocsf", "--no-notify"]);
    expect(code).toBe(0);
    const events = JSON.parse(stdout) as {
      class_uid: number;
      compliance: { control: string; status: string };
      resources: { name: string }[];
      severity_id: number;
    }[];
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.class_uid === 2003)).toBe(true);
    const fail = events.find(
      (e) => e.compliance.control === "api-server-public" && e.resources[0]?.name === "kubeflow-gpu-prod",
    );
    expect(fail).toMatchObject({ compliance: { status: "Fail" }, severity_id: 5 });
  });

  it("shows progress on stderr only when stderr is a terminal", async () => {
    const runWith = (isTty: boolean) =>
      withEnvironment(cloud.environment, async () => {
        const err: string[] = [];
        const code = await runCli(["--output", "json", "--no-notify"], process.env, {
          stdout: () => {},
          stderr: (t) => void err.push(t),
          isTty,
        });
        return { code, stderr: err.join("") };
      });
    const tty = await runWith(true);
    const piped = await runWith(false);
    expect([tty.code, piped.code]).toEqual([0, 0]);
    expect(tty.stderr).toMatch(/… azure: discovered 3 subscription\(s\)/);
    expect(tty.stderr).toMatch(/… writing \d+ finding\(s\)/);
    expect(piped.stderr).not.toContain("…");
  });

  it("rejects unknown flags and output formats with usage", async () => {
    expect((await run(["--output", "xml"])).code).toBe(2);
    const bad = await run(["--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: npm run audit");
  });
});
