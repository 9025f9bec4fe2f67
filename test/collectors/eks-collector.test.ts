import type { Cluster, Nodegroup } from "@aws-sdk/client-eks";
import { describe, expect, it, vi } from "vitest";
import { createAwsEksReader } from "../../shared/collectors/aws/aws-sdk.js";
import { awsAccountTargets, createAwsSessions } from "../../shared/collectors/aws/aws-sessions.js";
import {
  type AwsAccountTarget,
  createEksCollector,
  type EksReader,
} from "../../shared/collectors/aws/eks-collector.js";
import type { EksEstateInput, EksFake, EksFakeOptions } from "../../shared/fakes/eks-fake.js";
import { fastRetry, useAwsFake, wireCluster } from "../support/aws-fake.js";
import { allParts, collectContext } from "../support/helpers.js";

const HUB = "111111111111";
const SPOKE_A = "222222222222";
const SPOKE_B = "333333333333";
const LOCKED = "444444444444";
const AMBIENT_KEY = "AKIAFAKEAMBIENT00001";
const role = (account: string) => `arn:aws:iam::${account}:role/cluster-audit-reader`;

function estateInput(): EksEstateInput {
  return {
    accounts: [
      {
        accountId: HUB,
        accessKeyIds: [AMBIENT_KEY],
        regions: {
          "us-east-1": {
            clusters: [
              ...[1, 2, 3, 4].map((i) => wireCluster(`hub-${i}`, HUB, "us-east-1")),
              {
                ...wireCluster("hub-gpu", HUB, "us-east-1"),
                nodegroups: ["a", "b", "c"].map((suffix) => ({
                  nodegroupName: `gpu-${suffix}`,
                  capacityType: "SPOT",
                  scalingConfig: { minSize: 0, maxSize: 8, desiredSize: 4 },
                  instanceTypes: ["g5.12xlarge"],
                  amiType: "AL2023_x86_64_NVIDIA",
                  labels: { workload: "training" },
                })),
              },
            ],
          },
          "us-west-2": { throttle: 2, clusters: [wireCluster("hub-west", HUB, "us-west-2")] },
        },
        deniedRegions: ["eu-west-1"],
        disabledRegions: ["ap-east-1"],
      },
      { accountId: SPOKE_A, regions: { "us-east-1": { clusters: [wireCluster("spoke-a", SPOKE_A, "us-east-1")] } } },
      {
        accountId: SPOKE_B,
        regions: {
          "us-west-2": {
            clusters: [
              wireCluster("spoke-b", SPOKE_B, "us-west-2", {
                resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
              }),
              { ...wireCluster("secret", SPOKE_B, "us-west-2"), describeDenied: true },
            ],
          },
        },
      },
      {
        accountId: LOCKED,
        assumeRoleDenied: true,
        regions: { "us-east-1": { clusters: [wireCluster("x", LOCKED, "us-east-1")] } },
      },
    ],
  };
}

const startFake = useAwsFake(AMBIENT_KEY);
/** The whole estate above, behind one fake that every AWS SDK variable points at. */
const fakeAws = (options: EksFakeOptions = {}): Promise<EksFake> => startFake(estateInput(), options);

