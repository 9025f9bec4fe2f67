import type { IncomingMessage, ServerResponse } from "node:http";
import { type RunningServer, startLoopbackServer } from "./loopback-server.js";

export interface CapturedPost {
  readonly channel: "slack" | "teams";
  readonly path: string;
  readonly body: unknown;
  readonly receivedAt: Date;
}

export interface WebhookCapture extends RunningServer {
  readonly slackUrl: string;
  readonly teamsUrl: string;
  readonly posts: readonly CapturedPost[];
  /** Posts answered as the real service would reject them (limits, envelope). */
  readonly rejected: readonly { readonly channel: "slack" | "teams"; readonly reason: string }[];
  /** Make the next `count` posts to a channel fail with `status` (e.g. 503 or 429). */
  failNext(channel: "slack" | "teams", count: number, status: number): void;
  /** Answer every post to a channel with `status` until called again with null (an outage). */
  setDown(channel: "slack" | "teams", status: number | null): void;
}

type SlackText = { type?: string; text?: string };
type SlackBlockShape = { type?: string; text?: SlackText; fields?: SlackText[]; elements?: SlackText[] };

/** Slack's documented Block Kit limits: 50 blocks, section text 3000, fields 10 × 2000, header 150. */
function slackRejection(body: unknown): { status: number; body: string } | null {
  const message = body as { text?: unknown; blocks?: unknown };
  if (typeof message.text !== "string" && !Array.isArray(message.blocks)) return { status: 400, body: "no_text" };
  const blocks = (Array.isArray(message.blocks) ? message.blocks : []) as SlackBlockShape[];
  if (blocks.length > 50) return { status: 400, body: "invalid_blocks" };
  if (JSON.stringify(blocks).length > 13_000) return { status: 400, body: "msg_blocks_too_long" };
  for (const b of blocks) {
    if (b.type === "header" && (b.text?.text?.length ?? 0) > 150) return { status: 400, body: "invalid_blocks" };
    if (b.type === "section" && (b.text?.text?.length ?? 0) > 3000) return { status: 400, body: "invalid_blocks" };
    if ((b.fields?.length ?? 0) > 10 || (b.fields ?? []).some((f) => (f.text?.length ?? 0) > 2000))
      return { status: 400, body: "invalid_blocks" };
  }
  return null;
}

/** Teams Workflows: a message with Adaptive Card attachments, about 28 KB at most. */
function teamsRejection(raw: string, body: unknown): { status: number; body: string } | null {
  if (Buffer.byteLength(raw) > 28_000) return { status: 413, body: "request entity too large" };
  const message = body as { type?: unknown; attachments?: { contentType?: unknown; content?: { type?: unknown } }[] };
  const ok =
    message.type === "message" &&
    Array.isArray(message.attachments) &&
    message.attachments.length > 0 &&
    message.attachments.every(
      (a) => a.contentType === "application/vnd.microsoft.card.adaptive" && a.content?.type === "AdaptiveCard",
    );
  return ok ? null : { status: 400, body: "payload is not a message with Adaptive Card attachments" };
}

/**
 * Stands in for Slack (200 "ok") and a Teams Workflows trigger (202), over HTTPS on
 * loopback. URLs carry secret-looking paths and a `sig` so redaction is exercised.
 */
export async function startWebhookCapture(tls: { key: string; cert: string }): Promise<WebhookCapture> {
  const posts: CapturedPost[] = [];
  const failures = new Map<string, { count: number; status: number }>();
  const outages = new Map<string, number>();
  const rejected: { channel: "slack" | "teams"; reason: string }[] = [];
  const handler = (request: IncomingMessage, body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "https://127.0.0.1");
    const channel = url.pathname.startsWith("/services/")
      ? "slack"
      : url.pathname.startsWith("/workflows/")
        ? "teams"
        : null;
    if (request.method !== "POST" || channel === null) {
      response.writeHead(404, { "content-type": "text/plain" }).end("no_service");
      return;
    }
    const outage = outages.get(channel);
    if (outage !== undefined) {
      response
        .writeHead(outage, { "content-type": "text/plain" })
        .end(outage === 429 ? "rate_limited" : "rollup_error");
      return;
    }
    const failure = failures.get(channel);
    if (failure && failure.count > 0) {
      failure.count -= 1;
      response
        .writeHead(failure.status, { "content-type": "text/plain", "retry-after": "0" })
        .end(failure.status === 429 ? "rate_limited" : "rollup_error");
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      response.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
      return;
    }
    // Reject what the real services reject, so a renderer that breaks a limit fails loudly in tests and the demo.
    const rejection = channel === "slack" ? slackRejection(parsed) : teamsRejection(body, parsed);
    if (rejection) {
      response.writeHead(rejection.status, { "content-type": "text/plain" }).end(rejection.body);
      rejected.push({ channel, reason: rejection.body });
      return;
    }
    posts.push({ channel, path: url.pathname, body: parsed, receivedAt: new Date() });
    if (channel === "slack") response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    else response.writeHead(202).end();
  };
  const server = await startLoopbackServer(handler, tls);
  return {
    ...server,
    posts,
    rejected,
    slackUrl: `${server.url}/services/T0FAKE/B0FAKE/fakeSlackSecretToken1234`,
    teamsUrl: `${server.url}/workflows/0f1e2d3c/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=fakeTeamsSignature5678`,
    failNext: (channel, count, status) => failures.set(channel, { count, status }),
    setDown: (channel, status) => {
      if (status === null) outages.delete(channel);
      else outages.set(channel, status);
    },
  };
}
