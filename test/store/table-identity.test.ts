import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../shared/cli/cli.js";
import type { SimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import type { RunReport } from "../../shared/engine/run-audit.js";
import { type AzuriteHandle, startAzurite } from "../../shared/fakes/azurite.js";
import { createAzureEntityTable, createTableClient } from "../../shared/store/azure-table.js";
import { createFindingStore } from "../../shared/store/finding-store.js";
import { staticCredential, uniqueTableName } from "../support/helpers.js";
import { startTestCloud, withEnvironment } from "../support/simulated.js";

// The deployed configuration: an https table endpoint, the managed identity, no key anywhere.
let secureAzurite: AzuriteHandle;
let cloud: SimulatedCloud;
beforeAll(async () => {
  const tls = inject("tls");
  [secureAzurite, cloud] = await Promise.all([
    startAzurite({ identityTls: { certPath: tls.certPath, keyPath: tls.keyPath } }),
    startTestCloud(),
  ]);
});
afterAll(async () => {
  await Promise.all([secureAzurite?.stop(), cloud?.stop()]);
});

describe("findings store through AUDIT_TABLE_ENDPOINT and the managed identity", () => {
  it("runs the audit with Entra tokens for storage and no connection string", async () => {
    const table = uniqueTableName("mi");
    const env: Record<string, string> = {
      ...cloud.environment,
      AUDIT_TABLE_ENDPOINT: secureAzurite.tableEndpoint,
      AUDIT_FINDINGS_TABLE: table,
    };
    delete env.AUDIT_TABLE_CONNECTION_STRING;
    const out: string[] = [];
    const code = await withEnvironment(env, () =>
      runCli(["--output", "json", "--no-notify"], process.env, {
        stdout: (t) => void out.push(t),
        stderr: () => {},
        isTty: false,
      }),
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.join("")) as RunReport;
    expect(report.run.sinks.find((s) => s.sink === "table")).toMatchObject({
      ok: true,
      delivered: report.findings.length,
    });
    // The storage token came from the managed-identity endpoint, for the storage audience.
    expect(cloud.identity.resources).toContain("https://storage.azure.com");
    // Read back with a fresh identity-authenticated client: one row per finding.
    const { client } = createTableClient(
      { kind: "endpoint", endpoint: secureAzurite.tableEndpoint, credential: staticJwtCredential() },
      table,
    );
    const keys: string[] = [];
    for await (const row of client.listEntities()) keys.push(row.rowKey ?? "");
    expect(keys.sort()).toEqual(report.findings.map((f) => f.fingerprint).sort());
  });

  it("is refused a token with the wrong audience, and reports it as a failed sink", async () => {
    const { client, target } = createTableClient(
      { kind: "endpoint", endpoint: secureAzurite.tableEndpoint, credential: staticCredential() },
      uniqueTableName("bad"),
      { retryOptions: { maxRetries: 0 } },
    );
    const table = createAzureEntityTable(client, target);
    const store = createFindingStore({ findings: table, runs: table, sourcesOf: () => [] });
    await expect(store.loadHistory()).rejects.toThrow();
  });
});

/** A JWT-shaped token Azurite accepts (it checks claims, not signatures). */
function staticJwtCredential() {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const token = `${part({ alg: "none" })}.${part({ aud: "https://storage.azure.com", iss: "https://sts.windows.net/t/", iat: now, nbf: now - 60, exp: now + 600 })}.x`;
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 600_000 }) };
}
