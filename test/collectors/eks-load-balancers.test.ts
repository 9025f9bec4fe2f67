import {
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { createAwsEksReader } from "../../shared/collectors/aws/aws-sdk.js";
import { type AwsSessions, createAwsSessions } from "../../shared/collectors/aws/aws-sessions.js";
import { createEksCollector } from "../../shared/collectors/aws/eks-collector.js";
import { mapEksCluster } from "../../shared/collectors/aws/eks-mapper.js";
import {
  createLoadBalancerExposureCollector,
  type LoadBalancerReader,
} from "../../shared/collectors/aws/lb-exposure-collector.js";
import { createAwsLoadBalancerReader } from "../../shared/collectors/aws/lb-sdk.js";
import type { EksEstateInput } from "../../shared/fakes/eks-fake.js";
import { elbv2Arn } from "../../shared/fakes/elb-fake.js";
import { mergeInventory } from "../../shared/model/inventory.js";
import { fastRetry, useAwsFake, wireCluster } from "../support/aws-fake.js";
import { allParts, collectContext } from "../support/helpers.js";

const HUB = "111111111111";
const SPOKE = "222222222222";
const LOCKED = "444444444444";
const AMBIENT_KEY = "AKIAFAKEAMBIENT00001";
const role = (account: string) => `arn:aws:iam::${account}:role/cluster-audit-reader`;
const HOSTILE_SERVICE = "team-a/<!channel> web/../x\u001b[31m @here";

const startFake = useAwsFake(AMBIENT_KEY);

const noise = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    type: i % 2 === 0 ? ("application" as const) : ("network" as const),
    securityGroups: i % 2 === 0 ? [`sg-noise-${i}`] : [],
    tags: { team: "web", "kubernetes.io/cluster/someone-else": "owned", "kubernetes.io/service-name": "default/web" },
  }));

