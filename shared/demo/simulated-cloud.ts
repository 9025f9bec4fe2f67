import { type ArmFake, startArmFake } from "../fakes/arm-fake.js";
import { type AzuriteHandle, startAzurite } from "../fakes/azurite.js";
import { type EksFake, startEksFake } from "../fakes/eks-fake.js";
import type { Estate } from "../fakes/estate.js";
import { type IdentityFake, startIdentityFake } from "../fakes/identity-fake.js";
import { type LogAnalyticsFake, startLogAnalyticsFake } from "../fakes/log-analytics-fake.js";
import { generateTelemetry, loadTelemetry, type Telemetry, workspaceResourceGraphRows } from "../fakes/telemetry.js";
import { createLoopbackCertificate, type LoopbackCertificate } from "../fakes/tls-cert.js";
import { startWebhookCapture, type WebhookCapture } from "../fakes/webhook-capture.js";
import { DEMO_TELEMETRY_PATH } from "../paths.js";

export interface SimulatedCloud {
  readonly arm: ArmFake;
  readonly identity: IdentityFake;
  /** Null when the estate has no AWS part. */
  readonly eks: EksFake | null;
  readonly webhooks: WebhookCapture;
  /** Log Analytics: Container Insights rows generated from the estate's telemetry. */
  readonly logs: LogAnalyticsFake;
  readonly telemetry: Telemetry;
  /** Null when the caller supplied its own table (tests share one Azurite). */
  readonly azurite: AzuriteHandle | null;
  readonly certPath: string;
  /** Contract settings and standard SDK variables that point the product at the fakes. */
  readonly environment: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface SimulatedCloudOptions {
  readonly findingsTable?: string;
  readonly pageSize?: number;
  readonly retryAfterSeconds?: number;
  /** Reuse a certificate the process already trusts (NODE_EXTRA_CA_CERTS is read at start-up). */
  readonly tls?: LoopbackCertificate;
  /** Reuse a running table service instead of starting Azurite. */
  readonly tableConnectionString?: string;
  /** Resource Graph rows added to the ARM fake's `resources` table (e.g. Log Analytics workspaces). */
  readonly extraResources?: readonly Record<string, unknown>[];
  /** The telemetry's clock: rows are generated up to it and the Log Analytics fake answers at it (default: the real clock). */
  readonly now?: Date;
}

/** Starts every loopback fake the demo, the tests and the bench share. */
export async function startSimulatedCloud(
  estate: Estate,
  options: SimulatedCloudOptions = {},
): Promise<SimulatedCloud> {
  const tls = options.tls ?? (await createLoopbackCertificate());
  const telemetry = await loadTelemetry(DEMO_TELEMETRY_PATH());
  const fixedNow = options.now;
  const [arm, identity, webhooks, azurite, eks, logs] = await Promise.all([
    startArmFake(estate, tls, {
      pageSize: options.pageSize ?? 2,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      // The Log Analytics workspaces live in Resource Graph too: the product finds them from the monitoring add-on.
      extraResources: [...(options.extraResources ?? []), ...workspaceResourceGraphRows(telemetry)],
    }),
    startIdentityFake(),
    startWebhookCapture(tls),
    options.tableConnectionString ? Promise.resolve(null) : startAzurite(),
    estate.aws ? startEksFake(estate.aws, { pageSize: options.pageSize ?? 2 }) : Promise.resolve(null),
    startLogAnalyticsFake(generateTelemetry(telemetry, { now: fixedNow ?? new Date() }), tls, {
      now: () => fixedNow ?? new Date(),
    }),
  ]);
  const tableConnectionString = options.tableConnectionString ?? azurite?.connectionString ?? "";
  const environment: Record<string, string> = {
    ...identity.environment,
    NODE_EXTRA_CA_CERTS: tls.certPath,
    AWS_EC2_METADATA_DISABLED: "true",
    AUDIT_CLOUDS: eks ? "azure,aws" : "azure",
    AUDIT_AZURE_ARM_ENDPOINT: arm.url,
    AUDIT_AZURE_LOGS_ENDPOINT: logs.endpoint,
    AUDIT_TABLE_CONNECTION_STRING: tableConnectionString,
    AUDIT_FINDINGS_TABLE: options.findingsTable ?? "findings",
    AUDIT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    AUDIT_SLACK_WEBHOOK_URL: webhooks.slackUrl,
    AUDIT_TEAMS_WEBHOOK_URL: webhooks.teamsUrl,
  };
  const ambientKey = estate.aws?.accounts.find((a) => a.accessKeyIds.length > 0)?.accessKeyIds[0];
  if (eks && ambientKey) {
    Object.assign(environment, {
      // Static demo credentials for the fake; the SDK's own variables point it at loopback.
      AWS_ACCESS_KEY_ID: ambientKey,
      AWS_SECRET_ACCESS_KEY: "demo-secret-access-key-not-real",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_EKS: eks.url,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: eks.url,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING: eks.url,
      AWS_ENDPOINT_URL_EC2: eks.url,
      AWS_ENDPOINT_URL_STS: eks.url,
      AWS_CONFIG_FILE: "/nonexistent/cluster-audit-demo",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/cluster-audit-demo",
      AUDIT_AWS_REGIONS: estate.awsRegions.join(","),
      // The ambient keys assume one role per account, as a hub identity would.
      ...(estate.awsRoleArns.length > 0 ? { AUDIT_AWS_ROLE_ARNS: estate.awsRoleArns.join(",") } : {}),
    });
  }
  return {
    arm,
    identity,
    eks,
    webhooks,
    logs,
    telemetry,
    azurite,
    certPath: tls.certPath,
    environment,
    stop: async () => {
      await Promise.allSettled([
        arm.close(),
        identity.close(),
        webhooks.close(),
        logs.close(),
        azurite?.stop(),
        eks?.close(),
      ]);
    },
  };
}
