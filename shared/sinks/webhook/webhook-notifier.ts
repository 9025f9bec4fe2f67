import type { ChatChannel, Notifier, RunInfo, SinkResult } from "../../engine/ports.js";
import { describeError } from "../../errors.js";
import type { Finding } from "../../model/finding.js";
import { defaultSleep, type PostOptions, type PostResult, postJson } from "./post-json.js";

export interface WebhookNotifierOptions<M> {
  readonly channel: ChatChannel;
  readonly url: string;
  readonly render: (findings: readonly Finding[], run: RunInfo) => M[];
  readonly accepted: (result: PostResult) => boolean;
  /** Gap between messages of one digest, to stay under the channel's rate limit. */
  readonly spacingMs: number;
  readonly post?: PostOptions;
}

/** A chat sink: pure renderer plus a transport. Returns a result; never throws. */
export function createWebhookNotifier<M>(options: WebhookNotifierOptions<M>): Notifier {
  const target = new URL(options.url).host;
  const sleep = options.post?.sleep ?? defaultSleep;
  return {
    channel: options.channel,
    target,
    async send(findings: readonly Finding[], run: RunInfo): Promise<SinkResult> {
      const base = { sink: options.channel, target };
      const messages = options.render(findings, run);
      for (const [index, message] of messages.entries()) {
        if (index > 0) await sleep(options.spacingMs);
        try {
          const result = await postJson(options.url, message, options.post);
          if (!options.accepted(result)) {
            const why = `${options.channel} webhook answered HTTP ${result.status}${result.body ? ` ${result.body.slice(0, 120)}` : ""}`;
            return {
              ...base,
              ok: false,
              delivered: 0,
              failed: findings.length,
              error: `${why} (message ${index + 1} of ${messages.length})`,
            };
          }
        } catch (error) {
          return { ...base, ok: false, delivered: 0, failed: findings.length, error: describeError(error) };
        }
      }
      return { ...base, ok: true, delivered: findings.length, failed: 0, error: null };
    },
  };
}
