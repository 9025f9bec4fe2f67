import type { TokenCredential } from "@azure/core-auth";
import { cachedCredential } from "../collectors/azure/cached-credential.js";
import type { Settings } from "../config/settings.js";
import { type ComposeOptions, composeAudit, configuredTables, consoleLogger } from "../engine/compose.js";
import type { FanOutDeps } from "./orchestrator.js";
import { createScopeQueue } from "./scope-queue.js";

/**
 * The fan-out's composition: the scope queue, the runs table for progress, the
 * planner's subscription discovery, and an engine factory sharing one credential
 * and one table store. Null when no scope queue is configured.
 */
export async function composeFanOut(settings: Settings, options: ComposeOptions = {}): Promise<FanOutDeps | null> {
  let shared: TokenCredential | undefined;
  const credential = (): TokenCredential => {
    if (!shared) {
      const inner: TokenCredential = options.azureCredential ?? {
        async getToken(scopes, getTokenOptions) {
          const { DefaultAzureCredential } = await import("@azure/identity");
          return new DefaultAzureCredential().getToken(scopes, getTokenOptions);
        },
      };
      shared = cachedCredential(inner);
    }
    return shared;
  };
  const queue = await createScopeQueue(settings, credential);
  if (!queue) return null;
  const tables = options.tables ?? (await configuredTables(settings, credential));
  const runs = await tables(settings.runsTable);
  const listSubscriptions =
    settings.clouds.includes("azure") && settings.azure.subscriptions.length === 0
      ? async function* () {
          const { createArmAksReader } = await import("../collectors/azure/arm-sdk.js");
          const reader = createArmAksReader(credential(), {
            endpoint: settings.azure.armEndpoint,
            audience: settings.azure.armAudience,
            ...(options.armRetry ? { retryOptions: options.armRetry } : {}),
          });
          yield* reader.listSubscriptionIds();
        }
      : undefined;
  return {
    settings,
    queue,
    runs,
    compose: (scoped, overrides = {}) =>
      composeAudit(scoped, { ...options, azureCredential: credential(), tables, ...overrides }),
    ...(listSubscriptions ? { listSubscriptions } : {}),
    clock: options.clock ?? (() => new Date()),
    log: options.log ?? consoleLogger,
  };
}
