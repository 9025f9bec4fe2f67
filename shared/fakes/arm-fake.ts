import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ArmResourceWire, Estate, EstateSubscription } from "./estate.js";
import { KqlError, runKql } from "./kql/interpreter.js";
import { resourceGraphSchema } from "./kql/schema.js";
import { type RunningServer, sendJson, startLoopbackServer } from "./loopback-server.js";

/** The routes the fake serves, for counting calls. */
export type ArmRoute =
  | "subscriptions"
  | "managed-clusters-list"
  | "managed-cluster-get"
  | "permissions"
  | "resource-graph"
  | "unknown";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly route: ArmRoute;
  /** The subscription a subscription-scoped route addressed (lower case). */
  readonly subscriptionId?: string;
}

/** What a Resource Graph request asked for (the wire body). */
export interface ResourceGraphRequest {
  readonly query: string;
  readonly subscriptions: readonly string[] | null;
  readonly top: number | null;
  readonly skipToken: string | null;
  readonly resultFormat: string | null;
  /** The HTTP status the fake answered. */
  readonly status: number;
}

export interface ResourceGraphQuota {
  /** Queries per window per user (Resource Graph's documented example: 15 per 5 seconds). */
  readonly limit: number;
  readonly windowMs: number;
}

export interface ArmFakeOptions {
  /** Items per page before a nextLink; small values exercise paging. */
  readonly pageSize?: number;
  /** Seconds in the Retry-After header of simulated throttling; null sends 429 with no Retry-After. */
  readonly retryAfterSeconds?: number | null;
  /** Added before every answer, to model a network round trip (the bench uses it). */
  readonly latencyMs?: number;
  /** Resource Graph rows appended to the `resources` table (e.g. Log Analytics workspaces). */
  readonly extraResources?: readonly Record<string, unknown>[];
  /**
   * Rows as Resource Graph still has them while ARM has moved on: each replaces the row with the same
   * id, or is added (a resource ARM has already deleted).
   */
  readonly resourceGraphLag?: readonly Record<string, unknown>[];
  /** Managed cluster IDs whose ARM get answers 503 (a re-read that fails). */
  readonly unavailableClusters?: readonly string[];
  /** The per-user query quota; a query beyond it gets 429. Default: 15 per 5 seconds. */
  readonly resourceGraphQuota?: ResourceGraphQuota;
}

export interface ArmFake extends RunningServer {
  readonly requests: readonly RecordedRequest[];
  readonly resourceGraphRequests: readonly ResourceGraphRequest[];
  /** Requests that reached a route (throttled and refused ones included). */
  calls(route: ArmRoute): number;
  /** The most requests answered at once, at most (checks the product's limiters). */
  maxConcurrent(): number;
}

const SUBSCRIPTION_SCOPED =
  /^\/subscriptions\/([^/]+)\/(?:providers\/microsoft\.containerservice\/managedclusters\/?|providers\/microsoft\.authorization\/permissions\/?|resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)\/?)$/i;

const RESOURCE_GRAPH_PATH = /^\/providers\/microsoft\.resourcegraph\/resources\/?$/i;
const MAX_TOP = 1000;
const READ_CLUSTERS = "Microsoft.ContainerService/managedClusters/read";

/** `*` in an action pattern matches any run of characters; Azure compares actions without case. */
const actionPattern = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "i");
const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\/]/g, "\\$&");

function permits(subscription: EstateSubscription, action: string): boolean {
  const { actions, notActions } = subscription.permissions;
  return actions.some((a) => actionPattern(a).test(action)) && !notActions.some((a) => actionPattern(a).test(action));
}

/** `microsoft.network/publicipaddresses` → `microsoft.network/publicipaddresses/read`. */
const readActionOf = (type: string): string => `${type}/read`;

const resourceGroupOf = (id: string): string => /\/resourcegroups\/([^/]+)/i.exec(id)?.[1] ?? "";

