/**
 * @module
 * One AWS session per account for the whole sweep. Credentials (ambient, AssumeRole, or
 * AssumeRoleWithWebIdentity with an Entra token) are resolved once per account, shared by
 * every regional client of every service (EKS, ELBv2, classic ELB, EC2), and fetched again
 * shortly before they expire. The EKS collector and the load-balancer reader both take
 * their clients from here, so a second reader never costs a second AssumeRole.
 */

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { EKSClientConfig } from "@aws-sdk/client-eks";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials, fromWebToken } from "@aws-sdk/credential-providers";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type AwsApi, type CallLimiter, type LimiterRegistry, retryAfterMs } from "../limits.js";
import { AMBIENT_KEY, type AwsAccountTarget, awsAccountTargets, targetKey } from "./aws-targets.js";
import { ALWAYS_ENABLED_REGION, partitionOfArn } from "./partitions.js";

export { type AwsAccountTarget, awsAccountTargets, targetKey };

export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Test and demo harnesses shorten retries; production keeps the SDK's standard mode. */
export type AwsClientOverrides = Pick<EKSClientConfig, "maxAttempts" | "retryStrategy">;

/** What every regional client is built with: the region, the shared credentials and the retry overrides. */
export interface AwsClientConfig extends AwsClientOverrides {
  readonly region: string;
  readonly credentials: AwsCredentialProvider;
  /** With limiters: the run's shared sockets, behind the limiter of the client's API and account-region. */
  readonly requestHandler?: NodeHttpHandler;
}

export interface AwsSessionOptions {
  readonly roleArns: readonly string[];
  /** Set: each role is assumed with AssumeRoleWithWebIdentity using an Entra token for this audience. */
  readonly webIdentityAudience: string | null;
  /** Returns a fresh Entra access token for `${webIdentityAudience}/.default`; required with an audience. */
  readonly getWebIdentityToken?: () => Promise<string>;
  readonly clientOverrides?: AwsClientOverrides;
  /** STS region; default: the partition's always-enabled region (roles) or AWS_REGION / us-east-1 (ambient). */
  readonly stsRegion?: string;
  /** The run's limiters: every request (STS included) takes a slot of its API and of its account-region. */
  readonly limiters?: LimiterRegistry;
  /** SDK clients kept for reuse, most recently used (default 256). */
  readonly maxClients?: number;
}

export const DEFAULT_MAX_CLIENTS = 256;

export interface AwsSessions {
  /** One target per configured role ARN, or the single ambient target. */
  readonly targets: readonly AwsAccountTarget[];
  /** Obtains working credentials for the target (the one credential call of its account) and returns its account ID. */
  resolveAccount(target: AwsAccountTarget): Promise<string>;
  /** The target whose session reaches this account: its role, or the ambient identity. */
  targetFor(accountId: string): AwsAccountTarget | null;
  /** One client per service, target and region, built on first use with the target's shared credentials. */
  client<C>(service: AwsService, target: AwsAccountTarget, region: string, build: (config: AwsClientConfig) => C): C;
}

/** The regional services the collectors call. */
export type AwsService = "eks" | "elbv2" | "elb" | "ec2";
const API_OF: Readonly<Record<AwsService, AwsApi>> = { eks: "eks", elbv2: "elbv2", elb: "elb", ec2: "ec2" };

export const ROLE_SESSION_NAME = "cluster-audit";
/** Refresh this long before expiry, so a long sweep never signs with credentials about to lapse. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Shares one set of credentials between all clients of a target and fetches new ones
 * shortly before they expire. Concurrent callers share one request; a failure is not
 * cached, so a later call tries again.
 */
export function memoizeCredentials(provider: AwsCredentialProvider): AwsCredentialProvider {
  let current: Promise<AwsCredentials> | undefined;
  return async () => {
    if (current) {
      const cached = await current.catch(() => undefined);
      const expiresAt = cached?.expiration?.getTime();
      if (cached && (expiresAt === undefined || expiresAt - Date.now() > REFRESH_BEFORE_EXPIRY_MS)) return cached;
      current = undefined;
    }
    const attempt = provider();
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
}

/**
 * The SDK's Node handler with each attempt inside a limiter slot (the retry strategy's wait is
 * outside it), and a throttle's Retry-After holding the bucket: the standard retry strategy caps
 * a hinted wait at its backoff + 5 s, so the hold is what makes a longer hint count.
 */
class LimitedHttpHandler extends NodeHttpHandler {
  readonly #limiter: CallLimiter;

  constructor(limiter: CallLimiter, agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }) {
    super(agents);
    this.#limiter = limiter;
  }

  override handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
    return this.#limiter.run(async () => {
      const answer = await super.handle(...args);
      const { statusCode, headers } = answer.response;
      if (statusCode === 429 || statusCode === 503) {
        const wait = retryAfterMs((name) => headers[name]);
        if (wait !== null) this.#limiter.holdUntil(Date.now() + wait);
      }
      return answer;
    });
  }
}

