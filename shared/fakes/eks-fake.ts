import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { json, queryError, queryResult, type Reply, xmlEscape } from "./aws-wire.js";
import {
  handleLoadBalancerRequest,
  type LoadBalancerService,
  loadBalancerRegionFields,
  loadBalancerServiceOf,
} from "./elb-fake.js";
import { type RunningServer, startLoopbackServer } from "./loopback-server.js";

/** Epoch seconds on the wire (restJson1); the estate may also say it as an ISO date. */
const timestamp = z
  .union([z.number(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v) / 1000));

/** EKS wire shape of a cluster (DescribeCluster `cluster`); served verbatim apart from defaults. */
const eksClusterWire = z.looseObject({
  name: z.string(),
  arn: z.string().optional(),
  createdAt: timestamp.optional(),
});

/** EKS wire shape of a managed node group (DescribeNodegroup `nodegroup`). */
const eksNodegroupWire = z.looseObject({
  nodegroupName: z.string(),
  createdAt: timestamp.optional(),
  modifiedAt: timestamp.optional(),
});

const eksClusterEntry = z.object({
  cluster: eksClusterWire,
  nodegroups: z.array(eksNodegroupWire).default([]),
  /** DescribeCluster on this cluster answers 403 AccessDeniedException. */
  describeDenied: z.boolean().default(false),
});

const eksRegion = z.object({
  clusters: z.array(eksClusterEntry).default([]),
  /** The first N EKS requests in this account and region answer 429 ThrottlingException. */
  throttle: z.number().int().min(0).default(0),
  /** Load balancers, their tags and listeners, and security groups (ELBv2, classic ELB, EC2). */
  ...loadBalancerRegionFields,
});

const eksAccount = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  /** Long-term access key IDs that authenticate as this account (the ambient identity). */
  accessKeyIds: z.array(z.string()).default([]),
  /** What GetCallerIdentity reports for those keys. */
  principalArn: z.string().optional(),
  regions: z.record(z.string(), eksRegion).default({}),
  /** EKS answers 403 AccessDeniedException in these regions. */
  deniedRegions: z.array(z.string()).default([]),
  /** Opt-in regions the account has not enabled: 403 UnrecognizedClientException. */
  disabledRegions: z.array(z.string()).default([]),
  /** AssumeRole and AssumeRoleWithWebIdentity into this account answer AccessDenied. */
  assumeRoleDenied: z.boolean().default(false),
});

export const eksEstateSchema = z.object({
  accounts: z.array(eksAccount).default([]),
  /** When set, AssumeRoleWithWebIdentity accepts only these tokens. */
  acceptedWebIdentityTokens: z.array(z.string()).optional(),
});

export type EksEstate = z.output<typeof eksEstateSchema>;
export type EksEstateInput = z.input<typeof eksEstateSchema>;
export type EksEstateAccount = z.output<typeof eksAccount>;

export interface EksFakeRequest {
  readonly method: string;
  readonly path: string;
  readonly service: "eks" | "sts" | LoadBalancerService;
  /** From the SigV4 credential scope; null for unsigned calls (AssumeRoleWithWebIdentity). */
  readonly region: string | null;
  readonly accessKeyId: string | null;
  /** The query Action (STS, ELB, EC2), or null for EKS. */
  readonly action: string | null;
  /** The form parameters of a query request (STS, ELB, EC2); null for EKS. */
  readonly params: Readonly<Record<string, string>> | null;
  readonly webIdentityToken: string | null;
  readonly status: number;
}

export interface EksFakeOptions {
  /** Upper bound on items per page whatever maxResults asks for; small values exercise paging. */
  readonly pageSize?: number;
  readonly credentialLifetimeSeconds?: number;
  readonly clock?: () => Date;
  /** Added before every answer, to model a network round trip (the bench uses it). */
  readonly latencyMs?: number;
}

export interface EksFake extends RunningServer {
  readonly requests: readonly EksFakeRequest[];
  /** Temporary access key IDs handed out by AssumeRole*, with the account each one acts as. */
  readonly issuedKeys: ReadonlyMap<string, string>;
  /** The most requests answered at once, overall and in any one account-region (checks the product's limiters). */
  maxConcurrent(): { readonly total: number; readonly perAccountRegion: number };
}

interface Caller {
  readonly account: EksEstateAccount;
  readonly accessKeyId: string;
  readonly arn: string;
}