describe("EKS collection through the real AWS SDK clients and the loopback fake", () => {
  it("uses ambient credentials, resolves the account by STS, pages clusters and node groups, and maps them", async () => {
    const fake = await fakeAws();
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const progress: string[] = [];
    const part = await createEksCollector(reader, { accounts: awsAccountTargets([]), regions: ["us-east-1"] })
      .collect(collectContext((m) => progress.push(m)))
      .then(allParts);

    expect(part.gaps).toEqual([]);
    expect(part.clusters.map((c) => c.name)).toEqual(["hub-1", "hub-2", "hub-3", "hub-4", "hub-gpu"]);
    expect(part.clusters.every((c) => c.scope === HUB && c.region === "us-east-1" && c.cloud === "aws")).toBe(true);
    const gpu = part.clusters.find((c) => c.name === "hub-gpu");
    expect(gpu?.nodePools.map((p) => p.name)).toEqual(["gpu-a", "gpu-b", "gpu-c"]);
    expect(gpu?.nodePools[0]).toMatchObject({ gpu: true, gpusPerNode: 4, spot: true, nodeCount: 4, maxCount: 8 });
    expect(gpu?.apiServer).toMatchObject({ publicEndpoint: true, allowedSourceCidrs: ["0.0.0.0/0"] });
    expect(gpu?.apiServer.fqdn).toBe("hub-gpu.gr7.us-east-1.eks.amazonaws.com");
    expect(progress).toContain(`aws: ${HUB}/us-east-1: 5 EKS cluster(s)`);

    // Five clusters at two per page: three ListClusters calls, following nextToken.
    const lists = fake.requests.filter((r) => /^\/clusters(?:\?|$)/.test(r.path));
    expect(lists.map((r) => new URL(r.path, "http://x").searchParams.get("nextToken"))).toEqual([null, "2", "4"]);
    const ngLists = fake.requests.filter((r) => /^\/clusters\/hub-gpu\/node-groups(?:\?|$)/.test(r.path));
    expect(ngLists).toHaveLength(2);
    // One GetCallerIdentity; every request signed with the ambient key for the requested region.
    expect(fake.requests.filter((r) => r.service === "sts").map((r) => r.action)).toEqual(["GetCallerIdentity"]);
    expect(fake.requests.every((r) => r.accessKeyId === AMBIENT_KEY && r.status === 200)).toBe(true);
    expect(new Set(fake.requests.filter((r) => r.service === "eks").map((r) => r.region))).toEqual(
      new Set(["us-east-1"]),
    );
  });

  it("honours AWS_ENDPOINT_URL_EKS and AWS_ENDPOINT_URL_STS separately", async () => {
    const eks = await fakeAws();
    // A second fake takes every variable; EKS goes back to the first, STS stays on the second.
    const sts = await fakeAws();
    process.env.AWS_ENDPOINT_URL_EKS = eks.url;
    const reader = createAwsEksReader(createAwsSessions({ roleArns: [], webIdentityAudience: null }));
    const part = await createEksCollector(reader, { accounts: awsAccountTargets([]), regions: ["us-east-1"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.gaps).toEqual([]);
    expect(part.clusters).toHaveLength(5);
    expect(sts.requests.map((r) => `${r.service}:${r.action}`)).toEqual(["sts:GetCallerIdentity"]);
    expect(eks.requests.length).toBeGreaterThan(0);
    expect(eks.requests.every((r) => r.service === "eks")).toBe(true);
  });

  it("retries throttling, and reports a region it cannot get past throttling as a gap", async () => {
    const fake = await fakeAws();
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, { accounts: awsAccountTargets([]), regions: ["us-west-2"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.gaps).toEqual([]);
    expect(part.clusters.map((c) => c.name)).toEqual(["hub-west"]);
    expect(
      fake.requests
        .filter((r) => r.region === "us-west-2")
        .map((r) => r.status)
        .slice(0, 3),
    ).toEqual([429, 429, 200]);

    const stubborn = await startFake({
      accounts: [{ accountId: HUB, accessKeyIds: [AMBIENT_KEY], regions: { "us-west-2": { throttle: 50 } } }],
    });
    const again = await createEksCollector(
      createAwsEksReader(createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() })),
      { accounts: awsAccountTargets([]), regions: ["us-west-2"] },
    )
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(again.gaps).toEqual([
      expect.objectContaining({
        scope: HUB,
        region: "us-west-2",
        operation: "list-eks-clusters",
        code: "ThrottlingException",
      }),
    ]);
    // maxAttempts 4 from the configured strategy: four tries, then the gap.
    expect(stubborn.requests.filter((r) => r.service === "eks")).toHaveLength(4);
  });

  it("reports a denied region and a disabled opt-in region as gaps, and keeps the other regions", async () => {
    await fakeAws();
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets([]),
      regions: ["us-east-1", "eu-west-1", "ap-east-1", "us-west-2"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);

    expect(part.clusters).toHaveLength(6);
    expect(part.gaps).toHaveLength(2);
    const denied = part.gaps.find((g) => g.region === "eu-west-1");
    expect(denied).toMatchObject({
      cloud: "aws",
      scope: HUB,
      operation: "list-eks-clusters",
      code: "AccessDeniedException",
      clusterId: null,
    });
    expect(denied?.reason).toMatch(/^access denied \(User: .* is not authorized to perform: eks:ListClusters/);
    const disabled = part.gaps.find((g) => g.region === "ap-east-1");
    expect(disabled).toMatchObject({ scope: HUB, operation: "list-eks-clusters", code: "UnrecognizedClientException" });
    expect(disabled?.reason).toMatch(/^region not enabled or not reachable: ap-east-1 is an opt-in region/);
    expect(disabled?.reason).toContain("security token included in the request is invalid");
  });

  it("assumes one role per account (once, not per region) and collects each account with its own credentials", async () => {
    const fake = await fakeAws();
    const roleArns = [role(SPOKE_A), role(SPOKE_B), role(LOCKED)];
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns, webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets(roleArns),
      regions: ["us-east-1", "us-west-2"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);

    expect(part.clusters.map((c) => `${c.scope}:${c.region}:${c.name}`).sort()).toEqual([
      `${SPOKE_A}:us-east-1:spoke-a`,
      `${SPOKE_B}:us-west-2:spoke-b`,
    ]);
    expect(part.clusters.find((c) => c.name === "spoke-b")?.apiServer).toMatchObject({
      publicEndpoint: false,
      privateCluster: true,
    });
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: SPOKE_B,
        region: "us-west-2",
        operation: "describe-eks-cluster",
        clusterName: "secret",
      }),
      expect.objectContaining({ scope: LOCKED, region: null, operation: "assume-role", code: "AccessDenied" }),
    ]);
    const secret = part.gaps[0];
    expect(secret?.clusterId).toBe(`arn:aws:eks:us-west-2:${SPOKE_B}:cluster/secret`);
    expect(secret?.reason).toMatch(/^access denied/);
    expect(part.gaps[1]?.reason).toMatch(/^access denied .*sts:AssumeRole/);

    const assumes = fake.requests.filter((r) => r.action === "AssumeRole");
    expect(assumes).toHaveLength(3);
    // AssumeRole is signed with the ambient key in an always-enabled region.
    expect(assumes.every((r) => r.accessKeyId === AMBIENT_KEY && r.region === "us-east-1")).toBe(true);
    const eksCalls = fake.requests.filter((r) => r.service === "eks");
    expect(eksCalls.length).toBeGreaterThan(0);
    for (const call of eksCalls) {
      expect(call.accessKeyId?.startsWith("ASIA")).toBe(true);
      expect(fake.issuedKeys.get(call.accessKeyId ?? "")).toMatch(/^(222222222222|333333333333)$/);
    }
    expect(fake.requests.some((r) => r.action === "GetCallerIdentity")).toBe(false);
  });

  it("federates with a web identity token and needs no stored AWS keys", async () => {
    const fake = await fakeAws();
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const getWebIdentityToken = vi.fn(async () => "entra-token-for-api://aws-audit-federation");
    const roleArns = [role(SPOKE_A), role(SPOKE_B)];
    const reader = createAwsEksReader(
      createAwsSessions({
        roleArns,
        webIdentityAudience: "api://aws-audit-federation",
        getWebIdentityToken,
        clientOverrides: fastRetry(),
      }),
    );
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets(roleArns),
      regions: ["us-east-1", "us-west-2"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);

    expect(part.clusters.map((c) => c.name).sort()).toEqual(["spoke-a", "spoke-b"]);
    expect(getWebIdentityToken).toHaveBeenCalledTimes(2);
    const federations = fake.requests.filter((r) => r.action === "AssumeRoleWithWebIdentity");
    expect(federations).toHaveLength(2);
    expect(federations.every((r) => r.webIdentityToken === "entra-token-for-api://aws-audit-federation")).toBe(true);
    // AssumeRoleWithWebIdentity is unsigned; nothing used long-term keys.
    expect(federations.every((r) => r.accessKeyId === null)).toBe(true);
    expect(fake.requests.some((r) => r.action === "AssumeRole")).toBe(false);
    expect(fake.requests.filter((r) => r.service === "eks").every((r) => r.accessKeyId?.startsWith("ASIA"))).toBe(true);
  });

  it("fetches a fresh web identity token when the AWS credentials near expiry", async () => {
    // Two-minute credentials sit inside the five-minute refresh window, so every use refreshes.
    await fakeAws({ credentialLifetimeSeconds: 120 });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    let issued = 0;
    const getWebIdentityToken = vi.fn(async () => `token-${++issued}`);
    const reader = createAwsEksReader(
      createAwsSessions({
        roleArns: [role(SPOKE_A)],
        webIdentityAudience: "api://aws-audit-federation",
        getWebIdentityToken,
      }),
    );
    const target = awsAccountTargets([role(SPOKE_A)]);
    await createEksCollector(reader, { accounts: target, regions: ["us-east-1"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(getWebIdentityToken.mock.calls.length).toBeGreaterThan(1);
  });

  it("rejects a web identity audience without a token source", () => {
    expect(() => createAwsSessions({ roleArns: [role(SPOKE_A)], webIdentityAudience: "api://x" })).toThrow(
      /getWebIdentityToken/,
    );
  });

  it("reports ambient credentials that STS rejects as one resolve-account gap", async () => {
    const fake = await fakeAws();
    process.env.AWS_ACCESS_KEY_ID = "AKIAFAKEUNKNOWN00000";
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets([]),
      regions: ["us-east-1", "us-west-2"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toEqual([]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: "ambient",
        region: null,
        operation: "resolve-account",
        code: "InvalidClientTokenId",
      }),
    ]);
    expect(part.gaps[0]?.reason).toMatch(/^access denied/);
    expect(fake.requests.every((r) => r.service === "sts")).toBe(true);
  });
});

