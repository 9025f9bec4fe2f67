import type { TokenCredential } from "@azure/core-auth";
import { type CachedCredential, cachedCredential } from "../collectors/azure/cached-credential.js";
import { COLLECTORS } from "../collectors/index.js";
import { createLimiterRegistry } from "../collectors/limits.js";
import type { ClientTuning, CollectorEnvironment, CollectorRegistration } from "../collectors/registry.js";
import type { Settings } from "../config/settings.js";
import { ConfigError } from "../errors.js";
import type { Rule } from "../model/rule.js";
import { createMuteMatcher, type MuteEntry, MutelistError } from "../mutes/mutelist.js";
import { loadMutes } from "../mutes/mutelist-source.js";
import { ALL_RULES } from "../rules/index.js";
import { REPORT_SINKS, type ReportSinkRegistration } from "../sinks/index.js";
import type { PostOptions } from "../sinks/webhook/post-json.js";
import type { EntityTable } from "../store/entity-table.js";
import { createFindingStore } from "../store/finding-store.js";
import type { MuteMatcher } from "./mutes.js";
import type { Collector, FindingStore, Logger, Notifier, ProgressSink, ReportSink } from "./ports.js";
import type { AuditDeps } from "./run-audit.js";

export interface ComposeOptions extends ClientTuning {
  /** Replaces DefaultAzureCredential (tests inject a static credential). */
  readonly azureCredential?: TokenCredential;
  readonly clock?: () => Date;
  readonly log?: Logger;
  readonly progress?: ProgressSink;
  readonly webhookPost?: PostOptions;
  /** Replaces the registries (tests run a subset). */
  readonly collectors?: readonly CollectorRegistration[];
  readonly rules?: readonly Rule[];
  readonly reportSinks?: readonly ReportSinkRegistration[];
  /** Replaces the configured table store (the CLI's local store, tests). */
  readonly tables?: (name: string) => Promise<EntityTable>;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export interface ComposedAudit extends AuditDeps {
  /** Every mutelist entry (file and table), active or expired. */
  readonly muteEntries: readonly MuteEntry[];
  /** The shared Azure credential, built on first use (null while unused). */
  readonly credential: () => CachedCredential | null;
}

/**
 * The composition root: the only place that builds credentials, SDK clients and
 * sinks, each imported when first needed. It makes no network call; the first one
 * happens inside runAudit.
 */
export async function composeAudit(settings: Settings, options: ComposeOptions = {}): Promise<ComposedAudit> {
  let credential: CachedCredential | null = null;
  const azureCredential = (): TokenCredential => {
    if (!credential) {
      // DefaultAzureCredential honours AZURE_TOKEN_CREDENTIALS and AZURE_CLIENT_ID; built only when a client needs it.
      credential = cachedCredential(options.azureCredential ?? lazyDefaultCredential());
    }
    return credential;
  };
  const tables = options.tables ?? (await configuredTables(settings, azureCredential));
  const clock = options.clock ?? (() => new Date());
  const environment: CollectorEnvironment = {
    settings,
    azureCredential,
    tables,
    clock,
    tuning: {
      ...(options.armRetry ? { armRetry: options.armRetry } : {}),
      ...(options.awsClientOverrides ? { awsClientOverrides: options.awsClientOverrides } : {}),
    },
    // One registry per run: every collector's clients share the per-API and per-bucket limits.
    limiters: createLimiterRegistry(options.concurrency),
  };
  const built = await Promise.all((options.collectors ?? COLLECTORS).map((r) => r.create(environment)));
  const collectors = built.filter((c): c is Collector => c !== null);
  const rules = options.rules ?? ALL_RULES;

  const [findingsTable, runsTable] = await Promise.all([tables(settings.findingsTable), tables(settings.runsTable)]);
  const reportSinks = (
    await Promise.all((options.reportSinks ?? REPORT_SINKS).map((r) => r.create(environment)))
  ).filter((s): s is ReportSink => s !== null);
  const sources = new Map(rules.map((r) => [r.metadata.id, r.metadata.sources] as const));
  const store: FindingStore = createFindingStore({
    findings: findingsTable,
    runs: runsTable,
    sourcesOf: (ruleId) => sources.get(ruleId) ?? [],
  });

  let mutes: MuteMatcher | undefined;
  let muteEntries: readonly MuteEntry[] = [];
  try {
    muteEntries = await loadMutes(settings, {
      azureCredential,
      tables,
      warn: (m) => (options.log ?? consoleLogger).warn(m),
    });
    mutes = createMuteMatcher(muteEntries);
  } catch (error) {
    // A malformed entry stops the run before any cloud call, as any invalid setting does.
    if (error instanceof MutelistError) throw new ConfigError(error.problems);
    throw error;
  }

  const notifiers: Notifier[] = [];
  const chat = {
    ...(options.webhookPost ? { post: options.webhookPost } : {}),
    maxCriticalMessages: settings.notify.maxCriticalMessages,
    storeTarget: findingsTable.target,
    azureCloud: settings.azure.cloud,
  };
  if (settings.notify.slackWebhookUrl) {
    const { createSlackNotifier } = await import("../sinks/slack/slack-notifier.js");
    notifiers.push(createSlackNotifier(settings.notify.slackWebhookUrl, chat));
  }
  if (settings.notify.teamsWebhookUrl) {
    const { createTeamsNotifier } = await import("../sinks/teams/teams-notifier.js");
    notifiers.push(createTeamsNotifier(settings.notify.teamsWebhookUrl, chat));
  }

  return {
    collectors,
    rules,
    ruleConfigs: settings.ruleConfigs,
    store,
    notifiers,
    reportSinks,
    mutes,
    muteEntries,
    minNotifySeverity: settings.notify.minSeverity,
    lifecycle: { reminderAfterHours: settings.notify.remindAfterHours },
    clock,
    log: options.log ?? consoleLogger,
    ...(options.progress ? { progress: options.progress } : {}),
    credential: () => credential,
  };
}

/** DefaultAzureCredential behind a TokenCredential that imports @azure/identity on the first token request. */
function lazyDefaultCredential(): TokenCredential {
  let inner: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, getTokenOptions) {
      inner ??= import("@azure/identity").then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await inner).getToken(scopes, getTokenOptions);
    },
  };
}

/** The configured table store: Azure Table Storage, or the CLI's local files (one JSON file per table). */
export async function configuredTables(
  settings: Settings,
  azureCredential: () => TokenCredential,
): Promise<(name: string) => Promise<EntityTable>> {
  const location = settings.table;
  if (location.kind === "local") {
    const [{ mkdir }, { join }, { createMemoryTable }] = await Promise.all([
      import("node:fs/promises"),
      import("node:path"),
      import("../store/memory-table.js"),
    ]);
    await mkdir(location.directory, { recursive: true });
    const opened = new Map<string, Promise<EntityTable>>();
    return (name) => {
      let table = opened.get(name);
      if (!table) {
        table = createMemoryTable(name, { file: join(location.directory, `${name}.json`) });
        opened.set(name, table);
      }
      return table;
    };
  }
  const { createAzureEntityTable, createTableClient } = await import("../store/azure-table.js");
  return async (name) => {
    const { client, target } = createTableClient(
      location.kind === "endpoint"
        ? { kind: "endpoint", endpoint: location.endpoint, credential: azureCredential() }
        : { kind: "connectionString", connectionString: location.connectionString },
      name,
    );
    return createAzureEntityTable(client, target);
  };
}
