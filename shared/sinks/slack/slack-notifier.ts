import type { AzureCloudName } from "../../config/azure-clouds.js";
import type { Notifier } from "../../engine/ports.js";
import type { PostOptions } from "../webhook/post-json.js";
import { createWebhookNotifier } from "../webhook/webhook-notifier.js";
import { renderSlackMessages } from "./render-blocks.js";

export interface ChatNotifierOptions {
  readonly post?: PostOptions;
  readonly maxCriticalMessages?: number;
  readonly storeTarget?: string;
  readonly azureCloud?: AzureCloudName;
}

/** Slack answers 200 with the body "ok"; errors come back as plain-text codes. At most 1 message per second. */
export function createSlackNotifier(url: string, options: ChatNotifierOptions = {}): Notifier {
  return createWebhookNotifier({
    channel: "slack",
    url,
    render: renderSlackMessages,
    accepted: (r) => r.status === 200,
    spacingMs: 1100,
    ...options,
  });
}
