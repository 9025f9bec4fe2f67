import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { runAudit } from "../../shared/engine/run-audit.js";
import { createMuteMatcher, MutelistError, parseMutelist } from "../../shared/mutes/mutelist.js";
import { loadMutes } from "../../shared/mutes/mutelist-source.js";
import { apiServerPublic } from "../../shared/rules/api-server-public/api-server-public.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import { clusterCollector, staticCredential } from "../support/helpers.js";
import { memoryStore, recordingNotifier } from "../support/memory-store.js";

const YAML = `
mutes:
  - id: dev-api
    rule: api-server-public
    cluster: "dev-*"
    tags: { env: dev }
    expires: 2026-12-31
    owner: platform@example.com
    reason: dev clusters are reachable from the office VPN only, tracked in PLAT-123
  - id: gw-lab
    rules: [istio-ingress-public, k8s-dashboard-exposed]
    scope: "4f8c2a1e-*"
    namespace: istio-system
    expires: 2026-11-28T12:30:00Z
    owner: ml-platform
    reason: lab gateway until the migration
`;

const draft = (overrides: Record<string, unknown> = {}) => ({
  ruleId: "api-server-public",
  severity: "high" as const,
  status: "fail" as const,
  cloud: "azure" as const,
  scope: "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31",
  region: "eastus",
  clusterId: "/subscriptions/x/dev-1",
  clusterName: "dev-1",
  title: "t",
  detail: "d",
  evidence: {},
  fingerprint: "a".repeat(40),
  sources: ["clusters" as const],
  ...overrides,
});
const now = new Date("2026-11-28T12:00:00Z");

describe("the mutelist", () => {
  const entries = parseMutelist(YAML, "mutes.yaml");
  const matcher = createMuteMatcher(entries);

  it("matches on rule, cluster glob and tags", () => {
    expect(matcher.match(draft(), { now, clusterTags: { env: "dev", team: "x" } })?.id).toBe("dev-api");
  });

  it("does not match another cluster, other tags or another rule", () => {
    expect(matcher.match(draft({ clusterName: "prod-1" }), { now, clusterTags: { env: "dev" } })).toBeNull();
    expect(matcher.match(draft(), { now, clusterTags: { env: "prod" } })).toBeNull();
    expect(matcher.match(draft({ ruleId: "rbac-disabled" }), { now, clusterTags: { env: "dev" } })).toBeNull();
  });

  it("matches on scope glob and the namespace of the Service", () => {
    const gateway = draft({
      ruleId: "istio-ingress-public",
      evidence: { service: "istio-system/istio-ingressgateway" },
    });
    expect(matcher.match(gateway, { now, clusterTags: {} })?.id).toBe("gw-lab");
    expect(matcher.match({ ...gateway, evidence: { service: "web/shop" } }, { now, clusterTags: {} })).toBeNull();
  });

  it("stops applying at its expiry, and reports it as expired", () => {
    const later = new Date("2026-11-28T13:00:00Z");
    const gateway = draft({ ruleId: "istio-ingress-public", evidence: { service: "istio-system/x" } });
    expect(matcher.match(gateway, { now: later, clusterTags: {} })).toBeNull();
    expect(matcher.status?.(later)).toMatchObject({ active: 1, expired: [{ id: "gw-lab", owner: "ml-platform" }] });
  });

  it("rejects an entry without an owner, expiry or reason, naming it, and never drops it silently", () => {
    const bad = `
mutes:
  - id: no-owner
    rule: api-server-public
    expires: 2027-01-01
    reason: something
  - rule: rbac-disabled
    owner: me
    reason: because
  - id: bad-date
    rule: "*"
    expires: someday
    owner: me
    reason: because
`;
    let problems: readonly string[] = [];
    try {
      parseMutelist(bad, "mutes.yaml");
    } catch (error) {
      expect(error).toBeInstanceOf(MutelistError);
      problems = (error as MutelistError).problems;
    }
    expect(problems).toEqual([
      'mutes.yaml entry "no-owner": owner: required',
      "mutes.yaml entry #2: expires: required",
      expect.stringContaining('mutes.yaml entry "bad-date": expires: "someday" is not a date'),
    ]);
    expect(() => parseMutelist("mutes: [", "m.yaml")).toThrow(/not YAML or JSON/);
    expect(() => parseMutelist('{"mutes": {"a": 1}}', "m.json")).toThrow(/a list of entries/);
  });
});

