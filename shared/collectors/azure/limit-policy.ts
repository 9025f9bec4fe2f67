import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { type CallLimiter, type LimiterRegistry, retryAfterMs } from "../limits.js";

const SUBSCRIPTION_PATH = /^\/subscriptions\/([^/]+)/i;

/**
 * Every attempt takes a slot of its limiter for the HTTP exchange only (placed per retry, so the
 * SDK's retry wait holds none). A 429 or 503 that names a Retry-After holds its bucket for that
 * long, so the other calls queued for it wait too instead of collecting throttles of their own.
 */
export function limitPolicy(limiterOf: (url: string) => CallLimiter): PipelinePolicy {
  return {
    name: "cluster-audit-limit",
    sendRequest: (request, next) => {
      const limiter = limiterOf(request.url);
      return limiter.run(async () => {
        const response = await next(request);
        if (response.status === 429 || response.status === 503) {
          const wait = retryAfterMs((name) => response.headers.get(name));
          if (wait !== null) limiter.holdUntil(Date.now() + wait);
        }
        return response;
      });
    },
  };
}

/** ARM: the run's global slot, and the bucket of the subscription the URL names. */
export const armLimitPolicy = (limiters: LimiterRegistry): PipelinePolicy =>
  limitPolicy((url) => {
    const id = SUBSCRIPTION_PATH.exec(new URL(url).pathname)?.[1];
    return limiters.arm(id ? decodeURIComponent(id) : null);
  });
