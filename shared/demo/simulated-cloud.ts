import { type ArmFake, startArmFake } from "../fakes/arm-fake.js";
import { type AzuriteHandle, startAzurite } from "../fakes/azurite.js";
import type { Estate } from "../fakes/estate.js";
import { type IdentityFake, startIdentityFake } from "../fakes/identity-fake.js";
import { createLoopbackCertificate } from "../fakes/tls-cert.js";
import { startWebhookCapture, type WebhookCapture } from "../fakes/webhook-capture.js";

export interface SimulatedCloud {
  readonly arm: ArmFake;
  readonly identity: IdentityFake;
  readonly webhooks: WebhookCapture;
  readonly azurite: AzuriteHandle;
  readonly certPath: string;
  /** Contract settings and standard SDK variables that point the product at the fakes. */
  readonly environment: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface SimulatedCloudOptions {
  readonly findingsTable?: string;
  readonly pageSize?: number;
  readonly retryAfterSeconds?: number;
}

/** Starts every loopback fake the demo, the tests and the bench share. */
export async function startSimulatedCloud(
  estate: Estate,
  options: SimulatedCloudOptions = {},
): Promise<SimulatedCloud> {
  const tls = await createLoopbackCertificate();
  const [arm, identity, webhooks, azurite] = await Promise.all([
    startArmFake(estate, tls, { pageSize: options.pageSize ?? 2, retryAfterSeconds: options.retryAfterSeconds ?? 1 }),
    startIdentityFake(),
    startWebhookCapture(tls),
    startAzurite(),
  ]);
  const environment: Record<string, string> = {
    ...identity.environment,
    NODE_EXTRA_CA_CERTS: tls.certPath,
    AWS_EC2_METADATA_DISABLED: "true",
    AUDIT_CLOUDS: "azure",
    AUDIT_AZURE_ARM_ENDPOINT: arm.url,
    AUDIT_TABLE_CONNECTION_STRING: azurite.connectionString,
    AUDIT_FINDINGS_TABLE: options.findingsTable ?? "findings",
    AUDIT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    AUDIT_SLACK_WEBHOOK_URL: webhooks.slackUrl,
    AUDIT_TEAMS_WEBHOOK_URL: webhooks.teamsUrl,
  };
  return {
    arm,
    identity,
    webhooks,
    azurite,
    certPath: tls.certPath,
    environment,
    stop: async () => {
      await Promise.allSettled([arm.close(), identity.close(), webhooks.close(), azurite.stop()]);
    },
  };
}
