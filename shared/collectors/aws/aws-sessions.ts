/**
 * @module
 * One AWS session per account for the whole sweep. Credentials (ambient, AssumeRole, or
 * AssumeRoleWithWebIdentity with an Entra token) are resolved once per account, shared by
 * every regional client of every service (EKS, ELBv2, classic ELB, EC2), and fetched again
 * shortly before they expire. The EKS collector and the load-balancer reader both take
 * their clients from here, so a second reader never costs a second AssumeRole.
 */

import type { EKSClientConfig } from "@aws-sdk/client-eks";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials, fromWebToken } from "@aws-sdk/credential-providers";
import { ALWAYS_ENABLED_REGION, partitionOfArn } from "./partitions.js";

/** One AWS account to audit: a role to assume, or whatever credentials the environment holds. */
export type AwsAccountTarget =
  | { readonly kind: "role"; readonly roleArn: string; readonly accountId: string }
  | { readonly kind: "ambient" };

export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Test and demo harnesses shorten retries; production keeps the SDK's standard mode. */
export type AwsClientOverrides = Pick<EKSClientConfig, "maxAttempts" | "retryStrategy">;

/** What every regional client is built with: the region, the shared credentials and the retry overrides. */
export interface AwsClientConfig extends AwsClientOverrides {
  readonly region: string;
  readonly credentials: AwsCredentialProvider;
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
}

export interface AwsSessions {
  /** One target per configured role ARN, or the single ambient target. */
  readonly targets: readonly AwsAccountTarget[];
  /** Obtains working credentials for the target (the one credential call of its account) and returns its account ID. */
  resolveAccount(target: AwsAccountTarget): Promise<string>;
  /** The target whose session reaches this account: its role, or the ambient identity. */
  targetFor(accountId: string): AwsAccountTarget | null;
  /** One client per service, target and region, built on first use with the target's shared credentials. */
  client<C>(service: string, target: AwsAccountTarget, region: string, build: (config: AwsClientConfig) => C): C;
}

export const ROLE_SESSION_NAME = "cluster-audit";
/** Refresh this long before expiry, so a long sweep never signs with credentials about to lapse. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

const ROLE_ARN_ACCOUNT = /^arn:aws[\w-]*:iam::(\d{12}):role\//;
const AMBIENT_KEY = "ambient";

/** One target per role ARN (deduplicated), or a single ambient target when there are none. */
export function awsAccountTargets(roleArns: readonly string[]): AwsAccountTarget[] {
  if (roleArns.length === 0) return [{ kind: "ambient" }];
  const targets: AwsAccountTarget[] = [];
  for (const roleArn of new Set(roleArns.map((arn) => arn.trim()).filter(Boolean))) {
    const accountId = ROLE_ARN_ACCOUNT.exec(roleArn)?.[1];
    if (accountId === undefined) throw new TypeError(`not an IAM role ARN: ${roleArn.slice(0, 120)}`);
    targets.push({ kind: "role", roleArn, accountId });
  }
  return targets;
}

export const targetKey = (target: AwsAccountTarget): string => (target.kind === "role" ? target.roleArn : AMBIENT_KEY);

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

export function createAwsSessions(options: AwsSessionOptions): AwsSessions {
  const { webIdentityAudience, getWebIdentityToken } = options;
  if (webIdentityAudience !== null && getWebIdentityToken === undefined)
    throw new TypeError("createAwsSessions: getWebIdentityToken is required when webIdentityAudience is set");
  const overrides: AwsClientOverrides = { ...options.clientOverrides };
  const targets = awsAccountTargets(options.roleArns);
  const providers = new Map<string, AwsCredentialProvider>();
  const clients = new Map<string, unknown>();
  const ambientRegion = options.stsRegion ?? process.env.AWS_REGION ?? ALWAYS_ENABLED_REGION.aws;
  let ambientSts: STSClient | undefined;

  const roleProvider = (roleArn: string): AwsCredentialProvider => {
    // Pinned to an always-enabled region: an STS call routed to a disabled opt-in region would fail.
    const clientConfig = { region: options.stsRegion ?? ALWAYS_ENABLED_REGION[partitionOfArn(roleArn)], ...overrides };
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
          : memoizeCredentials(fromNodeProviderChain({ clientConfig: { region: ambientRegion, ...overrides } }));
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
      ambientSts ??= new STSClient({ region: ambientRegion, ...overrides, credentials: credentials(target) });
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
      if (client === undefined) {
        client = build({ region, ...overrides, credentials: credentials(target) });
        clients.set(key, client);
      }
      return client;
    },
  };
}
