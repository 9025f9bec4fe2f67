import { describe, expect, it } from "vitest";
import { createAwsEksReader } from "../../shared/collectors/aws/aws-sdk.js";
import { createAwsSessions } from "../../shared/collectors/aws/aws-sessions.js";
import { createEksCollector } from "../../shared/collectors/aws/eks-collector.js";
import { createLoadBalancerExposureCollector } from "../../shared/collectors/aws/lb-exposure-collector.js";
import { createAwsLoadBalancerReader } from "../../shared/collectors/aws/lb-sdk.js";
import type { EksEstateInput } from "../../shared/fakes/eks-fake.js";
import { mergeInventory } from "../../shared/model/inventory.js";
import { useAwsFake, wireCluster } from "../support/aws-fake.js";
import { allParts, collectContext } from "../support/helpers.js";

const A = "111111111111";
const B = "222222222222";
const AMBIENT_KEY = "AKIAFAKEAMBIENT00002";
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];
/** The fake's page size for every Marker and nextToken chain. */
const PAGE = 2;

const startFake = useAwsFake(AMBIENT_KEY);

const withNodegroups = (name: string, account: string, region: string, count: number) => ({
  ...wireCluster(name, account, region),
  nodegroups: Array.from({ length: count }, (_, i) => ({
    nodegroupName: `ng-${i}`,
    scalingConfig: { desiredSize: 1 },
    instanceTypes: ["m6i.large"],
    ...(i === 0 ? { remoteAccess: { ec2SshKey: "ops" } } : {}),
  })),
});

