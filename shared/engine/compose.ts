import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { type AwsClientOverrides, awsAccountTargets, createAwsEksReader } from "../collectors/aws/aws-sdk.js";
import { createEksCollector } from "../collectors/aws/eks-collector.js";
import { createAksCollector } from "../collectors/azure/aks-collector.js";
import { createArmAksReader } from "../collectors/azure/arm-sdk.js";
import type { Settings } from "../config/settings.js";
import { ALL_RULES } from "../rules/index.js";
import { createSlackNotifier } from "../sinks/slack/slack-notifier.js";
import { createTableClient, createTableFindingStore } from "../sinks/table/table-store.js";
import { createTeamsNotifier } from "../sinks/teams/teams-notifier.js";
import type { PostOptions } from "../sinks/webhook/post-json.js";
import type { Collector, Logger, Notifier, ProgressSink } from "./ports.js";
import type { AuditDeps } from "./run-audit.js";

export interface ComposeOptions {
  /** Replaces DefaultAzureCredential (tests inject a static credential). */
  readonly azureCredential?: TokenCredential;
  readonly clock?: () => Date;
  readonly log?: Logger;
  readonly progress?: ProgressSink;
  readonly webhookPost?: PostOptions;
  /** Tests shorten AWS retries; production keeps the SDK's standard mode. */
  readonly awsClientOverrides?: AwsClientOverrides;
  readonly armRetry?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/**
 * The composition root: the only place that builds credentials, SDK clients and
 * sinks. It makes no network call; the first one happens inside runAudit.
 */
export function composeAudit(settings: Settings, options: ComposeOptions = {}): AuditDeps {
  let credential = options.azureCredential;
  // DefaultAzureCredential honours AZURE_TOKEN_CREDENTIALS and AZURE_CLIENT_ID.
  const azureCredential = (): TokenCredential => {
    credential ??= new DefaultAzureCredential();
    return credential;
  };

  const collectors: Collector[] = [];
  if (settings.clouds.includes("azure")) {
    const reader = createArmAksReader(azureCredential(), {
      endpoint: settings.azure.armEndpoint,
      audience: settings.azure.armAudience,
      ...(options.armRetry ? { retryOptions: options.armRetry } : {}),
    });
    collectors.push(createAksCollector(reader, { subscriptions: settings.azure.subscriptions }));
  }

  if (settings.clouds.includes("aws")) {
    const { roleArns, regions, webIdentityAudience } = settings.aws;
    const reader = createAwsEksReader({
      roleArns,
      webIdentityAudience,
      ...(webIdentityAudience
        ? {
            // An Entra token from the managed identity, fetched again on every AWS credential refresh.
            getWebIdentityToken: async () => {
              const token = await azureCredential().getToken(`${webIdentityAudience}/.default`);
              if (!token) throw new Error(`no Entra token for the audience ${webIdentityAudience}`);
              return token.token;
            },
          }
        : {}),
      ...(options.awsClientOverrides ? { clientOverrides: options.awsClientOverrides } : {}),
    });
    collectors.push(createEksCollector(reader, { accounts: awsAccountTargets(roleArns), regions }));
  }

  const { client, target } = createTableClient(
    settings.table.kind === "endpoint"
      ? { kind: "endpoint", endpoint: settings.table.endpoint, credential: azureCredential() }
      : { kind: "connectionString", connectionString: settings.table.connectionString },
    settings.findingsTable,
  );

  const notifiers: Notifier[] = [];
  if (settings.notify.slackWebhookUrl)
    notifiers.push(createSlackNotifier(settings.notify.slackWebhookUrl, options.webhookPost));
  if (settings.notify.teamsWebhookUrl)
    notifiers.push(createTeamsNotifier(settings.notify.teamsWebhookUrl, options.webhookPost));

  return {
    collectors,
    rules: ALL_RULES,
    store: createTableFindingStore(client, target),
    notifiers,
    minNotifySeverity: settings.notify.minSeverity,
    clock: options.clock ?? (() => new Date()),
    log: options.log ?? consoleLogger,
    ...(options.progress ? { progress: options.progress } : {}),
  };
}
