import type { Notifier } from "../../engine/ports.js";
import type { ChatNotifierOptions } from "../slack/slack-notifier.js";
import { createWebhookNotifier } from "../webhook/webhook-notifier.js";
import { renderTeamsMessages } from "./render-card.js";

/** Workflows accept with 202 (some flows 200); anything else is a failed delivery. Under 4 requests per second. */
export function createTeamsNotifier(url: string, options: ChatNotifierOptions = {}): Notifier {
  return createWebhookNotifier({
    channel: "teams",
    url,
    render: renderTeamsMessages,
    accepted: (r) => r.status === 200 || r.status === 202,
    spacingMs: 300,
    ...options,
  });
}
