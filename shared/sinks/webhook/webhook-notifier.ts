import type { AzureCloudName } from "../../config/azure-clouds.js";
import type { AcceptedHook, ChatChannel, DeliveryResult, Notification, Notifier, RunInfo } from "../../engine/ports.js";
import { describeError } from "../../errors.js";
import { DEFAULT_MAX_CRITICAL_MESSAGES, type MessagePlan, planMessages, type RenderContext } from "../digest.js";
import type { RenderedMessage } from "../slack/render-blocks.js";
import { defaultSleep, type PostOptions, type PostResult, postJson } from "./post-json.js";

export interface WebhookNotifierOptions<M> {
  readonly channel: ChatChannel;
  readonly url: string;
  readonly render: (plan: MessagePlan, run: RunInfo, context: RenderContext) => RenderedMessage<M>[];
  readonly accepted: (result: PostResult) => boolean;
  /** Gap between messages, to stay under the channel's rate limit. */
  readonly spacingMs: number;
  readonly maxCriticalMessages?: number;
  /** Where the overflow line sends readers (the findings table), without secrets. */
  readonly storeTarget?: string;
  /** Which Azure portal the links open. */
  readonly azureCloud?: AzureCloudName;
  readonly post?: PostOptions;
}

/** A rejection of this one message (its content), as opposed to the channel being down or misconfigured. */
const rejectsOnlyThisMessage = (status: number): boolean => status === 400 || status === 413;

/**
 * A chat sink: a pure renderer plus a transport. Each accepted message is
 * acknowledged before the next one is posted, so at most one message can arrive
 * without being recorded. Returns a result; never throws for a delivery failure.
 */
export function createWebhookNotifier<M>(options: WebhookNotifierOptions<M>): Notifier {
  const target = new URL(options.url).host;
  const sleep = options.post?.sleep ?? defaultSleep;
  return {
    channel: options.channel,
    target,
    async deliver(
      notifications: readonly Notification[],
      run: RunInfo,
      onAccepted: AcceptedHook,
    ): Promise<DeliveryResult> {
      const plan = planMessages(notifications, {
        maxCriticalMessages: options.maxCriticalMessages ?? DEFAULT_MAX_CRITICAL_MESSAGES,
      });
      const messages = options.render(plan, run, {
        store: options.storeTarget ?? "findings table",
        azureCloud: options.azureCloud ?? "AzurePublicCloud",
      });
      const deliveredKeys: { fingerprint: string; key: string }[] = [];
      const errors: string[] = [];
      let posted = 0;
      for (const [index, message] of messages.entries()) {
        if (index > 0) await sleep(options.spacingMs);
        let result: PostResult;
        try {
          result = await postJson(options.url, message.payload, options.post);
        } catch (error) {
          errors.push(describeError(error));
          break;
        }
        if (!options.accepted(result)) {
          errors.push(
            `${options.channel} webhook answered HTTP ${result.status}${result.body ? ` ${result.body.slice(0, 120)}` : ""} (message ${index + 1} of ${messages.length})`,
          );
          // A channel that is down or revoked stays owed as a whole; a bad message does not block the others.
          if (rejectsOnlyThisMessage(result.status)) continue;
          break;
        }
        posted += 1;
        const carried = message.carries.map((n) => ({ fingerprint: n.finding.fingerprint, key: n.intent.key }));
        try {
          await onAccepted(carried);
        } catch (error) {
          // Delivered but not recorded: the next run would repeat it, so stop here rather than widen that window.
          errors.push(`message ${index + 1} delivered but its delivery could not be recorded: ${describeError(error)}`);
          break;
        }
        deliveredKeys.push(...carried);
      }
      return {
        sink: options.channel,
        target,
        ok: errors.length === 0,
        delivered: deliveredKeys.length,
        failed: notifications.length - deliveredKeys.length,
        error: errors.length === 0 ? null : errors.join("; "),
        messages: posted,
        deliveredKeys,
      };
    },
  };
}
