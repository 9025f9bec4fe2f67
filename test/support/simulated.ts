import { inject } from "vitest";
import { type SimulatedCloud, startSimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import { loadEstate } from "../../shared/fakes/estate.js";
import { DEMO_ESTATE_PATH } from "../../shared/paths.js";
import { uniqueTableName } from "./helpers.js";

/** The demo's fakes on the shared Azurite and certificate, with a fresh table. */
export async function startTestCloud(): Promise<SimulatedCloud> {
  return startSimulatedCloud(await loadEstate(DEMO_ESTATE_PATH()), {
    tls: inject("tls"),
    tableConnectionString: inject("azurite").connectionString,
    findingsTable: uniqueTableName("f"),
    retryAfterSeconds: 0,
  });
}

/** Runs `fn` with exactly these variables set for the contract settings (others cleared), then restores. */
export async function withEnvironment<T>(env: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("AUDIT_") || key.startsWith("AZURE_") || key.startsWith("IDENTITY_") || key.startsWith("AWS_"))
      delete process.env[key];
  }
  Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: "true" }, env);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
