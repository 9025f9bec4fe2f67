import type { Notifier } from "../../engine/ports.js";
import type { PostOptions } from "../webhook/post-json.js";
import { createWebhookNotifier } from "../webhook/webhook-notifier.js";
import { renderTeamsMessages } from "./render-card.js";

/** Workflows accept with 202 (some flows 200); anything else is a failed delivery. */
export function createTeamsNotifier(url: string, post?: PostOptions): Notifier {
  return createWebhookNotifier({
    channel: "teams",
    url,
    render: renderTeamsMessages,
    accepted: (r) => r.status === 200 || r.status === 202,
    spacingMs: 300,
    ...(post ? { post } : {}),
  });
}
