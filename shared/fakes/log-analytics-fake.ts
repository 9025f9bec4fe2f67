import type { IncomingMessage, ServerResponse } from "node:http";
import { KqlError, runKql } from "./kql/interpreter.js";
import type { KqlTableData } from "./kql/types.js";
import { formatDateTime, formatTimespan, toJsonText } from "./kql/values.js";
import { type RunningServer, sendJson, startLoopbackServer } from "./loopback-server.js";
import type { WorkspaceTables } from "./telemetry.js";

/** One query the fake answered (or refused), in arrival order. */
export interface RecordedQuery {
  /** The workspace in the path, then the body's `workspaces`, as sent. */
  readonly workspaces: readonly string[];
  readonly query: string;
  readonly timespan: string | null;
  /** The Prefer header (`wait=<seconds>` is the server timeout). */
  readonly prefer: string | null;
  readonly authorization: string | null;
  readonly status: number;
}

/** A fault for the next matching queries. */
export interface Fault {
  /**
   * `partial`: 200 with the rows and a top-level error (PartialFailure); `throttle`: 429 (with
   * Retry-After unless `retryAfterSeconds` is null); `error`: 500.
   */
  readonly kind: "partial" | "throttle" | "error";
  /** Only queries whose text contains this (default: any). */
  readonly matching?: string;
  /** How many queries it hits (default 1). */
  readonly times?: number;
  readonly retryAfterSeconds?: number | null;
}

export interface LogAnalyticsFakeOptions {
  /** The query clock (now(), ago(), the timespan). The demo passes the real clock, tests a fixed date. */
  readonly now?: () => Date;
  /** Added before every answer, to model a round trip. */
  readonly latencyMs?: number;
}

export interface LogAnalyticsFake extends RunningServer {
  /** The base URL the product takes as AUDIT_AZURE_LOGS_ENDPOINT (`.../v1`). */
  readonly endpoint: string;
  readonly queries: readonly RecordedQuery[];
  /** Queries answered at once, at most (checks the product's concurrency limit). */
  readonly maxConcurrent: () => number;
  /** Queues a fault for the next matching queries. */
  inject(fault: Fault): void;
  /** Replaces the workspaces' rows (tests). */
  setWorkspaces(workspaces: ReadonlyMap<string, WorkspaceTables>): void;
}

const QUERY_PATH = /^(?:\/v1)?\/workspaces\/([^/]+)\/query\/?$/i;

/** ISO-8601 duration (PnDTnHnMnS, PnW) in milliseconds, or null. */
export function parseIsoDuration(text: string): number | null {
  const match =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      text.trim(),
    );
  if (!match || text.trim().toUpperCase() === "P" || text.trim().toUpperCase().endsWith("T")) return null;
  const [, w, d, h, m, s] = match.map((v) => (v === undefined ? 0 : Number(v)));
  return (((w ?? 0) * 7 + (d ?? 0)) * 24 * 3600 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000;
}

/** The [start, end] a request's timespan covers: a duration ending now, or an ISO interval. */
export function timespanWindow(
  timespan: string | null | undefined,
  now: number,
): { start: number; end: number } | null {
  if (!timespan) return null;
  const [first = "", second] = timespan.split("/");
  if (second === undefined) {
    const duration = parseIsoDuration(first);
    if (duration === null) throw new Error(`timespan ${JSON.stringify(timespan)} is not an ISO-8601 duration`);
    return { start: now - duration, end: now };
  }
  const startTime = Date.parse(first);
  const endTime = Date.parse(second);
  if (!Number.isNaN(startTime) && !Number.isNaN(endTime)) return { start: startTime, end: endTime };
  if (!Number.isNaN(startTime)) {
    const duration = parseIsoDuration(second);
    if (duration !== null) return { start: startTime, end: startTime + duration };
  }
  const duration = parseIsoDuration(first);
  if (duration !== null && !Number.isNaN(endTime)) return { start: endTime - duration, end: endTime };
  throw new Error(`timespan ${JSON.stringify(timespan)} is not an ISO-8601 interval`);
}

const timeOf = (value: unknown): number =>
  value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;

/** The tables of these workspaces, rows concatenated and cut to the timespan (as the service applies it). */
function tablesFor(
  workspaces: readonly WorkspaceTables[],
  window: { start: number; end: number } | null,
): Record<string, KqlTableData> {
  const merged: Record<string, { columns: KqlTableData["columns"]; rows: Record<string, unknown>[] }> = {};
  for (const tables of workspaces) {
    for (const [name, table] of Object.entries(tables)) {
      const target = merged[name] ?? { columns: table.columns, rows: [] };
      merged[name] = target;
      for (const row of table.rows) {
        if (window && "TimeGenerated" in table.columns) {
          const t = timeOf(row.TimeGenerated);
          if (!(t >= window.start && t <= window.end)) continue;
        }
        target.rows.push(row);
      }
    }
  }
  return merged;
}

/** A result cell in the service's wire format: datetimes ISO text, dynamic JSON text, timespans Kusto text. */
function wireCell(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "datetime":
      return value instanceof Date ? formatDateTime(value.getTime()) : value;
    case "dynamic":
      return toJsonText(value);
    case "timespan":
      return typeof value === "number" ? formatTimespan(value) : value;
    default:
      return value;
  }
}