describe("mutes in a run", () => {
  it("stores a muted finding as muted and sends nothing; when the mute expires mid-run, chat hears it once", async () => {
    const memory = await memoryStore();
    const slack = recordingNotifier("slack");
    const entries = parseMutelist(
      `- { id: temp, rule: api-server-public, expires: "2026-11-28T12:20:00Z", owner: o, reason: "for a test" }`,
      "m.yaml",
    );
    const deps = (minutes: number) => ({
      collectors: [clusterCollector()],
      rules: [apiServerPublic],
      store: memory.store(),
      notifiers: [slack],
      mutes: createMuteMatcher(entries),
      minNotifySeverity: "high" as const,
      clock: () => new Date(Date.parse("2026-11-28T12:00:00Z") + minutes * 60_000),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const first = await runAudit(deps(0), { trigger: "test", notify: true });
    expect(first.findings[0]).toMatchObject({ status: "muted", mutedStatus: "fail", mute: { id: "temp", owner: "o" } });
    expect(slack.sent).toHaveLength(0);
    expect([...memory.rows().values()][0]?.status).toBe("muted");
    await runAudit(deps(10), { trigger: "test", notify: true });
    expect(slack.sent).toHaveLength(0);
    const expired = await runAudit(deps(30), { trigger: "test", notify: true });
    expect(expired.run.mutes?.expired.map((m) => m.id)).toEqual(["temp"]);
    expect(slack.sent.flat().map((n) => n.intent.kind)).toEqual(["unmuted"]);
    await runAudit(deps(45), { trigger: "test", notify: true });
    expect(slack.sent).toHaveLength(1);
  });
});

describe("mutelist sources", () => {
  const settingsWith = (env: Record<string, string>) =>
    loadSettings({ AUDIT_TABLE_CONNECTION_STRING: "UseDevelopmentStorage=true", ...env });

  it("reads a file and the mutes table, and rejects an id used in both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mutes-"));
    const file = join(dir, "mutes.json");
    await writeFile(
      file,
      JSON.stringify({ mutes: [{ id: "a", rule: "*", expires: "2027-01-01", owner: "o", reason: "r r" }] }),
    );
    const mutes = await createMemoryTable("auditmutes");
    await mutes.submit([
      {
        kind: "create",
        row: {
          partitionKey: "mutes",
          rowKey: "b",
          rule: "rbac-disabled",
          expires: "2027-01-01",
          owner: "o",
          reason: "why not",
          tags: '{"env":"dev"}',
        },
      },
    ]);
    const sources = { azureCredential: staticCredential, tables: async () => mutes };
    const entries = await loadMutes(settingsWith({ AUDIT_MUTELIST: file }), sources);
    expect(entries.map((e) => [e.id, e.source])).toEqual([
      ["a", "AUDIT_MUTELIST mutes.json"],
      ["b", "mutes table auditmutes"],
    ]);
    expect(entries[1]?.tags).toEqual({ env: "dev" });
    await mutes.submit([
      {
        kind: "create",
        row: { partitionKey: "mutes", rowKey: "a", rule: "*", expires: "2027-01-01", owner: "o", reason: "dup" },
      },
    ]);
    await expect(loadMutes(settingsWith({ AUDIT_MUTELIST: file }), sources)).rejects.toThrow(/mute id "a" appears in/);
  });

  it("reads an https mutelist with a storage token only from our storage host, and never sends one with a SAS", async () => {
    const tls = inject("tls");
    const seen: (string | undefined)[] = [];
    const server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
      seen.push(request.headers.authorization);
      response
        .writeHead(200, { "content-type": "text/yaml" })
        .end('- { id: x, rule: "*", expires: 2027-01-01, owner: o, reason: "r r" }');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const credential = staticCredential();
    try {
      const ours = loadSettings({
        AUDIT_TABLE_ENDPOINT: `https://127.0.0.1:${port + 1}/acct`,
        AUDIT_MUTELIST: `https://127.0.0.1:${port}/config/mutes.yaml`,
      });
      const tables = async () => createMemoryTable("m");
      expect((await loadMutes(ours, { azureCredential: () => credential, tables })).map((e) => e.id)).toEqual(["x"]);
      expect(seen[0]).toBe("Bearer test-token");
      expect(credential.scopesRequested[0]).toEqual(["https://storage.azure.com/.default"]);
      const sas = loadSettings({
        AUDIT_TABLE_ENDPOINT: `https://127.0.0.1:${port + 1}/acct`,
        AUDIT_MUTELIST: `https://127.0.0.1:${port}/m.yaml?sv=1&sig=secretsas123`,
      });
      await loadMutes(sas, { azureCredential: () => credential, tables });
      expect(seen[1]).toBeUndefined();
      const elsewhere = settingsWith({ AUDIT_MUTELIST: `https://127.0.0.1:${port}/m.yaml` });
      await loadMutes(elsewhere, { azureCredential: () => credential, tables });
      expect(seen[2]).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
