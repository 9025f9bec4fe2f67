import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type RunningServer, sendJson, startLoopbackServer } from "./loopback-server.js";

const TENANT = "72f988bf-0000-4000-8000-00000000d3m0";
const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A JWT-shaped v1 access token (issuer sts.windows.net, audience = the resource),
 * unsigned: enough for Azurite's `--oauth basic`, which checks claims, not signatures.
 */
function fakeJwt(resource: string, serial: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: resource,
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
    oid: "fake-identity",
    n: serial,
  };
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.fake-token-${serial}-${randomBytes(8).toString("hex")}`;
}

export interface IdentityFake extends RunningServer {
  /** Environment that points DefaultAzureCredential's managed identity at this fake. */
  readonly environment: Readonly<Record<string, string>>;
  readonly tokensIssued: () => number;
  /** The resource (audience) of every token issued, in order. */
  readonly resources: readonly string[];
}

/**
 * The App Service managed-identity endpoint (IDENTITY_ENDPOINT + X-IDENTITY-HEADER,
 * api-version 2019-08-01), as Functions hosts expose it. Plain http on loopback,
 * like the real one.
 */
export async function startIdentityFake(): Promise<IdentityFake> {
  const secret = randomBytes(16).toString("hex");
  let issued = 0;
  const resources: string[] = [];
  const handler = (request: IncomingMessage, _body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.headers["x-identity-header"] !== secret) {
      sendJson(response, 401, { error: "unauthorized", error_description: "missing or wrong X-IDENTITY-HEADER" });
      return;
    }
    const resource = url.searchParams.get("resource");
    if (!resource) {
      sendJson(response, 400, { error: "invalid_request", error_description: "resource is required" });
      return;
    }
    issued += 1;
    resources.push(resource);
    sendJson(response, 200, {
      access_token: fakeJwt(resource, issued),
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource,
      token_type: "Bearer",
      client_id: "00000000-0000-0000-0000-00000000c11d",
    });
  };
  const server = await startLoopbackServer(handler);
  return {
    ...server,
    tokensIssued: () => issued,
    resources,
    environment: {
      AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential",
      IDENTITY_ENDPOINT: `${server.url}/msi/token`,
      IDENTITY_HEADER: secret,
    },
  };
}
