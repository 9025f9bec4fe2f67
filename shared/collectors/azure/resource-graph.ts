import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { CallLimiter } from "../limits.js";
import type { ArmClientOptions } from "./arm-sdk.js";
import { limitPolicy } from "./limit-policy.js";
import { throttleBackoffPolicy } from "./throttle-backoff-policy.js";

/**
 * Runs one KQL query over the `resources` table of every subscription given and yields its rows.
 * The narrow port other collectors reuse (the Log Analytics collector resolves workspace ARM IDs with it).
 * Rows of a batch of subscriptions are yielded only once the whole batch has paged in, so no caller
 * ever sees half a batch. If any batch fails, the others are still yielded and the iterator then
 * throws `ResourceGraphIncompleteError` naming the subscriptions it could not read.
 */
export type ResourceGraphQuery = (
  query: string,
  subscriptions: readonly string[],
) => AsyncIterable<Record<string, unknown>>;

export class ResourceGraphIncompleteError extends Error {
  override readonly name = "ResourceGraphIncompleteError";
  /** Lower-cased subscription IDs whose rows are missing. */
  readonly failedSubscriptions: readonly string[];

  constructor(failedSubscriptions: readonly string[], cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.failedSubscriptions = failedSubscriptions;
  }
}

/** Resource Graph pages hold at most 1000 rows; asking for fewer only costs more quota. */
export const RESOURCE_GRAPH_MAX_PAGE = 1000;
/** A request may name up to 1000 subscriptions; Microsoft's guidance is to stay under 300 per query. */
export const RESOURCE_GRAPH_MAX_BATCH = 1000;
export const RESOURCE_GRAPH_DEFAULT_BATCH = 300;

export interface ResourceGraphReaderOptions extends ArmClientOptions {
  /** Subscriptions per request (at most 1000; default 300). */
  readonly batchSize?: number;
  /** Rows per page (at most 1000, the default); tests lower it to exercise paging. */
  readonly pageSize?: number;
  /** Waiting for the quota window to reset; tests record it. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `hh:mm:ss` (x-ms-user-quota-resets-after) in milliseconds, or null when unreadable. */
export function parseQuotaReset(value: string | undefined): number | null {
  const match = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value?.trim() ?? "");
  if (!match) return null;
  const [, h, m, s] = match;
  return (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
}

/**
 * Honours Resource Graph's per-user quota. Every answer says how many queries are left in the
 * window and when it resets; once none are left, the next request waits for the reset instead of
 * collecting a 429. A 429 that names no Retry-After gets one from the reset time, so the SDK's own
 * bounded retry loop waits exactly that long.
 */
export function resourceGraphQuotaPolicy(
  sleep: (ms: number) => Promise<void> = defaultSleep,
  now: () => number = Date.now,
  /** The identity's shared Resource Graph limiter: a spent quota then holds every reader's next request. */
  limiter?: CallLimiter,
): PipelinePolicy {
  let spentUntil = 0;
  return {
    name: "cluster-audit-resource-graph-quota",
    async sendRequest(request, next) {
      const wait = spentUntil - now();
      if (wait > 0) await sleep(wait);
      const response = await next(request);
      const remaining = Number(response.headers.get("x-ms-user-quota-remaining"));
      const resetMs = parseQuotaReset(response.headers.get("x-ms-user-quota-resets-after"));
      if (resetMs !== null && Number.isFinite(remaining) && remaining <= 0) {
        spentUntil = now() + resetMs;
        limiter?.holdUntil(Date.now() + resetMs);
      }
      const hinted = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"].some((h) => response.headers.has(h));
      if (response.status === 429 && !hinted && resetMs !== null)
        response.headers.set("retry-after-ms", String(Math.max(resetMs, 1)));
      return response;
    },
  };
}

function batches(subscriptions: readonly string[], size: number): string[][] {
  const unique = [...new Set(subscriptions.map((s) => s.trim().toLowerCase()).filter(Boolean))];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}

const isRow = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Adapts the real ResourceGraphClient (5.x) to the query port: batches, pages, quota, retries. */
export function createResourceGraphReader(
  credential: TokenCredential,
  options: ResourceGraphReaderOptions,
): ResourceGraphQuery {
  const batchSize = Math.min(Math.max(1, options.batchSize ?? RESOURCE_GRAPH_DEFAULT_BATCH), RESOURCE_GRAPH_MAX_BATCH);
  const top = Math.min(Math.max(1, options.pageSize ?? RESOURCE_GRAPH_MAX_PAGE), RESOURCE_GRAPH_MAX_PAGE);
  // Shared by every reader of the run (the AKS and the Log Analytics collectors): one quota, one limit.
  const limiter = options.limiters?.resourceGraph();
  const client = new ResourceGraphClient(credential, {
    endpoint: options.endpoint,
    credentials: { scopes: [options.audience] },
    ...(options.retryOptions ? { retryOptions: { ...options.retryOptions } } : {}),
    additionalPolicies: [
      ...(limiter ? [{ policy: limitPolicy(() => limiter), position: "perRetry" as const }] : []),
      { policy: throttleBackoffPolicy(options.throttleBackoffMs), position: "perRetry" },
      // Inner to the backoff policy: it sees each answer first and turns the quota reset into the wait.
      { policy: resourceGraphQuotaPolicy(options.sleep, options.now, limiter), position: "perRetry" },
    ],
  });

  const readBatch = async (query: string, subscriptions: string[]): Promise<Record<string, unknown>[]> => {
    const rows: Record<string, unknown>[] = [];
    let skipToken: string | undefined;
    do {
      const page = await client.resources({
        query,
        subscriptions,
        options: { top, resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
      });
      if (!Array.isArray(page.data) || !page.data.every(isRow))
        throw new Error("Resource Graph answered without an object array");
      rows.push(...page.data);
      // A truncated answer without a skipToken cannot be completed: refuse it rather than keep half.
      if (page.resultTruncated === "true" && !page.skipToken)
        throw new Error(`Resource Graph truncated the result at ${rows.length} of ${page.totalRecords} rows`);
      skipToken = page.skipToken || undefined;
    } while (skipToken);
    return rows;
  };

  return async function* query(text, subscriptions) {
    const failed: string[] = [];
    let firstError: unknown;
    // Batches page independently, so they all start at once (the limiter and the quota pace them);
    // rows still come out batch by batch, in order. An empty list means no rows, never a tenant-wide query.
    const reads = batches(subscriptions, batchSize).map((batch) => ({
      batch,
      rows: readBatch(text, batch).then(
        (rows) => ({ ok: true as const, rows }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    }));
    for (const { batch, rows } of reads) {
      const read = await rows;
      if (!read.ok) {
        failed.push(...batch);
        firstError ??= read.error;
        continue;
      }
      yield* read.rows;
    }
    if (failed.length > 0) throw new ResourceGraphIncompleteError(failed, firstError);
  };
}
