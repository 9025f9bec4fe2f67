import { ContainerServiceClient, type ManagedCluster } from "@azure/arm-containerservice";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/core-auth";
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
} from "@azure/core-rest-pipeline";
import { statusOf } from "../../errors.js";
import type { LimiterRegistry } from "../limits.js";
import type { AksArm } from "./aks-collector.js";
import type { ArmPermission } from "./arm-permissions.js";
import { asArray, asRecord, asString } from "./json-fields.js";
import { armLimitPolicy } from "./limit-policy.js";
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
  /** The run's limiters; without them only the collectors' own task limits apply. */
  readonly limiters?: LimiterRegistry;
}

/**
 * Pinned, so the wire contract does not move when the SDK's default does: the latest
 * stable Microsoft.ContainerService version with published examples.
 */
export const CONTAINER_SERVICE_API_VERSION = "2025-10-01";
/** Microsoft.Authorization permissions (the caller's effective actions at a scope). */
export const AUTHORIZATION_API_VERSION = "2022-04-01";

const USABLE_SUBSCRIPTION_STATES = new Set(["enabled", "warned", "pastdue"]);

/**
 * Adapts the real Azure SDK clients to the collector's narrow ARM port. Every client takes the one
 * credential it is given (the run's cached credential), so the audience is asked for once.
 */
export function createArmAksReader(credential: TokenCredential, options: ArmClientOptions): AksArm {
  const clientOptions = {
    endpoint: options.endpoint,
    credentials: { scopes: [options.audience] },
    ...(options.retryOptions ? { retryOptions: { ...options.retryOptions } } : {}),
    additionalPolicies: [
      // Outer to the backoff policy, so it sees the Retry-After that policy supplies.
      ...(options.limiters ? [{ policy: armLimitPolicy(options.limiters), position: "perRetry" as const }] : []),
      { policy: throttleBackoffPolicy(options.throttleBackoffMs), position: "perRetry" as const },
    ],
  };
  const clusterClients = new Map<string, ContainerServiceClient>();
  const clusterClient = (subscriptionId: string): ContainerServiceClient => {
    let client = clusterClients.get(subscriptionId);
    if (!client) {
      client = new ContainerServiceClient(credential, subscriptionId, {
        ...clientOptions,
        apiVersion: CONTAINER_SERVICE_API_VERSION,
      });
      clusterClients.set(subscriptionId, client);
    }
    return client;
  };

  // No generated client covers permissions at subscription scope: the core pipeline, with the same policies.
  const pipeline = createPipelineFromOptions({
    ...(options.retryOptions ? { retryOptions: { ...options.retryOptions } } : {}),
    userAgentOptions: { userAgentPrefix: "cluster-audit-functions" },
  });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [options.audience] }));
  if (options.limiters) pipeline.addPolicy(armLimitPolicy(options.limiters), { afterPhase: "Retry" });
  pipeline.addPolicy(throttleBackoffPolicy(options.throttleBackoffMs), { afterPhase: "Retry" });
  const httpClient = createDefaultHttpClient();

  return {
    async *listSubscriptionIds() {
      const client = new SubscriptionClient(credential, clientOptions);
      for await (const subscription of client.subscriptions.list()) {
        const state = (subscription.state ?? "Enabled").toLowerCase();
        if (subscription.subscriptionId && USABLE_SUBSCRIPTION_STATES.has(state)) yield subscription.subscriptionId;
      }
    },

    async readPermissions(subscriptionId: string): Promise<ArmPermission[]> {
      const permissions: ArmPermission[] = [];
      let url: string | undefined =
        `${options.endpoint.replace(/\/+$/, "")}/subscriptions/${encodeURIComponent(subscriptionId)}` +
        `/providers/Microsoft.Authorization/permissions?api-version=${AUTHORIZATION_API_VERSION}`;
      while (url) {
        const request = createPipelineRequest({ url, method: "GET" });
        const response = await pipeline.sendRequest(httpClient, request);
        const body = parseJson(response.bodyAsText ?? undefined);
        if (response.status !== 200) {
          const error = asRecord(asRecord(body)?.error);
          throw Object.assign(
            new RestError(asString(error?.message) ?? `permissions request failed with HTTP ${response.status}`, {
              statusCode: response.status,
              ...(asString(error?.code) ? { code: asString(error?.code) } : {}),
              request,
              response,
            }),
            { details: body },
          );
        }
        for (const entry of asArray(asRecord(body)?.value)) {
          const record = asRecord(entry);
          permissions.push({
            actions: asArray(record?.actions).filter((a): a is string => typeof a === "string"),
            notActions: asArray(record?.notActions).filter((a): a is string => typeof a === "string"),
          });
        }
        url = asString(asRecord(body)?.nextLink);
      }
      return permissions;
    },

    async getManagedCluster(subscriptionId, resourceGroup, name): Promise<ManagedCluster | null> {
      try {
        return await clusterClient(subscriptionId).managedClusters.get(resourceGroup, name);
      } catch (error) {
        // Deleted since Resource Graph indexed it: ARM is the authority.
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
  };
}

function parseJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