describe("ambient credentials without a reachable STS", () => {
  it("still audits EKS, taking each cluster's account from its ARN", async () => {
    await fakeAws();
    // Nothing listens on port 9: STS is unreachable while EKS answers.
    process.env.AWS_ENDPOINT_URL_STS = "http://127.0.0.1:9";
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, { accounts: awsAccountTargets([]), regions: ["us-east-1"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.gaps).toEqual([]);
    expect(part.clusters).toHaveLength(5);
    expect(part.clusters.every((c) => c.scope === HUB)).toBe(true);
  });

  it("reports one resolve-account gap when neither STS nor any region answers", async () => {
    process.env.AWS_ENDPOINT_URL_STS = "http://127.0.0.1:9";
    process.env.AWS_ENDPOINT_URL_EKS = "http://127.0.0.1:9";
    const reader = createAwsEksReader(
      createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() }),
    );
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets([]),
      regions: ["us-east-1", "eu-west-1"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toEqual([]);
    expect(part.gaps).toEqual([
      expect.objectContaining({ scope: "ambient", region: null, operation: "resolve-account" }),
    ]);
  });
});

describe("awsAccountTargets", () => {
  it("makes one target per distinct role ARN, with the ARN's account", () => {
    expect(awsAccountTargets([role(SPOKE_A), role(SPOKE_B), role(SPOKE_A)])).toEqual([
      { kind: "role", roleArn: role(SPOKE_A), accountId: SPOKE_A },
      { kind: "role", roleArn: role(SPOKE_B), accountId: SPOKE_B },
    ]);
    expect(awsAccountTargets(["arn:aws-us-gov:iam::555555555555:role/path/r"])).toEqual([
      { kind: "role", roleArn: "arn:aws-us-gov:iam::555555555555:role/path/r", accountId: "555555555555" },
    ]);
  });

  it("falls back to one ambient target", () => {
    expect(awsAccountTargets([])).toEqual([{ kind: "ambient" }]);
  });
});