const inTree = (cluster: string, i: number, extra: Record<string, unknown> = {}) => ({
  name: `a${cluster}${i}`,
  tags: { [`kubernetes.io/cluster/${cluster}`]: "owned", "kubernetes.io/service-name": `default/svc-${i}` },
  ...extra,
});
const noise = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i}` }));

function estate(): EksEstateInput {
  return {
    accounts: [
      {
        accountId: A,
        // The ambient keys live in A and assume both roles (A's own included).
        accessKeyIds: [AMBIENT_KEY],
        regions: {
          "us-east-1": {
            clusters: [
              withNodegroups("a1", A, "us-east-1", 3),
              withNodegroups("a2", A, "us-east-1", 0),
              withNodegroups("a3", A, "us-east-1", 1),
            ],
            loadBalancers: [
              inTree("a1", 1, { securityGroups: ["sg-1", "sg-2"] }),
              inTree("a1", 2, { securityGroups: ["sg-2"] }),
              inTree("a3", 3, { securityGroups: ["sg-3"] }),
              // Internal, and noise with groups: their groups are never read.
              inTree("a2", 4, { scheme: "internal", securityGroups: ["sg-internal"] }),
              ...noise("v2-noise", 41).map((lb) => ({ ...lb, securityGroups: ["sg-noise"] })),
            ],
            classicLoadBalancers: [
              inTree("a2", 5, { securityGroups: ["sg-classic"], listeners: [{ port: 443 }] }),
              ...noise("classic-noise", 20),
            ],
            securityGroups: ["sg-1", "sg-2", "sg-3", "sg-classic", "sg-internal", "sg-noise"].map((groupId) => ({
              groupId,
              ingress: [{ cidrs: ["0.0.0.0/0"] }],
            })),
          },
          "us-west-2": {
            clusters: [withNodegroups("a4", A, "us-west-2", 2)],
            // Internet-facing but without groups: nothing to read in EC2.
            loadBalancers: [inTree("a4", 1)],
          },
          "eu-west-1": { loadBalancers: noise("idle", 30) },
        },
      },
      {
        accountId: B,
        regions: {
          "eu-west-1": { clusters: [withNodegroups("b1", B, "eu-west-1", 5)] },
          "us-east-1": { loadBalancers: noise("b-idle", 10) },
        },
      },
    ],
  };
}

const pages = (items: number) => Math.max(1, Math.ceil(items / PAGE));
const tagCalls = (loadBalancers: number) => Math.ceil(loadBalancers / 20);

describe("the call budget of an AWS sweep", () => {
  it("makes exactly accounts + account-regions + clusters × (1 + node-group calls) + regions with clusters × (LB pages + ⌈LBs/20⌉ + SG calls) calls", async () => {
    const fake = await startFake(estate(), { pageSize: PAGE });
    const roleArns = [A, B].map((account) => `arn:aws:iam::${account}:role/cluster-audit-reader`);
    const sessions = createAwsSessions({ roleArns, webIdentityAudience: null });
    const eks = createEksCollector(createAwsEksReader(sessions), { accounts: sessions.targets, regions: REGIONS });
    const primary = allParts(await eks.collect(collectContext()));
    const lbCollector = createLoadBalancerExposureCollector(createAwsLoadBalancerReader(sessions), {
      targetFor: (accountId) => sessions.targetFor(accountId),
      // Two IDs per DescribeSecurityGroups call, so batching shows in the count.
      securityGroupBatchSize: 2,
    });
    const part = allParts(
      await lbCollector.collect({
        ...collectContext(),
        inventory: mergeInventory([primary], new Date("2026-11-28T10:00:00Z")),
      }),
    );
    expect(primary.gaps).toEqual([]);
    expect(part.gaps).toEqual([]);
    expect(primary.clusters).toHaveLength(5);

    // The terms, counted by hand from the estate above.
    const credentials = 2; // one AssumeRole per account
    // Six account-regions; A/us-east-1 has three clusters (two pages), the others one page each.
    const listClusters = pages(3) + pages(1) + pages(0) + pages(1) + pages(0) + pages(0);
    const nodeGroups = { a1: 3, a2: 0, a3: 1, a4: 2, b1: 5 };
    const perCluster = Object.values(nodeGroups).reduce((sum, n) => sum + 1 + pages(n) + n, 0);
    // Regions with clusters: A/us-east-1, A/us-west-2, B/eu-west-1.
    const usEast1 = {
      loadBalancerPages: pages(45) + pages(21),
      tags: tagCalls(45) + tagCalls(21),
      // sg-1, sg-2, sg-3, sg-classic: the groups of internet-facing cluster load balancers, two per call.
      securityGroups: 2,
    };
    const usWest2 = { loadBalancerPages: pages(1) + pages(0), tags: tagCalls(1), securityGroups: 0 };
    const euWest1 = { loadBalancerPages: pages(0) + pages(0), tags: 0, securityGroups: 0 };
    const perRegion = [usEast1, usWest2, euWest1].reduce(
      (sum, r) => sum + r.loadBalancerPages + r.tags + r.securityGroups,
      0,
    );
    const formula = credentials + listClusters + perCluster + perRegion;
    expect({ credentials, listClusters, perCluster, perRegion, formula }).toEqual({
      credentials: 2,
      // 2 + 1 + 1 + 1 + 1 + 1
      listClusters: 7,
      // a1 1+2+3, a2 1+1+0, a3 1+1+1, a4 1+1+2, b1 1+3+5
      perCluster: 24,
      // us-east-1 (23+11) + (3+2) + 2, us-west-2 (1+1) + 1, eu-west-1 1+1
      perRegion: 46,
      formula: 79,
    });

    const count = (service: string, action?: string) =>
      fake.requests.filter((r) => r.service === service && (action === undefined || r.action === action)).length;
    const eksPath = (pattern: RegExp) =>
      fake.requests.filter((r) => r.service === "eks" && pattern.test(r.path)).length;
    expect({
      assumeRole: count("sts", "AssumeRole"),
      listClusters: eksPath(/^\/clusters(\?|$)/),
      describeCluster: eksPath(/^\/clusters\/[^/?]+$/),
      listNodegroups: eksPath(/^\/clusters\/[^/]+\/node-groups(\?|$)/),
      describeNodegroup: eksPath(/^\/clusters\/[^/]+\/node-groups\/[^/?]+$/),
      elbv2Pages: count("elbv2", "DescribeLoadBalancers"),
      elbPages: count("elb", "DescribeLoadBalancers"),
      elbv2Tags: count("elbv2", "DescribeTags"),
      elbTags: count("elb", "DescribeTags"),
      securityGroups: count("ec2", "DescribeSecurityGroups"),
    }).toEqual({
      assumeRole: credentials,
      listClusters,
      describeCluster: 5,
      listNodegroups: pages(3) + pages(0) + pages(1) + pages(2) + pages(5),
      describeNodegroup: 3 + 0 + 1 + 2 + 5,
      elbv2Pages: pages(45) + pages(1) + pages(0),
      elbPages: pages(21) + pages(0) + pages(0),
      elbv2Tags: tagCalls(45) + tagCalls(1),
      elbTags: tagCalls(21),
      securityGroups: 2,
    });
    // And nothing more: no other call of any service, no retry.
    expect(fake.requests).toHaveLength(formula);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    // What the calls bought: the five cluster load balancers, and SSH open to the world on ng-0.
    expect(part.exposures).toHaveLength(6);
    expect(primary.clusters.find((c) => c.name === "a1")?.nodePools[0]?.remoteAccess?.openToWorld).toBe(true);
  });
});
