import type { Notifier } from "../../engine/ports.js";
import type { PostOptions } from "../webhook/post-json.js";
import { createWebhookNotifier } from "../webhook/webhook-notifier.js";
import { renderSlackMessages } from "./render-blocks.js";

/** Slack answers 200 with the body "ok"; errors come back as plain-text codes. */
export function createSlackNotifier(url: string, post?: PostOptions): Notifier {
  return createWebhookNotifier({
    channel: "slack",
    url,
    render: renderSlackMessages,
    accepted: (r) => r.status === 200,
    spacingMs: 1100,
    ...(post ? { post } : {}),
  });
}