describe("createEksCollector over a stub reader", () => {
  const ambient: AwsAccountTarget = { kind: "ambient" };

  function stubReader(overrides: Partial<EksReader> = {}): EksReader {
    return {
      resolveAccount: async () => HUB,
      async *listClusters() {
        yield* ["a", "b", "c", "d", "e", "f"];
      },
      describeCluster: async (_t, region, name): Promise<Cluster> => ({
        name,
        arn: `arn:aws:eks:${region}:${HUB}:cluster/${name}`,
      }),
      async *listNodegroups() {
        yield "ng";
      },
      describeNodegroup: async (): Promise<Nodegroup> => ({ nodegroupName: "ng", scalingConfig: { desiredSize: 1 } }),
      ...overrides,
    };
  }

  it("bounds concurrent describes", async () => {
    let inFlight = 0;
    let peak = 0;
    const reader = stubReader({
      describeCluster: async (_t, _r, name) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        return { name };
      },
    });
    const part = await createEksCollector(reader, {
      accounts: [ambient],
      regions: ["us-east-1", "us-east-2", "us-west-2"],
      concurrency: 2,
    })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toHaveLength(18);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it("turns unreachable regions, node-group failures and a thrown port into gaps without throwing", async () => {
    const unreachable = Object.assign(new Error("getaddrinfo ENOTFOUND eks.xx-east-9.amazonaws.com"), {
      code: "ENOTFOUND",
    });
    const reader = stubReader({
      async *listClusters(_t, region) {
        if (region === "xx-east-9") throw unreachable;
        yield "only";
      },
      describeNodegroup: async () => {
        throw Object.assign(new Error("boom"), {
          name: "ServiceUnavailableException",
          $metadata: { httpStatusCode: 503 },
        });
      },
    });
    const part = await createEksCollector(reader, { accounts: [ambient], regions: ["us-east-1", "xx-east-9"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters.map((c) => c.name)).toEqual(["only"]);
    expect(part.clusters[0]?.nodePools).toEqual([]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        region: "us-east-1",
        operation: "describe-eks-nodegroup",
        clusterName: "only",
        code: "ServiceUnavailableException",
      }),
      expect.objectContaining({ region: "xx-east-9", operation: "list-eks-clusters", code: "ENOTFOUND" }),
    ]);
    expect(part.gaps[1]?.reason).toMatch(/^region not enabled or not reachable: xx-east-9 could not be reached/);

    const failing = stubReader({
      resolveAccount: () => {
        throw new Error("no credentials in the chain");
      },
    });
    const none = await createEksCollector(failing, { accounts: [ambient], regions: ["us-east-1"] })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(none).toMatchObject({
      clusters: [],
      coverage: [],
      gaps: [
        expect.objectContaining({
          scope: "ambient",
          operation: "resolve-account",
          reason: "no credentials in the chain",
        }),
      ],
    });
  });

  it("collects an account once when two role ARNs land in it", async () => {
    const reader = stubReader({ resolveAccount: async () => SPOKE_A });
    const part = await createEksCollector(reader, {
      accounts: awsAccountTargets([role(SPOKE_A), `arn:aws:iam::${SPOKE_A}:role/other`]),
      regions: ["us-east-1"],
    })
      .collect(collectContext(() => {}))
      .then(allParts);
    expect(part.clusters).toHaveLength(6);
  });
});