/**
 * The Log Analytics query API over HTTPS on loopback, in wire format, for the real LogsQueryClient:
 * `POST [/v1]/workspaces/{id}/query` with `{ query, timespan, workspaces? }`. It runs the query with the
 * KQL interpreter over the rows of every workspace named (TenantId tells them apart), cut to the
 * timespan. It answers `PartialFailure` (200 with a top-level `error`) when an additional workspace is
 * unknown or when a fault asks for it, `429` when throttled, `400 BadArgumentError` for a query Kusto
 * rejects, `404` for an unknown primary workspace, `401` without a bearer token, and `501` for KQL the
 * interpreter does not model (a gap in the fake, never silently skipped). It records every query.
 */
export async function startLogAnalyticsFake(
  initial: ReadonlyMap<string, WorkspaceTables>,
  tls: { key: string; cert: string },
  options: LogAnalyticsFakeOptions = {},
): Promise<LogAnalyticsFake> {
  let workspaces = new Map([...initial].map(([id, tables]) => [id.toLowerCase(), tables] as const));
  const queries: RecordedQuery[] = [];
  const faults: (Fault & { left: number })[] = [];
  const clock = options.now ?? (() => new Date());
  let running = 0;
  let peak = 0;

  const takeFault = (query: string): Fault | undefined => {
    const index = faults.findIndex((f) => f.left > 0 && (f.matching === undefined || query.includes(f.matching)));
    const fault = faults[index];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left === 0) faults.splice(index, 1);
    return fault;
  };

  const answer = (request: IncomingMessage, body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "https://127.0.0.1");
    const authorization = request.headers.authorization ?? null;
    const prefer = typeof request.headers.prefer === "string" ? request.headers.prefer : null;
    const match = QUERY_PATH.exec(url.pathname);
    let parsed: { query?: unknown; timespan?: unknown; workspaces?: unknown } = {};
    try {
      parsed = body ? (JSON.parse(body) as typeof parsed) : {};
    } catch {
      // Answered as a bad request below.
    }
    const query = typeof parsed.query === "string" ? parsed.query : "";
    const timespan = typeof parsed.timespan === "string" ? parsed.timespan : null;
    const additional = Array.isArray(parsed.workspaces) ? parsed.workspaces.map(String) : [];
    const named = [decodeURIComponent(match?.[1] ?? ""), ...additional];
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      queries.push({ workspaces: named, query, timespan, prefer, authorization, status });
      sendJson(response, status, payload, headers);
    };

    if (!authorization?.startsWith("Bearer ")) {
      reply(401, { error: { code: "AuthorizationRequiredError", message: "Valid authentication was not provided" } });
      return;
    }
    if (request.method !== "POST" || !match) {
      reply(404, {
        error: { code: "PathNotFoundError", message: `The requested path does not exist: ${url.pathname}` },
      });
      return;
    }
    if (!query) {
      reply(400, { error: { code: "BadArgumentError", message: "The request had some invalid properties: query" } });
      return;
    }
    const primary = workspaces.get(named[0]?.toLowerCase() ?? "");
    if (!primary) {
      reply(404, {
        error: { code: "WorkspaceNotFoundError", message: `Workspace ${named[0] ?? ""} could not be found` },
      });
      return;
    }
    const fault = takeFault(query);
    if (fault?.kind === "throttle") {
      const retryAfter = fault.retryAfterSeconds === undefined ? 0 : fault.retryAfterSeconds;
      reply(
        429,
        { error: { code: "ThrottledError", message: "Your request has been throttled: too many concurrent queries" } },
        retryAfter === null ? {} : { "retry-after": String(retryAfter) },
      );
      return;
    }
    if (fault?.kind === "error") {
      reply(500, { error: { code: "InternalServerError", message: "The server encountered an internal error" } });
      return;
    }
    const unknown = additional.filter((w) => !workspaces.has(w.toLowerCase()));
    const known: WorkspaceTables[] = [primary];
    for (const w of additional) {
      const tables = workspaces.get(w.toLowerCase());
      if (tables) known.push(tables);
    }
    const now = clock();
    let result: ReturnType<typeof runKql>;
    try {
      result = runKql(query, tablesFor(known, timespanWindow(timespan, now.getTime())), { now });
    } catch (error) {
      if (error instanceof KqlError && (error.code === "SyntaxError" || error.code === "SemanticError")) {
        reply(400, {
          error: {
            code: "BadArgumentError",
            message: "The request had some invalid properties",
            innererror: { code: error.code, message: error.message },
          },
        });
        return;
      }
      reply(501, {
        error: {
          code: "NotImplemented",
          message: `The Log Analytics fake cannot run this query: ${error instanceof Error ? error.message : String(error)}`,
        },
      });
      return;
    }
    const table = {
      name: "PrimaryResult",
      columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: result.rows.map((row) => row.map((cell, i) => wireCell(cell, result.columns[i]?.type ?? "string"))),
    };
    const partial =
      fault?.kind === "partial"
        ? "The query was partially processed: some data was left out (injected fault)"
        : unknown.length > 0
          ? `Failed to resolve workspace(s) ${unknown.join(", ")}`
          : null;
    reply(200, {
      tables: [table],
      ...(partial
        ? {
            error: {
              code: "PartialError",
              message: "There were some errors when processing your query.",
              details: [{ code: "PartialError", message: partial }],
            },
          }
        : {}),
    });
  };

  const server = await startLoopbackServer(async (request, body, response) => {
    running += 1;
    peak = Math.max(peak, running);
    try {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      answer(request, body, response);
    } finally {
      running -= 1;
    }
  }, tls);

  return {
    ...server,
    endpoint: `${server.url}/v1`,
    queries,
    maxConcurrent: () => peak,
    inject: (fault) => {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    setWorkspaces: (next) => {
      workspaces = new Map([...next].map(([id, tables]) => [id.toLowerCase(), tables] as const));
    },
  };
}