export function createAwsSessions(options: AwsSessionOptions): AwsSessions {
  const { webIdentityAudience, getWebIdentityToken } = options;
  if (webIdentityAudience !== null && getWebIdentityToken === undefined)
    throw new TypeError("createAwsSessions: getWebIdentityToken is required when webIdentityAudience is set");
  const overrides: AwsClientOverrides = { ...options.clientOverrides };
  const targets = awsAccountTargets(options.roleArns);
  const providers = new Map<string, AwsCredentialProvider>();
  const clients = new Map<string, unknown>();
  const maxClients = Math.max(1, options.maxClients ?? DEFAULT_MAX_CLIENTS);
  const ambientRegion = options.stsRegion ?? process.env.AWS_REGION ?? ALWAYS_ENABLED_REGION.aws;
  let ambientSts: STSClient | undefined;
  const { limiters } = options;
  // One pool of keep-alive sockets for every client of the run (not one per client): sockets as many as calls in flight.
  const agentOptions = limiters
    ? { keepAlive: true, maxSockets: Math.max(limiters.limits.eks, limiters.limits.elb, limiters.limits.ec2) }
    : undefined;
  const agents = agentOptions
    ? { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) }
    : undefined;
  const handlerFor = (api: AwsApi, account: string, region: string): { requestHandler?: NodeHttpHandler } =>
    limiters && agents ? { requestHandler: new LimitedHttpHandler(limiters.aws(api, account, region), agents) } : {};

  const roleProvider = (roleArn: string): AwsCredentialProvider => {
    // Pinned to an always-enabled region: an STS call routed to a disabled opt-in region would fail.
    const stsRegion = options.stsRegion ?? ALWAYS_ENABLED_REGION[partitionOfArn(roleArn)];
    // STS answers for the calling (hub) identity, whatever account the role is in.
    const clientConfig = { region: stsRegion, ...overrides, ...handlerFor("sts", "sts", stsRegion) };
    if (getWebIdentityToken) {
      // fromWebToken takes a fixed token, so build it anew on each refresh with a fresh Entra token.
      return memoizeCredentials(async () =>
        fromWebToken({
          roleArn,
          roleSessionName: ROLE_SESSION_NAME,
          webIdentityToken: await getWebIdentityToken(),
          clientConfig,
        })(),
      );
    }
    const assume = fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
      clientConfig,
    });
    return memoizeCredentials(() => assume());
  };

  const credentials = (target: AwsAccountTarget): AwsCredentialProvider => {
    const key = targetKey(target);
    let provider = providers.get(key);
    if (!provider) {
      // Ambient: the SDK's default chain (env, profile, SSO, web identity file, container, IMDS),
      // resolved once here instead of once per client.
      provider =
        target.kind === "role"
          ? roleProvider(target.roleArn)
          : memoizeCredentials(
              fromNodeProviderChain({
                clientConfig: { region: ambientRegion, ...overrides, ...handlerFor("sts", "sts", ambientRegion) },
              }),
            );
      providers.set(key, provider);
    }
    return provider;
  };

  const roleByAccount = new Map<string, AwsAccountTarget>();
  for (const target of targets) if (target.kind === "role") roleByAccount.set(target.accountId, target);
  const ambient = targets.find((t) => t.kind === "ambient") ?? null;

  return {
    targets,
    async resolveAccount(target) {
      if (target.kind === "role") {
        await credentials(target)();
        return target.accountId;
      }
      ambientSts ??= new STSClient({
        region: ambientRegion,
        ...overrides,
        ...handlerFor("sts", "sts", ambientRegion),
        credentials: credentials(target),
      });
      const identity = await ambientSts.send(new GetCallerIdentityCommand({}));
      if (!identity.Account) throw new Error("STS GetCallerIdentity returned no account ID");
      return identity.Account;
    },
    targetFor(accountId) {
      // Ambient credentials reach only their own account, whatever STS said about it.
      return roleByAccount.get(accountId) ?? ambient;
    },
    client(service, target, region, build) {
      const key = `${service}|${targetKey(target)}|${region}`;
      let client = clients.get(key) as ReturnType<typeof build> | undefined;
      if (client !== undefined) {
        // Most recently used last: the oldest idle client goes first.
        clients.delete(key);
        clients.set(key, client);
      } else {
        const account = target.kind === "role" ? target.accountId : AMBIENT_KEY;
        client = build({
          region,
          ...overrides,
          ...handlerFor(API_OF[service], account, region),
          credentials: credentials(target),
        });
        clients.set(key, client);
        // A client costs about 20 KB and a sweep touches every account-region of four services: keep the
        // recent ones only. One evicted while in use keeps working; the next call there builds another.
        for (const oldest of clients.keys()) {
          if (clients.size <= maxClients) break;
          clients.delete(oldest);
        }
      }
      return client;
    },
  };
}
