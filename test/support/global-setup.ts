import type { TestProject } from "vitest/node";
import { type AzuriteHandle, startAzurite } from "../../shared/fakes/azurite.js";
import { createLoopbackCertificate, type LoopbackCertificate } from "../../shared/fakes/tls-cert.js";

declare module "vitest" {
  interface ProvidedContext {
    azurite: { connectionString: string; tablePort: number; queuePort: number };
    tls: LoopbackCertificate;
  }
}

let azurite: AzuriteHandle | undefined;

/** One Azurite and one loopback certificate for the whole run; workers trust the certificate. */
export async function setup(project: TestProject): Promise<void> {
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  const tls = await createLoopbackCertificate();
  // Read by Node at process start: the forked workers start after this line.
  process.env.NODE_EXTRA_CA_CERTS = tls.certPath;
  azurite = await startAzurite();
  project.provide("azurite", {
    connectionString: azurite.connectionString,
    tablePort: azurite.tablePort,
    queuePort: azurite.queuePort,
  });
  project.provide("tls", tls);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
