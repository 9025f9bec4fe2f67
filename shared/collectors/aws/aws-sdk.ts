import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  type EKSClientConfig,
  paginateListClusters,
  paginateListNodegroups,
} from "@aws-sdk/client-eks";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials, fromWebToken } from "@aws-sdk/credential-providers";
import type { AwsAccountTarget, EksReader } from "./eks-collector.js";
import { ALWAYS_ENABLED_REGION, partitionOfArn } from "./partitions.js";

export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;
type CredentialProvider = () => Promise<AwsCredentials>;

/** Test and demo harnesses shorten retries; production keeps the SDK's standard mode. */
export type AwsClientOverrides = Pick<EKSClientConfig, "maxAttempts" | "retryStrategy">;

export interface AwsEksReaderOptions {
  readonly roleArns: readonly string[];
  /** Set: each role is assumed with AssumeRoleWithWebIdentity using an Entra token for this audience. */
  readonly webIdentityAudience: string | null;
  /** Returns a fresh Entra access token for `${webIdentityAudience}/.default`; required with an audience. */
  readonly getWebIdentityToken?: () => Promise<string>;
  readonly clientOverrides?: AwsClientOverrides;
  /** STS region; default: the partition's always-enabled region (roles) or AWS_REGION / us-east-1 (ambient). */
  readonly stsRegion?: string;
}

export const ROLE_SESSION_NAME = "cluster-audit";
/** Refresh this long before expiry, so a long sweep never signs with credentials about to lapse. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

const ROLE_ARN_ACCOUNT = /^arn:aws[\w-]*:iam::(\d{12}):role\//;

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

/**
 * Shares one set of credentials between a target's regional clients (one AssumeRole per
 * account, not per region) and fetches new ones shortly before they expire. A failure is
 * not cached, so a later call tries again.
 */
function memoizeCredentials(provider: CredentialProvider): CredentialProvider {
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

/** Adapts the real AWS SDK v3 clients to the collector's narrow port. */
export function createAwsEksReader(options: AwsEksReaderOptions): EksReader {
  const { webIdentityAudience, getWebIdentityToken } = options;
  if (webIdentityAudience !== null && getWebIdentityToken === undefined)
    throw new TypeError("createAwsEksReader: getWebIdentityToken is required when webIdentityAudience is set");
  const overrides: AwsClientOverrides = { ...options.clientOverrides };
  const credentialsByRole = new Map<string, CredentialProvider>();
  const eksClients = new Map<string, EKSClient>();
  let ambientSts: STSClient | undefined;

  const roleCredentials = (roleArn: string): CredentialProvider => {
    let provider = credentialsByRole.get(roleArn);
    if (provider) return provider;
    // Pinned to an always-enabled region: an STS call routed to a disabled opt-in region would fail.
    const clientConfig = { region: options.stsRegion ?? ALWAYS_ENABLED_REGION[partitionOfArn(roleArn)], ...overrides };
    if (getWebIdentityToken) {
      // fromWebToken takes a fixed token, so build it anew on each refresh with a fresh Entra token.
      provider = memoizeCredentials(async () =>
        fromWebToken({
          roleArn,
          roleSessionName: ROLE_SESSION_NAME,
          webIdentityToken: await getWebIdentityToken(),
          clientConfig,
        })(),
      );
    } else {
      const assume = fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
        clientConfig,
      });
      provider = memoizeCredentials(() => assume());
    }
    credentialsByRole.set(roleArn, provider);
    return provider;
  };

  const eks = (target: AwsAccountTarget, region: string): EKSClient => {
    const key = `${target.kind === "role" ? target.roleArn : "ambient"}|${region}`;
    let client = eksClients.get(key);
    if (!client) {
      // Ambient: no credentials option, so the SDK's default chain (env, profile, container,
      // IMDS) and AWS_ENDPOINT_URL_EKS apply exactly as the SDK documents them.
      client = new EKSClient({
        region,
        ...overrides,
        ...(target.kind === "role" ? { credentials: roleCredentials(target.roleArn) } : {}),
      });
      eksClients.set(key, client);
    }
    return client;
  };

  return {
    async resolveAccount(target) {
      if (target.kind === "role") {
        await roleCredentials(target.roleArn)();
        return target.accountId;
      }
      ambientSts ??= new STSClient({
        region: options.stsRegion ?? process.env.AWS_REGION ?? ALWAYS_ENABLED_REGION.aws,
        ...overrides,
      });
      const identity = await ambientSts.send(new GetCallerIdentityCommand({}));
      if (!identity.Account) throw new Error("STS GetCallerIdentity returned no account ID");
      return identity.Account;
    },
    async *listClusters(target, region) {
      for await (const page of paginateListClusters({ client: eks(target, region) }, {})) yield* page.clusters ?? [];
    },
    async describeCluster(target, region, name) {
      const { cluster } = await eks(target, region).send(new DescribeClusterCommand({ name }));
      if (!cluster) throw new Error(`DescribeCluster returned no cluster for ${name}`);
      return cluster;
    },
    async *listNodegroups(target, region, clusterName) {
      for await (const page of paginateListNodegroups({ client: eks(target, region) }, { clusterName }))
        yield* page.nodegroups ?? [];
    },
    async describeNodegroup(target, region, clusterName, nodegroupName) {
      const { nodegroup } = await eks(target, region).send(
        new DescribeNodegroupCommand({ clusterName, nodegroupName }),
      );
      if (!nodegroup) throw new Error(`DescribeNodegroup returned no node group for ${clusterName}/${nodegroupName}`);
      return nodegroup;
    },
  };
}