/** A Resource Graph row: the ARM envelope with Resource Graph's casing (type and resource group lower case). */
function resourceGraphRow(resource: ArmResourceWire, subscriptionId: string, tenantId: string) {
  const record = resource as Record<string, unknown>;
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type.toLowerCase(),
    tenantId,
    kind: typeof record.kind === "string" ? record.kind : "",
    location: (resource.location ?? "").toLowerCase(),
    resourceGroup: resourceGroupOf(resource.id).toLowerCase(),
    subscriptionId: subscriptionId.toLowerCase(),
    managedBy: typeof record.managedBy === "string" ? record.managedBy : "",
    sku: record.sku ?? null,
    plan: record.plan ?? null,
    properties: resource.properties ?? {},
    tags: resource.tags ?? {},
    identity: record.identity ?? null,
    zones: record.zones ?? null,
    extendedLocation: record.extendedLocation ?? null,
  };
}

/** `hh:mm:ss`, as x-ms-user-quota-resets-after says it. */
const hms = (ms: number): string => {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
};

/**
 * Azure Resource Manager over HTTPS, speaking the documented REST shapes: Subscriptions - List,
 * Managed Clusters - List and Get, Permissions - List (at subscription scope), and Resource Graph
 * (`POST /providers/Microsoft.ResourceGraph/resources`, executed with the KQL interpreter over a
 * `resources` table built from the estate). ARM lists page with absolute nextLinks; Resource Graph
 * pages with `$top`/`$skipToken`, sends the quota headers and silently leaves out subscriptions the
 * identity cannot read. Errors: 429 + Retry-After, 403 AuthorizationFailed, 404, 401 without a bearer
 * token, 400 for KQL the official parser rejects.
 */
