import { ContainerServiceClient, type ManagedCluster } from "@azure/arm-containerservice";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/core-auth";
import type { AksReader } from "./aks-collector.js";
import { throttleBackoffPolicy } from "./throttle-backoff-policy.js";

export interface ArmClientOptions {
  readonly endpoint: string;
  readonly audience: string;
  /** Test and demo harnesses shorten retry waits; production keeps the SDK defaults. */
  readonly retryOptions?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
  /** First wait for a 429 that names no Retry-After; doubles per retry. */
  readonly throttleBackoffMs?: number;
}

/**
 * Pinned, so the wire contract does not move when the SDK's default does: the latest
 * stable Microsoft.ContainerService version with published examples.
 */
export const CONTAINER_SERVICE_API_VERSION = "2025-10-01";

const USABLE_SUBSCRIPTION_STATES = new Set(["enabled", "warned", "pastdue"]);

/** Adapts the real Azure SDK clients to the collector's narrow port. */
export function createArmAksReader(credential: TokenCredential, options: ArmClientOptions): AksReader {
  const clientOptions = {
    endpoint: options.endpoint,
    credentials: { scopes: [options.audience] },
    ...(options.retryOptions ? { retryOptions: { ...options.retryOptions } } : {}),
    additionalPolicies: [{ policy: throttleBackoffPolicy(options.throttleBackoffMs), position: "perRetry" as const }],
  };
  const clusterClients = new Map<string, ContainerServiceClient>();
  return {
    async *listSubscriptionIds() {
      const client = new SubscriptionClient(credential, clientOptions);
      for await (const subscription of client.subscriptions.list()) {
        const state = (subscription.state ?? "Enabled").toLowerCase();
        if (subscription.subscriptionId && USABLE_SUBSCRIPTION_STATES.has(state)) yield subscription.subscriptionId;
      }
    },
    listManagedClusters(subscriptionId: string): AsyncIterable<ManagedCluster> {
      let client = clusterClients.get(subscriptionId);
      if (!client) {
        client = new ContainerServiceClient(credential, subscriptionId, {
          ...clientOptions,
          apiVersion: CONTAINER_SERVICE_API_VERSION,
        });
        clusterClients.set(subscriptionId, client);
      }
      return client.managedClusters.list();
    },
  };
}