function estate(): EksEstateInput {
  return {
    accounts: [
      {
        accountId: HUB,
        accessKeyIds: [AMBIENT_KEY],
        regions: {
          "us-east-1": {
            clusters: [
              wireCluster("kubeflow-open", HUB, "us-east-1"),
              wireCluster("twin", HUB, "us-east-1", {
                resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
              }),
            ],
            loadBalancers: [
              {
                name: "a1b2c3d4istio",
                type: "network",
                tags: {
                  "kubernetes.io/service-name": "istio-system/istio-ingressgateway",
                  "kubernetes.io/cluster/kubeflow-open": "owned",
                },
              },
              {
                name: "k8s-istiosys-twin",
                type: "network",
                scheme: "internal",
                securityGroups: ["sg-twin-frontend"],
                tags: {
                  "elbv2.k8s.aws/cluster": "twin",
                  "service.k8s.aws/stack": "istio-system/istio-ingressgateway",
                  "service.k8s.aws/resource": "LoadBalancer",
                },
              },
              {
                name: "k8s-ingressn-restricted",
                type: "network",
                securityGroups: ["sg-frontend-restricted", "sg-backend"],
                tags: {
                  "elbv2.k8s.aws/cluster": "kubeflow-open",
                  "service.k8s.aws/stack": "ingress-nginx/ingress-nginx-controller",
                  "service.k8s.aws/resource": "LoadBalancer",
                },
              },
              {
                name: "k8s-istiosys-kubeflow",
                type: "application",
                securityGroups: ["sg-alb-open"],
                tags: {
                  "elbv2.k8s.aws/cluster": "kubeflow-open",
                  "ingress.k8s.aws/stack": "istio-system/istio-ingress",
                  "ingress.k8s.aws/resource": "LoadBalancer",
                },
              },
              {
                name: "a9hostile",
                type: "network",
                tags: { "kubernetes.io/cluster/kubeflow-open": "owned", "kubernetes.io/service-name": HOSTILE_SERVICE },
              },
              {
                name: "aleftover",
                tags: { "kubernetes.io/cluster/deleted": "owned", "kubernetes.io/service-name": "default/old" },
              },
              {
                name: "alegacy",
                scheme: "internal",
                tags: { KubernetesCluster: "twin", "kubernetes.io/service-name": "default/legacy-web" },
              },
              {
                name: "ashared",
                tags: { "kubernetes.io/cluster/kubeflow-open": "shared", "kubernetes.io/service-name": "default/s" },
              },
              ...noise(20, "noise"),
            ],
            classicLoadBalancers: [
              {
                name: "adashboard",
                securityGroups: ["sg-dashboard"],
                listeners: [{ protocol: "TCP", port: 443 }],
                tags: {
                  "kubernetes.io/service-name": "kubernetes-dashboard/kubernetes-dashboard",
                  "kubernetes.io/cluster/kubeflow-open": "owned",
                },
              },
              {
                name: "legacy-noise",
                securityGroups: ["sg-noise-classic"],
                listeners: [{ protocol: "HTTP", port: 80 }],
              },
            ],
            securityGroups: [
              {
                groupId: "sg-frontend-restricted",
                ingress: [
                  {
                    protocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrs: ["203.0.113.0/24"],
                    ipv6Cidrs: ["2001:db8::/32"],
                  },
                  { protocol: "tcp", fromPort: 8443, toPort: 8443, sourceGroups: ["sg-bastion"] },
                ],
              },
              {
                groupId: "sg-backend",
                tags: { "elbv2.k8s.aws/resource": "backend-sg", "elbv2.k8s.aws/cluster": "kubeflow-open" },
                // Never read as the load balancer's sources: it governs LB → node traffic.
                ingress: [{ protocol: "-1", cidrs: ["0.0.0.0/0"] }],
              },
              {
                groupId: "sg-alb-open",
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"] }],
              },
              {
                groupId: "sg-dashboard",
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, ipv6Cidrs: ["::/0"] }],
              },
              {
                groupId: "sg-twin-frontend",
                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"] }],
              },
            ],
          },
          "us-west-2": { clusters: [wireCluster("west", HUB, "us-west-2")] },
          // Load balancers but no clusters: never listed.
          "eu-west-1": { loadBalancers: noise(3, "eu") },
        },
      },
      {
        accountId: SPOKE,
        regions: {
          "us-east-1": {
            clusters: [wireCluster("spoke", SPOKE, "us-east-1")],
            loadBalancers: [
              {
                name: "aspoke",
                tags: {
                  "kubernetes.io/cluster/spoke": "owned",
                  "kubernetes.io/service-name": "istio-system/istio-ingressgateway",
                },
              },
            ],
          },
          "us-west-2": {
            clusters: [wireCluster("spoke-west", SPOKE, "us-west-2")],
            elbThrottle: 50,
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

/** The two stages as the engine runs them: EKS first, then the load balancers over its inventory. */
async function sweep(sessions: AwsSessions, regions: string[]) {
  const eks = createEksCollector(createAwsEksReader(sessions), { accounts: sessions.targets, regions });
  const primary = allParts(await eks.collect(collectContext()));
  const inventory = mergeInventory([primary], new Date("2026-11-28T10:00:00Z"));
  const collector = createLoadBalancerExposureCollector(createAwsLoadBalancerReader(sessions), {
    targetFor: (accountId) => sessions.targetFor(accountId),
  });
  const progress: string[] = [];
  const part = allParts(await collector.collect({ ...collectContext((m) => progress.push(m)), inventory }));
  return { primary, part, progress, collector };
}

const ambientSessions = () =>
  createAwsSessions({ roleArns: [], webIdentityAudience: null, clientOverrides: fastRetry() });

describe("EKS service exposure through the real ELBv2, classic ELB and EC2 clients and the loopback fake", () => {
  it("maps in-tree and LB Controller load balancers of known clusters to Service exposures", async () => {
    await startFake(estate());
    const { primary, part, collector, progress } = await sweep(ambientSessions(), ["us-east-1"]);
    expect(collector.stage).toBe(1);
    expect(primary.gaps).toEqual([]);
    const kubeflowOpen = primary.clusters.find((c) => c.name === "kubeflow-open");
    const twin = primary.clusters.find((c) => c.name === "twin");

    const byName = new Map(part.exposures.map((e) => [String(e.evidence.loadBalancer), e]));
    expect([...byName.keys()].sort()).toEqual([
      "a1b2c3d4istio",
      "a9hostile",
      "adashboard",
      "alegacy",
      "k8s-ingressn-restricted",
      "k8s-istiosys-kubeflow",
      "k8s-istiosys-twin",
    ]);

    // In-tree NLB without security groups: internet-facing, sources unknown at the load balancer.
    const istio = byName.get("a1b2c3d4istio");
    expect(istio).toMatchObject({
      cloud: "aws",
      scope: HUB,
      region: "us-east-1",
      clusterId: kubeflowOpen?.id,
      namespace: "istio-system",
      serviceName: "istio-ingressgateway",
      kind: "load-balancer",
      owner: "aws-cloud-provider",
      internetFacing: true,
      ports: [],
      sourceRestriction: "unknown",
      sourceCidrs: [],
      resourceId: elbv2Arn(HUB, "us-east-1", { name: "a1b2c3d4istio", type: "network" }),
    });
    expect(istio?.addresses[0]).toMatch(/^a1b2c3d4istio-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    expect(istio?.evidence.restriction).toMatch(/^no security group on the load balancer/);

    // The twin's LB Controller NLB is internal: no security group is read for it.
    expect(byName.get("k8s-istiosys-twin")).toMatchObject({
      clusterId: twin?.id,
      owner: "aws-load-balancer-controller",
      internetFacing: false,
      namespace: "istio-system",
      serviceName: "istio-ingressgateway",
    });
    expect(byName.get("alegacy")).toMatchObject({
      clusterId: twin?.id,
      namespace: "default",
      serviceName: "legacy-web",
    });

    // Frontend group restricted; the backend group's 0.0.0.0/0 is not the load balancer's source.
    expect(byName.get("k8s-ingressn-restricted")).toMatchObject({
      sourceRestriction: "restricted",
      sourceCidrs: ["2001:db8::/32", "203.0.113.0/24"],
      evidence: expect.objectContaining({
        securityGroupsRead: ["sg-frontend-restricted"],
        allowedSecurityGroupsOrPrefixLists: ["sg-bastion"],
      }),
    });
    expect(byName.get("k8s-istiosys-kubeflow")).toMatchObject({
      kind: "ingress",
      namespace: "istio-system",
      serviceName: "istio-ingress",
      sourceRestriction: "open",
      evidence: expect.objectContaining({ openRules: ["sg-alb-open tcp/443 from 0.0.0.0/0"] }),
    });
    // Classic ELB: listener ports come with the listing; ::/0 is open too.
    expect(byName.get("adashboard")).toMatchObject({
      namespace: "kubernetes-dashboard",
      serviceName: "kubernetes-dashboard",
      ports: [{ protocol: "TCP", port: 443 }],
      sourceRestriction: "open",
      resourceId: `arn:aws:elasticloadbalancing:us-east-1:${HUB}:loadbalancer/adashboard`,
    });
    // Hostile tag values stay data, byte for byte.
    expect(byName.get("a9hostile")).toMatchObject({ namespace: "team-a", serviceName: HOSTILE_SERVICE.slice(7) });

    expect(part.kubeflow).toEqual([
      {
        cloud: "aws",
        clusterId: kubeflowOpen?.id,
        namespaces: ["istio-system"],
        components: ["Kubeflow on AWS ALB ingress istio-system/istio-ingress"],
        firstSeen: null,
        lastSeen: null,
      },
    ]);
    expect(part.coverage).toEqual([
      { cloud: "aws", scope: HUB, region: "us-east-1", clusterId: null, source: "service-exposure" },
    ]);
    expect(part.gaps).toEqual([]);
    expect(progress).toEqual([`aws: ${HUB}/us-east-1: 30 load balancer(s), 7 in front of Kubernetes Services`]);
  });

  it("pages with Marker, batches DescribeTags by 20, and reads only the groups of internet-facing cluster load balancers", async () => {
    const fake = await startFake(estate());
    await sweep(ambientSessions(), ["us-east-1", "us-west-2", "eu-west-1"]);
    const calls = (service: string, action: string, region: string) =>
      fake.requests.filter((r) => r.service === service && r.action === action && r.region === region);

    // 28 ELBv2 load balancers at two per page: 14 pages, each Marker the offset the last page named.
    const v2Pages = calls("elbv2", "DescribeLoadBalancers", "us-east-1");
    expect(v2Pages.map((r) => r.params?.Marker ?? null)).toEqual([
      null,
      ...Array.from({ length: 13 }, (_, i) => String((i + 1) * 2)),
    ]);
    expect(v2Pages.every((r) => r.params?.PageSize === "400" && r.params?.Version === "2015-12-01")).toBe(true);
    const v2Tags = calls("elbv2", "DescribeTags", "us-east-1");
    expect(v2Tags.map((r) => Object.keys(r.params ?? {}).filter((k) => k.startsWith("ResourceArns.")).length)).toEqual([
      20, 8,
    ]);
    expect(calls("elb", "DescribeLoadBalancers", "us-east-1")).toHaveLength(1);
    const classicTags = calls("elb", "DescribeTags", "us-east-1");
    expect(
      classicTags.map((r) => [r.params?.["LoadBalancerNames.member.1"], r.params?.["LoadBalancerNames.member.2"]]),
    ).toEqual([["adashboard", "legacy-noise"]]);
    const groups = calls("ec2", "DescribeSecurityGroups", "us-east-1");
    expect(groups).toHaveLength(1);
    const asked = Object.entries(groups[0]?.params ?? {})
      .filter(([k]) => /^GroupId\.\d+$/.test(k))
      .map(([, v]) => v);
    expect(asked).toEqual(["sg-alb-open", "sg-backend", "sg-dashboard", "sg-frontend-restricted"]);
    expect(groups[0]?.params?.Version).toBe("2016-11-15");

    // A region with clusters but no load balancers still costs one page of each API and nothing else.
    expect(
      fake.requests
        .filter((r) => r.region === "us-west-2" && r.service !== "eks")
        .map((r) => `${r.service}:${r.action}`),
    ).toEqual(expect.arrayContaining(["elbv2:DescribeLoadBalancers", "elb:DescribeLoadBalancers"]));
    expect(fake.requests.filter((r) => r.region === "us-west-2" && r.service !== "eks")).toHaveLength(2);
    // No clusters, no load-balancer calls.
    expect(fake.requests.filter((r) => r.region === "eu-west-1" && r.service !== "eks")).toEqual([]);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
  });

  it("has a fake that rejects DescribeTags with more than 20 ARNs, as ELB does", async () => {
    await startFake(estate());
    const client = new ElasticLoadBalancingV2Client({
      region: "us-east-1",
      credentials: { accessKeyId: AMBIENT_KEY, secretAccessKey: "x" },
      maxAttempts: 1,
    });
    const arns = Array.from({ length: 21 }, (_, i) =>
      elbv2Arn(HUB, "us-east-1", { name: `noise-${i % 20}`, type: i % 2 === 0 ? "application" : "network" }),
    );
    await expect(client.send(new DescribeTagsCommand({ ResourceArns: arns }))).rejects.toMatchObject({
      name: "ValidationError",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("shares one session per account across EKS, ELBv2, classic ELB and EC2, in every region", async () => {
    const fake = await startFake(estate());
    const roleArns = [role(HUB), role(SPOKE), role(LOCKED)];
    const sessions = createAwsSessions({ roleArns, webIdentityAudience: null, clientOverrides: fastRetry() });
    const { primary, part } = await sweep(sessions, ["us-east-1", "us-west-2"]);

    expect(fake.requests.filter((r) => r.action === "AssumeRole").map((r) => r.params?.RoleArn)).toEqual(roleArns);
    const regional = fake.requests.filter((r) => r.service !== "sts");
    expect(new Set(regional.map((r) => r.service))).toEqual(new Set(["eks", "elbv2", "elb", "ec2"]));
    for (const call of regional) {
      const account = fake.issuedKeys.get(call.accessKeyId ?? "");
      expect(account === HUB || account === SPOKE, `${call.service} ${call.action} signed by ${call.accessKeyId}`).toBe(
        true,
      );
    }
    // The locked account is the EKS collector's blind spot; the load balancers add nothing for it.
    expect(primary.gaps).toEqual([expect.objectContaining({ scope: LOCKED, operation: "assume-role", region: null })]);
    expect(part.exposures.some((e) => e.scope === LOCKED)).toBe(false);

    // The spoke's us-west-2 stays throttled past the retries: a gap for that region only.
    expect(part.gaps).toEqual([
      expect.objectContaining({
        cloud: "aws",
        scope: SPOKE,
        region: "us-west-2",
        clusterId: null,
        operation: "list-load-balancers",
        source: "service-exposure",
        code: "Throttling",
      }),
    ]);
    expect(part.gaps[0]?.reason).toMatch(/^throttled past the SDK's retries/);
    expect(part.gaps[0]?.severity).toBeUndefined();
    expect(part.coverage.map((c) => `${c.scope}/${c.region}`).sort()).toEqual([
      `${HUB}/us-east-1`,
      `${HUB}/us-west-2`,
      `${SPOKE}/us-east-1`,
    ]);
    expect(part.exposures.filter((e) => e.scope === SPOKE).map((e) => e.serviceName)).toEqual(["istio-ingressgateway"]);
  });
});

describe("partial failure is data", () => {
  const failing = (region: Record<string, unknown>): EksEstateInput => ({
    accounts: [
      {
        accountId: HUB,
        accessKeyIds: [AMBIENT_KEY],
        regions: {
          "us-east-1": {
            clusters: [wireCluster("c1", HUB, "us-east-1")],
            loadBalancers: [
              {
                name: "aistio",
                securityGroups: ["sg-1"],
                tags: {
                  "kubernetes.io/cluster/c1": "owned",
                  "kubernetes.io/service-name": "istio-system/istio-ingressgateway",
                },
              },
              ...noise(5, "n"),
            ],
            securityGroups: [{ groupId: "sg-1", ingress: [{ cidrs: ["0.0.0.0/0"] }] }],
            ...region,
          },
          "us-east-2": {
            clusters: [wireCluster("c2", HUB, "us-east-2")],
            loadBalancers: [
              {
                name: "aok",
                tags: { "kubernetes.io/cluster/c2": "owned", "kubernetes.io/service-name": "default/web" },
              },
            ],
          },
        },
      },
    ],
  });

  it.each([
    [
      "a listing that fails on its third page",
      { loadBalancerListingFailsAtPage: 3 },
      "list-load-balancers",
      "Throttling",
    ],
    ["access denied on ELB", { elbDenied: true }, "list-load-balancers", "AccessDenied"],
  ])(
    "%s leaves a gap and nothing else for that region, and the sweep goes on",
    async (_label, region, operation, code) => {
      await startFake(failing(region));
      const { part } = await sweep(ambientSessions(), ["us-east-1", "us-east-2"]);
      expect(part.gaps).toEqual([
        expect.objectContaining({ scope: HUB, region: "us-east-1", operation, code, source: "service-exposure" }),
      ]);
      if (code !== "Throttling") expect(part.gaps[0]?.reason).toMatch(/^access denied/);
      // Never a half listing: no exposure and no coverage from the failed region.
      expect(part.exposures.map((e) => `${e.region}:${e.serviceName}`)).toEqual(["us-east-2:web"]);
      expect(part.coverage.map((c) => c.region)).toEqual(["us-east-2"]);
    },
  );

  it("keeps the listing when the security groups cannot be read: their load balancers count as open, and a gap says why", async () => {
    await startFake(failing({ ec2Denied: true }));
    const { part } = await sweep(ambientSessions(), ["us-east-1", "us-east-2"]);
    expect(part.gaps).toEqual([
      expect.objectContaining({
        scope: HUB,
        region: "us-east-1",
        operation: "describe-security-groups",
        code: "UnauthorizedOperation",
        source: "service-exposure",
      }),
    ]);
    expect(part.gaps[0]?.reason).toMatch(/^access denied.*treated as open$/);
    // The listing and tags were read in full, so the exposure and the region's coverage stay.
    const istio = part.exposures.find((e) => e.region === "us-east-1");
    expect(istio).toMatchObject({ serviceName: "istio-ingressgateway", sourceRestriction: "unknown" });
    expect(String(istio?.evidence.restriction)).toMatch(
      /sg-1 could not be read \(UnauthorizedOperation\); treated as open/,
    );
    expect(part.coverage.map((c) => c.region).sort()).toEqual(["us-east-1", "us-east-2"]);
  });
});

describe("throttling within the retries", () => {
  it("retries ELB Throttling and EC2 RequestLimitExceeded and completes the region", async () => {
    const fake = await startFake({
      accounts: [
        {
          accountId: HUB,
          accessKeyIds: [AMBIENT_KEY],
          regions: {
            "us-east-1": {
              clusters: [wireCluster("c1", HUB, "us-east-1")],
              loadBalancers: [
                {
                  name: "aweb",
                  securityGroups: ["sg-1"],
                  tags: { "kubernetes.io/cluster/c1": "owned", "kubernetes.io/service-name": "default/web" },
                },
              ],
              securityGroups: [{ groupId: "sg-1", ingress: [{ cidrs: ["0.0.0.0/0"] }] }],
              elbThrottle: 2,
            },
          },
        },
      ],
    });
    const { part } = await sweep(ambientSessions(), ["us-east-1"]);
    expect(part.gaps).toEqual([]);
    expect(part.exposures.map((e) => [e.serviceName, e.sourceRestriction])).toEqual([["web", "open"]]);
    expect(part.coverage).toHaveLength(1);
    const throttled = fake.requests.filter((r) => r.service !== "eks" && r.service !== "sts" && r.status !== 200);
    // Two throttled answers per service, each retried: the listings, then EC2 (HTTP 503 RequestLimitExceeded).
    expect(throttled.map((r) => `${r.service}:${r.status}`).sort()).toEqual([
      "ec2:503",
      "ec2:503",
      "elb:400",
      "elb:400",
      "elbv2:400",
      "elbv2:400",
    ]);
  });
});

describe("createLoadBalancerExposureCollector over a stub reader", () => {
  const clusters = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1"].map((region) =>
    mapEksCluster({ name: `c-${region}`, arn: `arn:aws:eks:${region}:${HUB}:cluster/c-${region}` }, [], HUB, region),
  );
  const ambient = { kind: "ambient" } as const;

  function stubReader(overrides: Partial<LoadBalancerReader> = {}): LoadBalancerReader {
    return {
      async *listLoadBalancers() {},
      describeLoadBalancerTags: async () => [],
      async *listClassicLoadBalancers() {},
      describeClassicLoadBalancerTags: async () => [],
      describeSecurityGroups: async () => [],
      ...overrides,
    };
  }

  it("bounds each service's calls by its configured concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const reader = stubReader({
      async *listLoadBalancers(_t, region): AsyncGenerator<LoadBalancer> {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        yield { LoadBalancerName: `lb-${region}`, LoadBalancerArn: `arn:${region}` };
      },
    });
    const collector = createLoadBalancerExposureCollector(reader, {
      targetFor: () => ambient,
      concurrency: { regions: 4, elbv2: 2 },
    });
    const part = allParts(
      await collector.collect({ ...collectContext(), inventory: mergeInventory([{ clusters }], new Date(0)) }),
    );
    expect(part.coverage).toHaveLength(4);
    expect(peak).toBe(2);
  });

  it("reports an account no session reaches as a gap, and never throws", async () => {
    const collector = createLoadBalancerExposureCollector(
      stubReader({
        describeLoadBalancerTags: () => {
          throw new Error("boom");
        },
        async *listLoadBalancers() {
          yield { LoadBalancerArn: "arn:x" };
        },
      }),
      { targetFor: (accountId) => (accountId === HUB ? ambient : null) },
    );
    const other = mapEksCluster({ name: "o", arn: `arn:aws:eks:us-east-1:${SPOKE}:cluster/o` }, [], SPOKE, "us-east-1");
    const part = allParts(
      await collector.collect({
        ...collectContext(),
        inventory: mergeInventory([{ clusters: [clusters[0], other].filter((c) => c !== undefined) }], new Date(0)),
      }),
    );
    expect(part.coverage).toEqual([]);
    expect(part.gaps.map((g) => [g.scope, g.operation, g.reason])).toEqual([
      [HUB, "describe-load-balancer-tags", "boom"],
      [SPOKE, "list-load-balancers", `no AWS session reaches account ${SPOKE}`],
    ]);
  });
});
