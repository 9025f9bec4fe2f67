import type { TokenCredential } from "@azure/core-auth";
import type { Settings } from "../config/settings.js";
import { encodeMessage, type FanOutMessage } from "./messages.js";

/** The narrow queue surface the planner and the workers need. */
export interface ScopeQueue {
  readonly target: string;
  /** Sends a message, visible after `delaySeconds` (the deadline of a sweep's finishing step). */
  send(message: FanOutMessage, delaySeconds?: number): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The scope queue of the function's storage account (managed identity), or of a connection string (Azurite).
 * The Storage SDK is imported here, on first use, not when the function's module loads (cold start).
 */
export async function createScopeQueue(
  settings: Settings,
  credential: () => TokenCredential,
): Promise<ScopeQueue | null> {
  const queue = settings.fanOut.queue;
  if (!queue) return null;
  const { QueueClient } = await import("@azure/storage-queue");
  let client: InstanceType<typeof QueueClient>;
  if (queue.kind === "endpoint") {
    client = new QueueClient(`${queue.endpoint}/${settings.fanOut.queueName}`, credential());
  } else {
    client = new QueueClient(queue.connectionString, settings.fanOut.queueName);
    const endpoint = new URL(client.url);
    if (endpoint.protocol === "http:" && !LOOPBACK.has(endpoint.hostname))
      throw new Error("AUDIT_QUEUE_CONNECTION_STRING: plain http is accepted only for a loopback emulator");
  }
  const target = `${new URL(client.url).host}/${settings.fanOut.queueName}`;
  let ensured: Promise<unknown> | undefined;
  return {
    target,
    async send(message, delaySeconds = 0) {
      ensured ??= client.createIfNotExists().catch((error: unknown) => {
        ensured = undefined;
        // With data-plane RBAC only the queue may exist while creating it is forbidden (the deployment made it).
        if ((error as { statusCode?: number }).statusCode !== 403) throw error;
      });
      await ensured;
      await client.sendMessage(encodeMessage(message), {
        ...(delaySeconds > 0 ? { visibilityTimeout: Math.min(delaySeconds, 7 * 24 * 3600) } : {}),
        messageTimeToLive: 2 * 24 * 3600,
      });
    },
  };
}
