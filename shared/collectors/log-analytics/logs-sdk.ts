import type { TokenCredential } from "@azure/core-auth";
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from "@azure/monitor-query-logs";
import pLimit, { type LimitFunction } from "p-limit";
import { redact } from "../../errors.js";
import { limitPolicy } from "../azure/limit-policy.js";
import { throttleBackoffPolicy } from "../azure/throttle-backoff-policy.js";
import type { CallLimiter } from "../limits.js";
import type { LogsQueryAnswer, LogsQueryRequest, LogsReader } from "./log-analytics-collector.js";
import type { Row } from "./mappers.js";

export interface LogsClientOptions {
  /** The query API root (`.../v1`), used verbatim (settings.azure.logsEndpoint). */
  readonly endpoint: string;
  /** The token scope (settings.azure.logsAudience). */
  readonly audience: string;
  /** The server stops a query after this long (the service's default is 180 s, its maximum 600 s). */
  readonly serverTimeoutInSeconds?: number;
  /** Queries in flight per identity; the service runs 5 per user and queues the rest. */
  readonly concurrency?: number;
  /** Test and demo harnesses shorten retry waits; production keeps the SDK defaults. */
  readonly retryOptions?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
  /** First wait for a 429 that names no Retry-After; doubles per retry. */
  readonly throttleBackoffMs?: number;
  /**
   * The run's Log Analytics limiter, taken per HTTP attempt (a retry's wait holds no slot, and a 429's
   * Retry-After holds the others); without it, queries share `sharedLimiter` of the credential.
   */
  readonly limiter?: CallLimiter;
}

/** The service's limit of concurrent queries per user (limits.md §3). */
export const LOG_ANALYTICS_CONCURRENCY = 5;
export const DEFAULT_SERVER_TIMEOUT_SECONDS = 180;

// One limiter per identity: every reader built on the same credential shares it, so all the queries
// one identity sends stay within the service's concurrency limit together.
const limiters = new WeakMap<TokenCredential, LimitFunction>();

export function sharedLimiter(credential: TokenCredential, concurrency = LOG_ANALYTICS_CONCURRENCY): LimitFunction {
  let limit = limiters.get(credential);
  if (!limit) {
    limit = pLimit(concurrency);
    limiters.set(credential, limit);
  }
  return limit;
}

/** The first table's rows as records keyed by column name (the SDK already made datetimes Dates and parsed dynamic columns). */
export function tableRows(tables: readonly LogsTable[]): Row[] {
  const table = tables[0];
  if (!table) return [];
  const names = table.columnDescriptors.map((c) => c.name ?? "");
  return table.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

/** Adapts LogsQueryClient of @azure/monitor-query-logs to the collector's port. */
export function createLogsReader(credential: TokenCredential, options: LogsClientOptions): LogsReader {
  const { limiter } = options;
  const client = new LogsQueryClient(credential, {
    endpoint: options.endpoint,
    audience: options.audience,
    // monitor-query-logs 1.0.0 takes its token scope from credentials.scopes; audience alone is not enough.
    credentials: { scopes: [options.audience] },
    ...(options.retryOptions ? { retryOptions: { ...options.retryOptions } } : {}),
    additionalPolicies: [
      ...(limiter ? [{ policy: limitPolicy(() => limiter), position: "perRetry" as const }] : []),
      { policy: throttleBackoffPolicy(options.throttleBackoffMs), position: "perRetry" },
    ],
  });
  const shared = limiter ? null : sharedLimiter(credential, options.concurrency);
  const limit = <T>(task: () => Promise<T>): Promise<T> => (shared ? shared(task) : task());
  const serverTimeoutInSeconds = options.serverTimeoutInSeconds ?? DEFAULT_SERVER_TIMEOUT_SECONDS;
  return {
    query: (request: LogsQueryRequest): Promise<LogsQueryAnswer> =>
      limit(async () => {
        const [primary, ...additional] = request.workspaces;
        if (!primary) throw new Error("a Log Analytics query needs a workspace");
        const result = await client.queryWorkspace(
          primary,
          request.query,
          { duration: `PT${Math.max(1, Math.ceil(request.timespanHours))}H` },
          { serverTimeoutInSeconds, ...(additional.length > 0 ? { additionalWorkspaces: additional } : {}) },
        );
        if (result.status === LogsQueryResultStatus.Success)
          return { status: "success", rows: tableRows(result.tables) };
        const details = (result.partialError as { details?: { message?: string }[] }).details ?? [];
        const message = [result.partialError.message, ...details.map((d) => d.message ?? "")].filter(Boolean).join(" ");
        return {
          status: "partial",
          rows: tableRows(result.partialTables),
          reason: redact(message || "partial result"),
          code: result.partialError.code ?? null,
        };
      }),
  };
}