interface IssuedKey {
  readonly accountId: string;
  readonly sessionToken: string;
  readonly arn: string;
}

const SIGV4_SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;
const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const INVALID_TOKEN = "The security token included in the request is invalid.";

/** awsQuery success: the `<XxxResult>` wrapper is what the SDK reads. */
const stsResult = (action: string, inner: string): Reply => queryResult(STS_NS, action, inner);

const stsError = (status: number, code: string, message: string): Reply => queryError(STS_NS, status, code, message);

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * EKS (restJson1), STS (awsQuery), ELBv2 and classic ELB (awsQuery) and EC2 (ec2Query) on one
 * plain-http loopback server, routed by the SigV4 signing name and, for ELB, the API version.
 * The region comes from each request's SigV4 credential scope, so one fake serves every
 * region; the account comes from the access key ID.
 */
export async function startEksFake(estate: EksEstate, options: EksFakeOptions = {}): Promise<EksFake> {
  const requests: EksFakeRequest[] = [];
  const issued = new Map<string, IssuedKey>();
  const issuedKeys = new Map<string, string>();
  const throttled = new Map<string, number>();
  const throttledLoadBalancers = new Map<string, number>();
  const pageSize = Math.max(1, options.pageSize ?? 100);
  const lifetime = options.credentialLifetimeSeconds ?? 3600;
  const clock = options.clock ?? (() => new Date());
  let issuedCount = 0;

  const accountById = (id: string) => estate.accounts.find((a) => a.accountId === id);

  const authenticate = (request: IncomingMessage, accessKeyId: string): Caller | null => {
    const temporary = issued.get(accessKeyId);
    if (temporary) {
      const account = accountById(temporary.accountId);
      if (!account || request.headers["x-amz-security-token"] !== temporary.sessionToken) return null;
      return { account, accessKeyId, arn: temporary.arn };
    }
    const account = estate.accounts.find((a) => a.accessKeyIds.includes(accessKeyId));
    if (!account) return null;
    return {
      account,
      accessKeyId,
      arn: account.principalArn ?? `arn:aws:iam::${account.accountId}:user/cluster-audit`,
    };
  };

  const issueCredentials = (accountId: string, roleName: string, session: string, action: string): Reply => {
    issuedCount += 1;
    const accessKeyId = `ASIA${accountId}${issuedCount.toString(36).toUpperCase().padStart(4, "0")}`;
    const sessionToken = `fake-session-${accountId}-${issuedCount}`;
    const arn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`;
    issued.set(accessKeyId, { accountId, sessionToken, arn });
    issuedKeys.set(accessKeyId, accountId);
    const expiration = new Date(clock().getTime() + lifetime * 1000).toISOString();
    return stsResult(
      action,
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>fake-secret-${issuedCount}</SecretAccessKey>` +
        `<SessionToken>${sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROAFAKE${accountId}:${xmlEscape(session)}</AssumedRoleId>` +
        `<Arn>${xmlEscape(arn)}</Arn></AssumedRoleUser>` +
        (action === "AssumeRoleWithWebIdentity"
          ? "<SubjectFromWebIdentityToken>fake-subject</SubjectFromWebIdentityToken><Provider>fake-provider</Provider>"
          : ""),
    );
  };

  const assumeTarget = (
    roleArn: string,
    callerArn: string,
    action: string,
  ): Reply | { roleName: string; accountId: string } => {
    const match = ROLE_ARN.exec(roleArn);
    const accountId = match?.[1] ?? "";
    const account = accountById(accountId);
    if (!match || !account || account.assumeRoleDenied)
      return stsError(
        403,
        "AccessDenied",
        `User: ${callerArn} is not authorized to perform: sts:${action} on resource: ${roleArn}`,
      );
    return { roleName: match[2] ?? "role", accountId };
  };

  const handleSts = (request: IncomingMessage, form: URLSearchParams, accessKeyId: string | null): Reply => {
    const action = form.get("Action") ?? "";
    if (action === "AssumeRoleWithWebIdentity") {
      const token = form.get("WebIdentityToken") ?? "";
      const accepted = estate.acceptedWebIdentityTokens;
      if (!token || (accepted !== undefined && !accepted.includes(token)))
        return stsError(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
      const target = assumeTarget(form.get("RoleArn") ?? "", "web-identity", action);
      if ("status" in target) return target;
      return issueCredentials(target.accountId, target.roleName, form.get("RoleSessionName") ?? "session", action);
    }
    const caller = accessKeyId === null ? null : authenticate(request, accessKeyId);
    if (!caller) return stsError(403, "InvalidClientTokenId", INVALID_TOKEN);
    if (action === "GetCallerIdentity") {
      return stsResult(
        action,
        `<Arn>${xmlEscape(caller.arn)}</Arn><UserId>AIDAFAKE${caller.account.accountId}</UserId>` +
          `<Account>${caller.account.accountId}</Account>`,
      );
    }
    if (action === "AssumeRole") {
      const target = assumeTarget(form.get("RoleArn") ?? "", caller.arn, action);
      if ("status" in target) return target;
      return issueCredentials(target.accountId, target.roleName, form.get("RoleSessionName") ?? "session", action);
    }
    return stsError(400, "InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
  };

  const handleEks = (request: IncomingMessage, url: URL, caller: Caller, region: string): Reply => {
    const { account } = caller;
    const operation = eksOperation(url.pathname);
    if (account.disabledRegions.includes(region))
      return json(403, { message: INVALID_TOKEN }, "UnrecognizedClientException");
    if (account.deniedRegions.includes(region)) {
      return json(
        403,
        {
          message: `User: ${caller.arn} is not authorized to perform: eks:${operation} on resource: arn:aws:eks:${region}:${account.accountId}:cluster/*`,
        },
        "AccessDeniedException",
      );
    }
    const scope = `${account.accountId}/${region}`;
    const regionState = account.regions[region] ?? eksRegion.parse({});
    const served = throttled.get(scope) ?? 0;
    if (served < regionState.throttle) {
      throttled.set(scope, served + 1);
      return json(429, { message: "Rate exceeded" }, "ThrottlingException");
    }
    if (request.method !== "GET")
      return json(404, { message: `No fake route for ${request.method}` }, "UnknownOperationException");

    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "clusters")
      return json(404, { message: `No fake route for ${url.pathname}` }, "UnknownOperationException");
    if (parts.length === 1) {
      return paged(
        regionState.clusters.map((c) => c.cluster.name),
        url,
        "clusters",
      );
    }
    const name = parts[1] ?? "";
    const entry = regionState.clusters.find((c) => c.cluster.name === name);
    if (!entry)
      return json(
        404,
        { message: `No cluster found for name: ${name}.`, clusterName: name },
        "ResourceNotFoundException",
      );
    const clusterArn = entry.cluster.arn ?? `arn:aws:eks:${region}:${account.accountId}:cluster/${name}`;
    if (parts.length === 2) {
      if (entry.describeDenied) {
        return json(
          403,
          {
            message: `User: ${caller.arn} is not authorized to perform: eks:DescribeCluster on resource: ${clusterArn}`,
          },
          "AccessDeniedException",
        );
      }
      return json(200, { cluster: { ...entry.cluster, arn: clusterArn } });
    }
    if (parts[2] !== "node-groups" || parts.length > 4)
      return json(404, { message: `No fake route for ${url.pathname}` }, "UnknownOperationException");
    if (parts.length === 3) {
      return paged(
        entry.nodegroups.map((n) => n.nodegroupName),
        url,
        "nodegroups",
      );
    }
    const ngName = parts[3] ?? "";
    const ng = entry.nodegroups.find((n) => n.nodegroupName === ngName);
    if (!ng) {
      return json(
        404,
        { message: `No node group found for name: ${ngName}.`, clusterName: name, nodegroupName: ngName },
        "ResourceNotFoundException",
      );
    }
    return json(200, {
      nodegroup: {
        nodegroupArn: `arn:aws:eks:${region}:${account.accountId}:nodegroup/${name}/${ngName}/fake`,
        ...ng,
        clusterName: name,
      },
    });
  };

  const paged = (names: readonly string[], url: URL, key: "clusters" | "nodegroups"): Reply => {
    const asked = Number(url.searchParams.get("maxResults") ?? "100");
    if (!Number.isInteger(asked) || asked < 1 || asked > 100)
      return json(400, { message: "maxResults must be between 1 and 100" }, "InvalidParameterException");
    const token = url.searchParams.get("nextToken");
    const offset = token === null ? 0 : Number(token);
    if (!Number.isInteger(offset) || offset < 0)
      return json(400, { message: "The nextToken is invalid" }, "InvalidParameterException");
    const size = Math.min(asked, pageSize);
    const next = offset + size < names.length ? String(offset + size) : undefined;
    return json(200, { [key]: names.slice(offset, offset + size), ...(next ? { nextToken: next } : {}) });
  };

  const handleLoadBalancers = (
    service: LoadBalancerService,
    form: URLSearchParams,
    caller: Caller,
    region: string,
  ): Reply => {
    const { account } = caller;
    if (account.disabledRegions.includes(region)) {
      return service === "ec2"
        ? queryError("", 401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        : queryError("", 403, "InvalidClientTokenId", INVALID_TOKEN);
    }
    const state = account.regions[region] ?? eksRegion.parse({});
    return handleLoadBalancerRequest(service, {
      form,
      accountId: account.accountId,
      region,
      callerArn: caller.arn,
      state,
      pageSize,
      throttled: throttledLoadBalancers,
    });
  };

  const handler = (request: IncomingMessage, body: string, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = request.method ?? "GET";
    const scope = SIGV4_SCOPE.exec(request.headers.authorization ?? "");
    const accessKeyId = scope?.[1] ?? null;
    const region = scope?.[2] ?? null;
    const isQuery = method === "POST" && /(?:^|&)Action=/.test(body);
    const form = isQuery ? new URLSearchParams(body) : null;
    // Route by the SigV4 signing name; unsigned query calls are STS (AssumeRoleWithWebIdentity).
    const signedService = scope?.[3] ?? (isQuery ? "sts" : null);
    const loadBalancerService = form && signedService ? loadBalancerServiceOf(signedService, form) : null;
    let reply: Reply;
    let service: EksFakeRequest["service"] = "eks";
    if (form && signedService === "sts") {
      service = "sts";
      reply = handleSts(request, form, accessKeyId);
    } else if (!scope || accessKeyId === null || region === null) {
      reply = json(403, { message: "Missing Authentication Token" }, "MissingAuthenticationTokenException");
    } else if (form && loadBalancerService) {
      service = loadBalancerService;
      const caller = authenticate(request, accessKeyId);
      reply = caller
        ? handleLoadBalancers(loadBalancerService, form, caller, region)
        : queryError("", 403, "InvalidClientTokenId", INVALID_TOKEN);
    } else if (signedService === "eks") {
      const caller = authenticate(request, accessKeyId);
      reply = caller
        ? handleEks(request, url, caller, region)
        : json(403, { message: INVALID_TOKEN }, "UnrecognizedClientException");
    } else {
      reply = json(400, { message: `No fake for service ${signedService}` }, "UnknownOperationException");
    }
    requests.push({
      method,
      path: `${url.pathname}${url.search}`,
      service,
      region,
      accessKeyId,
      action: form?.get("Action") ?? null,
      params: form ? Object.fromEntries(form) : null,
      webIdentityToken: form?.get("WebIdentityToken") ?? null,
      status: reply.status,
    });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  };

  const latency = options.latencyMs ?? 0;
  const running = new Map<string, number>();
  let total = 0;
  const peak = { total: 0, perAccountRegion: 0 };
  const delayed = async (request: IncomingMessage, body: string, response: ServerResponse): Promise<void> => {
    const scope = SIGV4_SCOPE.exec(request.headers.authorization ?? "");
    const key = scope?.[1] ?? "";
    const account =
      issued.get(key)?.accountId ?? estate.accounts.find((a) => a.accessKeyIds.includes(key))?.accountId ?? "";
    const place = `${account}|${scope?.[2] ?? ""}`;
    total += 1;
    running.set(place, (running.get(place) ?? 0) + 1);
    peak.total = Math.max(peak.total, total);
    peak.perAccountRegion = Math.max(peak.perAccountRegion, running.get(place) ?? 0);
    try {
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      handler(request, body, response);
    } finally {
      total -= 1;
      running.set(place, (running.get(place) ?? 1) - 1);
    }
  };
  const server = await startLoopbackServer(delayed);
  return { ...server, requests, issuedKeys, maxConcurrent: () => ({ ...peak }) };
}

/** The EKS operation name behind a path, for realistic access-denied messages. */
function eksOperation(pathname: string): string {
  const depth = pathname.split("/").filter(Boolean).length;
  if (depth <= 1) return "ListClusters";
  if (depth === 2) return "DescribeCluster";
  if (depth === 3) return "ListNodegroups";
  return "DescribeNodegroup";
}
