import type { IncomingMessage, ServerResponse } from "node:http";
import type { Estate } from "./estate.js";
import { type RunningServer, sendJson, startLoopbackServer } from "./loopback-server.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
}

export interface ArmFakeOptions {
  /** Items per page before a nextLink; small values exercise paging. */
  readonly pageSize?: number;
  /** Seconds in the Retry-After header of simulated throttling; null sends 429 with no Retry-After. */
  readonly retryAfterSeconds?: number | null;
  /** Added before every answer, to model a network round trip (the bench uses it). */
  readonly latencyMs?: number;
}

export interface ArmFake extends RunningServer {
  readonly requests: readonly RecordedRequest[];
}

const CLUSTERS_PATH = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/?$/i;

/**
 * Azure Resource Manager over HTTPS, speaking the documented REST shapes:
 * Subscriptions - List and Managed Clusters - List, with absolute nextLink paging,
 * 429 + Retry-After, 403 AuthorizationFailed, and 401 without a bearer token.
 */
export async function startArmFake(
  estate: Estate,
  tls: { key: string; cert: string },
  options: ArmFakeOptions = {},
): Promise<ArmFake> {
  const requests: RecordedRequest[] = [];
  const throttled = new Map<string, number>();
  const pageSize = options.pageSize ?? 2;
  let base = "";

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

  const handler = (request: IncomingMessage, _body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", base);
    const authorization = request.headers.authorization ?? null;
    requests.push({ method: request.method ?? "GET", path: `${url.pathname}${url.search}`, authorization });
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
    if (request.method === "GET" && /^\/subscriptions\/?$/i.test(url.pathname)) {
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
    const clusters = CLUSTERS_PATH.exec(url.pathname);
    if (request.method === "GET" && clusters) {
      const id = decodeURIComponent(clusters[1] ?? "").toLowerCase();
      const subscription = estate.azure.subscriptions.find((s) => s.subscriptionId.toLowerCase() === id);
      if (!subscription) {
        sendJson(response, 404, {
          error: { code: "SubscriptionNotFound", message: `The subscription '${id}' could not be found.` },
        });
        return;
      }
      if (subscription.denied) {
        sendJson(response, 403, {
          error: {
            code: "AuthorizationFailed",
            message: `The client does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/${id}'.`,
          },
        });
        return;
      }
      const served = throttled.get(id) ?? 0;
      if (served < subscription.throttle) {
        throttled.set(id, served + 1);
        sendJson(
          response,
          429,
          {
            error: {
              code: "TooManyRequests",
              message: "Rate limit exceeded; retry after the interval in Retry-After.",
            },
          },
          options.retryAfterSeconds === null ? {} : { "retry-after": String(options.retryAfterSeconds ?? 1) },
        );
        return;
      }
      page(subscription.managedClusters, url, response);
      return;
    }
    sendJson(response, 404, {
      error: { code: "NotFound", message: `No fake route for ${request.method} ${url.pathname}` },
    });
  };

  const latency = options.latencyMs ?? 0;
  const delayed =
    latency > 0
      ? (request: IncomingMessage, body: string, response: ServerResponse) =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              handler(request, body, response);
              resolve();
            }, latency),
          )
      : handler;
  const server = await startLoopbackServer(delayed, tls);
  base = server.url;
  return { ...server, requests };
}
