import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterEach, beforeEach } from "vitest";
import {
  type EksEstateInput,
  type EksFake,
  type EksFakeOptions,
  eksEstateSchema,
  startEksFake,
} from "../../shared/fakes/eks-fake.js";

/** Every variable the AWS SDK reads that could point it anywhere but the fake. */
const ENV_NAMES = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_EKS",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
  "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
  "AWS_ENDPOINT_URL_EC2",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
] as const;

export const fastRetry = () => ({ retryStrategy: new ConfiguredRetryStrategy(4, () => 5) });

/**
 * Registers hooks that give each test a clean AWS environment with these ambient keys, and
 * returns a starter for fakes that points every SDK service variable at the fake.
 */
export function useAwsFake(ambientKey: string): (estate: EksEstateInput, options?: EksFakeOptions) => Promise<EksFake> {
  let saved: Record<string, string | undefined> = {};
  const fakes: EksFake[] = [];
  const noAwsFiles = join(mkdtempSync(join(tmpdir(), "aws-test-")), "absent");
  beforeEach(() => {
    saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
    for (const name of ENV_NAMES) delete process.env[name];
    // Keep a developer's ~/.aws out of the test; IMDS is never consulted.
    process.env.AWS_CONFIG_FILE = noAwsFiles;
    process.env.AWS_SHARED_CREDENTIALS_FILE = noAwsFiles;
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    process.env.AWS_ACCESS_KEY_ID = ambientKey;
    process.env.AWS_SECRET_ACCESS_KEY = "fake-secret";
  });
  afterEach(async () => {
    for (const name of ENV_NAMES) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  return async (estate, options = {}) => {
    const fake = await startEksFake(eksEstateSchema.parse(estate), { pageSize: 2, ...options });
    fakes.push(fake);
    for (const name of [
      "AWS_ENDPOINT_URL_EKS",
      "AWS_ENDPOINT_URL_STS",
      "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
      "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
      "AWS_ENDPOINT_URL_EC2",
    ])
      process.env[name] = fake.url;
    return fake;
  };
}

/** An EKS cluster on the wire (epoch-second timestamps), with one general node group. */
export const wireCluster = (name: string, account: string, region: string, extra: Record<string, unknown> = {}) => ({
  cluster: {
    name,
    arn: `arn:aws:eks:${region}:${account}:cluster/${name}`,
    version: "1.31",
    status: "ACTIVE",
    endpoint: `https://${name.toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
    createdAt: 1767225600.123,
    resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] },
    ...extra,
  },
  nodegroups: [
    {
      nodegroupName: "general",
      capacityType: "ON_DEMAND",
      scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
      instanceTypes: ["m6i.large"],
      amiType: "AL2023_x86_64_STANDARD",
      createdAt: "2026-01-01T00:00:00Z",
    },
  ],
});
