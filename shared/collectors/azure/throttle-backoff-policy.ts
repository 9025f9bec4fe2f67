import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

/**
 * The SDK retries a 429 only when it names a Retry-After; some resource providers send
 * none. This policy, placed per retry, supplies an exponential Retry-After on such
 * answers, so the SDK's own bounded retry loop handles them too.
 */
export function throttleBackoffPolicy(baseDelayMs = 1000): PipelinePolicy {
  const attempts = new WeakMap<PipelineRequest, number>();
  return {
    name: "cluster-audit-throttle-backoff",
    async sendRequest(request, next) {
      const response = await next(request);
      const hinted = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"].some((h) => response.headers.has(h));
      if (response.status !== 429 || hinted) return response;
      const attempt = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, attempt);
      const delayMs = Math.min(baseDelayMs * 2 ** (attempt - 1), 30_000);
      response.headers.set("retry-after-ms", String(Math.round(delayMs * (0.8 + Math.random() * 0.4))));
      return response;
    },
  };
}