export async function startArmFake(
  estate: Estate,
  tls: { key: string; cert: string },
  options: ArmFakeOptions = {},
): Promise<ArmFake> {
  const requests: RecordedRequest[] = [];
  const resourceGraphRequests: ResourceGraphRequest[] = [];
  const throttled = new Map<string, number>();
  const pageSize = options.pageSize ?? 2;
  const quota = options.resourceGraphQuota ?? { limit: 15, windowMs: 5000 };
  let quotaWindow = { startedAt: 0, used: 0 };
  let resourceGraphThrottled = 0;
  let base = "";

  const subscriptionsById = new Map(estate.azure.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const rows = buildResourceRows(estate, options);

  const retryAfter = (): Record<string, string> =>
    options.retryAfterSeconds === null ? {} : { "retry-after": String(options.retryAfterSeconds ?? 1) };

  const page = <T>(items: readonly T[], url: URL, response: ServerResponse): void => {
    const skip = Number(url.searchParams.get("$skipToken") ?? "0") || 0;
    const slice = items.slice(skip, skip + pageSize);
    const body: { value: readonly T[]; nextLink?: string } = { value: slice };
    if (skip + pageSize < items.length) {
      const next = new URL(url.pathname, base);
      next.searchParams.set("api-version", url.searchParams.get("api-version") ?? "");
      next.searchParams.set("$skipToken", String(skip + pageSize));
      body.nextLink = next.toString();
    }
    sendJson(response, 200, body);
  };

  const denied = (response: ServerResponse, action: string, scope: string): void =>
    sendJson(response, 403, {
      error: {
        code: "AuthorizationFailed",
        message: `The client does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
      },
    });

  const subscriptionScoped = (url: URL, match: RegExpExecArray, response: ServerResponse): void => {
    const id = decodeURIComponent(match[1] ?? "").toLowerCase();
    const subscription = subscriptionsById.get(id);
    if (!subscription) {
      sendJson(response, 404, {
        error: { code: "SubscriptionNotFound", message: `The subscription '${id}' could not be found.` },
      });
      return;
    }
    const path = url.pathname.toLowerCase();
    const isPermissions = path.includes("/microsoft.authorization/permissions");
    if (subscription.denied) {
      denied(
        response,
        isPermissions ? "Microsoft.Authorization/permissions/read" : READ_CLUSTERS,
        `/subscriptions/${id}`,
      );
      return;
    }
    const served = throttled.get(id) ?? 0;
    if (served < subscription.throttle) {
      throttled.set(id, served + 1);
      sendJson(
        response,
        429,
        {
          error: { code: "TooManyRequests", message: "Rate limit exceeded; retry after the interval in Retry-After." },
        },
        retryAfter(),
      );
      return;
    }
    if (isPermissions) {
      // Every caller may read its own permissions on a scope it has a role on.
      sendJson(response, 200, {
        value: [
          {
            actions: subscription.permissions.actions,
            notActions: subscription.permissions.notActions,
            dataActions: [],
            notDataActions: [],
          },
        ],
      });
      return;
    }
    if (!permits(subscription, READ_CLUSTERS)) {
      denied(response, READ_CLUSTERS, `/subscriptions/${id}`);
      return;
    }
    const [, , group, name] = match;
    if (group === undefined || name === undefined) {
      page(subscription.managedClusters, url, response);
      return;
    }
    const wanted = `/subscriptions/${id}/resourcegroups/${decodeURIComponent(group)}/providers/microsoft.containerservice/managedclusters/${decodeURIComponent(name)}`;
    if ((options.unavailableClusters ?? []).some((id) => id.toLowerCase() === wanted.toLowerCase())) {
      sendJson(response, 503, {
        error: { code: "ServiceUnavailable", message: "The service is temporarily unavailable." },
      });
      return;
    }
    const cluster = subscription.managedClusters.find((c) => c.id.toLowerCase() === wanted.toLowerCase());
    if (!cluster) {
      sendJson(response, 404, {
        error: {
          code: "ResourceNotFound",
          message: `The Resource 'Microsoft.ContainerService/managedClusters/${decodeURIComponent(name)}' under resource group '${decodeURIComponent(group)}' was not found.`,
        },
      });
      return;
    }
    sendJson(response, 200, cluster);
  };

  const resourceGraph = (body: string, response: ServerResponse): void => {
    const now = Date.now();
    if (now - quotaWindow.startedAt >= quota.windowMs) quotaWindow = { startedAt: now, used: 0 };
    const resetsAfter = quota.windowMs - (now - quotaWindow.startedAt);
    const record = (request: Omit<ResourceGraphRequest, "status">, status: number) =>
      resourceGraphRequests.push({ ...request, status });
    let parsed: ParsedQueryRequest;
    try {
      parsed = parseQueryRequest(body);
    } catch (error) {
      sendJson(response, 400, { error: { code: "BadRequest", message: String(error) } });
      return;
    }
    const { request, managementGroups } = parsed;
    const spent = quotaWindow.used >= quota.limit;
    const throttle = resourceGraphThrottled < estate.azure.resourceGraph.throttle;
    if (spent || throttle) {
      if (throttle) resourceGraphThrottled += 1;
      record(request, 429);
      sendJson(
        response,
        429,
        {
          error: {
            code: "RateLimiting",
            message: "Please provide below info when asking for support: timestamp, correlation id. Too many requests.",
          },
        },
        // A spent quota resets with its window; a simulated throttle says Retry-After, and resets after as long.
        spent
          ? {
              "retry-after": String(Math.ceil(resetsAfter / 1000)),
              "x-ms-user-quota-remaining": "0",
              "x-ms-user-quota-resets-after": hms(resetsAfter),
            }
          : {
              ...retryAfter(),
              "x-ms-user-quota-remaining": "0",
              "x-ms-user-quota-resets-after": hms((options.retryAfterSeconds ?? 1) * 1000),
            },
      );
      return;
    }
    quotaWindow.used += 1;
    const quotaHeaders = {
      "x-ms-user-quota-remaining": String(quota.limit - quotaWindow.used),
      "x-ms-user-quota-resets-after": hms(resetsAfter),
    };
    const fail = (status: number, code: string, message: string): void => {
      record(request, status);
      sendJson(
        response,
        status,
        { error: { code: "BadRequest", message, details: [{ code, message }] } },
        quotaHeaders,
      );
    };
    if (managementGroups) {
      fail(400, "NotImplementedInFake", "management group scopes are not modelled by the fake");
      return;
    }
    // Resource Graph answers for the readable subscriptions of the request and leaves out the rest, silently.
    const requested =
      request.subscriptions === null
        ? [...subscriptionsById.keys()]
        : request.subscriptions.map((s) => s.toLowerCase()).filter((s) => subscriptionsById.has(s));
    const visible = new Set(requested.filter((s) => !subscriptionsById.get(s)?.denied));
    const scoped = rows.filter((row) => {
      const subscription = subscriptionsById.get(row.subscriptionId);
      return (
        subscription !== undefined && visible.has(row.subscriptionId) && permits(subscription, readActionOf(row.type))
      );
    });
    let result: ReturnType<typeof runKql>;
    try {
      result = runKql(
        request.query,
        { resources: { columns: resourceGraphSchema.tables.resources ?? {}, rows: scoped } },
        { now: new Date(now), tableNamesCaseInsensitive: true },
      );
    } catch (error) {
      if (error instanceof KqlError && (error.code === "SyntaxError" || error.code === "SemanticError")) {
        fail(400, "InvalidQuery", `Query is invalid: ${error.message}`);
      } else if (error instanceof KqlError && error.code === "NotImplemented") {
        fail(501, "NotImplementedInFake", error.message);
      } else {
        fail(400, "InvalidQuery", String(error));
      }
      return;
    }
    const top = Math.min(request.top ?? MAX_TOP, MAX_TOP);
    const fingerprint = createHash("sha256")
      .update(JSON.stringify([request.query, [...visible].sort()]))
      .digest("hex")
      .slice(0, 16);
    let offset = 0;
    if (request.skipToken !== null) {
      const decoded = decodeSkipToken(request.skipToken);
      if (!decoded || decoded.query !== fingerprint) {
        fail(400, "InvalidSkipToken", "The skip token is not valid for this query.");
        return;
      }
      offset = decoded.offset;
    }
    const slice = result.rows.slice(offset, offset + top);
    const more = offset + top < result.rows.length;
    // Paging needs at least one column that is not dynamic (the documented condition for a skipToken).
    const pageable = result.columns.some((c) => c.type !== "dynamic");
    const data =
      request.resultFormat === "table"
        ? { columns: result.columns.map((c) => ({ name: c.name, type: c.type })), rows: slice }
        : slice.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
    record(request, 200);
    sendJson(
      response,
      200,
      {
        totalRecords: result.rows.length,
        count: slice.length,
        data,
        facets: [],
        resultTruncated: more && !pageable ? "true" : "false",
        ...(more && pageable ? { $skipToken: encodeSkipToken(offset + top, fingerprint) } : {}),
      },
      quotaHeaders,
    );
  };

  const handler = (request: IncomingMessage, body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", base);
    const authorization = request.headers.authorization ?? null;
    const method = request.method ?? "GET";
    const scoped = SUBSCRIPTION_SCOPED.exec(url.pathname);
    const route: ArmRoute =
      method === "GET" && /^\/subscriptions\/?$/i.test(url.pathname)
        ? "subscriptions"
        : method === "POST" && RESOURCE_GRAPH_PATH.test(url.pathname)
          ? "resource-graph"
          : method === "GET" && scoped
            ? scoped[3] !== undefined
              ? "managed-cluster-get"
              : /permissions\/?$/i.test(url.pathname)
                ? "permissions"
                : "managed-clusters-list"
            : "unknown";
    const subscriptionId = scoped ? decodeURIComponent(scoped[1] ?? "").toLowerCase() : undefined;
    requests.push({
      method,
      path: `${url.pathname}${url.search}`,
      authorization,
      route,
      ...(subscriptionId ? { subscriptionId } : {}),
    });
    if (!authorization?.startsWith("Bearer ")) {
      sendJson(response, 401, {
        error: {
          code: "AuthenticationFailed",
          message: "Authentication failed. The 'Authorization' header is missing.",
        },
      });
      return;
    }
    if (!url.searchParams.get("api-version")) {
      sendJson(response, 400, {
        error: {
          code: "MissingApiVersionParameter",
          message: "The api-version query parameter (?api-version=) is required for all requests.",
        },
      });
      return;
    }
    if (route === "subscriptions") {
      const value = estate.azure.subscriptions.map((s) => ({
        id: `/subscriptions/${s.subscriptionId}`,
        subscriptionId: s.subscriptionId,
        tenantId: estate.tenantId,
        displayName: s.displayName,
        state: s.state,
      }));
      page(value, url, response);
      return;
    }
    if (route === "resource-graph") {
      resourceGraph(body, response);
      return;
    }
    if (scoped) {
      subscriptionScoped(url, scoped, response);
      return;
    }
    sendJson(response, 404, {
      error: { code: "NotFound", message: `No fake route for ${method} ${url.pathname}` },
    });
  };

  const latency = options.latencyMs ?? 0;
  let running = 0;
  let peak = 0;
  const delayed = async (request: IncomingMessage, body: string, response: ServerResponse): Promise<void> => {
    running += 1;
    peak = Math.max(peak, running);
    try {
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      handler(request, body, response);
    } finally {
      running -= 1;
    }
  };
  const server = await startLoopbackServer(delayed, tls);
  base = server.url;
  return {
    ...server,
    requests,
    resourceGraphRequests,
    calls: (route) => requests.filter((r) => r.route === route).length,
    maxConcurrent: () => peak,
  };
}

interface ResourceRow extends Record<string, unknown> {
  readonly id: string;
  readonly type: string;
  readonly subscriptionId: string;
}

/** The `resources` table: managed clusters, every listed resource, extra rows, then Resource Graph's lag. */
function buildResourceRows(estate: Estate, options: ArmFakeOptions): ResourceRow[] {
  const rows: ResourceRow[] = [];
  for (const subscription of estate.azure.subscriptions) {
    for (const resource of [...subscription.managedClusters, ...subscription.resources])
      rows.push(resourceGraphRow(resource, subscription.subscriptionId, estate.tenantId));
  }
  const asRow = (extra: Record<string, unknown>): ResourceRow => {
    const id = String(extra.id ?? "");
    return {
      ...extra,
      id,
      type: String(extra.type ?? "").toLowerCase(),
      subscriptionId: String(extra.subscriptionId ?? /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? "").toLowerCase(),
    };
  };
  rows.push(...(options.extraResources ?? []).map(asRow));
  for (const stale of (options.resourceGraphLag ?? []).map(asRow)) {
    const at = rows.findIndex((r) => r.id.toLowerCase() === stale.id.toLowerCase());
    if (at >= 0) rows[at] = { ...rows[at], ...stale };
    else rows.push(stale);
  }
  return rows;
}

interface ParsedQueryRequest {
  readonly request: Omit<ResourceGraphRequest, "status">;
  readonly managementGroups: boolean;
}

function parseQueryRequest(body: string): ParsedQueryRequest {
  const json = JSON.parse(body || "{}") as {
    query?: unknown;
    subscriptions?: unknown;
    managementGroups?: unknown;
    options?: { $top?: unknown; $skipToken?: unknown; resultFormat?: unknown };
  };
  if (typeof json.query !== "string" || json.query.trim() === "") throw new Error("The query is missing.");
  const subscriptions = Array.isArray(json.subscriptions) ? json.subscriptions.map(String) : null;
  const top = typeof json.options?.$top === "number" ? json.options.$top : null;
  if (top !== null && (top < 1 || top > MAX_TOP)) throw new Error(`$top must be between 1 and ${MAX_TOP}.`);
  return {
    request: {
      query: json.query,
      subscriptions,
      top,
      skipToken: typeof json.options?.$skipToken === "string" ? json.options.$skipToken : null,
      resultFormat: typeof json.options?.resultFormat === "string" ? json.options.resultFormat : null,
    },
    managementGroups: Array.isArray(json.managementGroups) && json.managementGroups.length > 0,
  };
}

const encodeSkipToken = (offset: number, query: string): string =>
  Buffer.from(JSON.stringify({ offset, query })).toString("base64url");

function decodeSkipToken(token: string): { offset: number; query: string } | null {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset?: unknown; query?: unknown };
    return typeof value.offset === "number" && typeof value.query === "string"
      ? { offset: value.offset, query: value.query }
      : null;
  } catch {
    return null;
  }
}
