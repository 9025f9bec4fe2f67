import type { SecurityGroup } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  type AwsLoadBalancer,
  claimedClusters,
  fromClassic,
  fromElbv2,
  kubernetesOwnerOf,
  mapRegionExposures,
  securityGroupsToRead,
  sourceRestrictionOf,
} from "../../shared/collectors/aws/lb-exposure-mapper.js";
import { cluster, HOSTILE_STRINGS } from "../support/helpers.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const eks = (name: string) =>
  cluster({
    cloud: "aws",
    scope: ACCOUNT,
    region: REGION,
    id: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`,
    name,
  });

const lb = (overrides: Partial<AwsLoadBalancer> = {}): AwsLoadBalancer => ({
  api: "elbv2",
  name: "a1",
  resourceId: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/net/a1/0123`,
  type: "network",
  scheme: "internet-facing",
  dnsName: "a1-0123.elb.eu-west-1.amazonaws.com",
  securityGroups: [],
  ports: [],
  tags: { "kubernetes.io/cluster/prod": "owned", "kubernetes.io/service-name": "istio-system/istio-ingressgateway" },
  ...overrides,
});

const group = (id: string, cidrs: string[], tags: Record<string, string> = {}): SecurityGroup => ({
  GroupId: id,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) }],
});

describe("load-balancer tags to Kubernetes owners", () => {
  it("reads the in-tree, legacy and LB Controller cluster tags, owned only", () => {
    expect(
      claimedClusters({
        "kubernetes.io/cluster/a": "owned",
        "kubernetes.io/cluster/b": "shared",
        KubernetesCluster: "c",
        "elbv2.k8s.aws/cluster": "a",
      }),
    ).toEqual(["a", "c"]);
  });

  it("prefers the LB Controller's stack, marks Ingress load balancers, and ignores unknown clusters", () => {
    const known = new Set(["prod"]);
    expect(kubernetesOwnerOf(lb(), known)).toEqual({
      clusters: ["prod"],
      namespace: "istio-system",
      name: "istio-ingressgateway",
      kind: "load-balancer",
      owner: "aws-cloud-provider",
    });
    expect(
      kubernetesOwnerOf(
        lb({ tags: { "elbv2.k8s.aws/cluster": "prod", "ingress.k8s.aws/stack": "shared-alb-group" } }),
        known,
      ),
    ).toMatchObject({
      namespace: "",
      name: "shared-alb-group",
      kind: "ingress",
      owner: "aws-load-balancer-controller",
    });
    expect(
      kubernetesOwnerOf(
        lb({ tags: { "kubernetes.io/cluster/other": "owned", "kubernetes.io/service-name": "a/b" } }),
        known,
      ),
    ).toBeNull();
    // A cluster tag with no Service or Ingress names nothing a rule can use.
    expect(kubernetesOwnerOf(lb({ tags: { "kubernetes.io/cluster/prod": "owned" } }), known)).toBeNull();
  });

  it("keeps hostile Service names as data", () => {
    for (const hostile of HOSTILE_STRINGS) {
      const owner = kubernetesOwnerOf(
        lb({ tags: { "kubernetes.io/cluster/prod": "owned", "kubernetes.io/service-name": `ns/${hostile}` } }),
        new Set(["prod"]),
      );
      expect(owner).toMatchObject({ namespace: "ns", name: hostile });
    }
  });
});

describe("open, restricted or unknown", () => {
  it("reads nothing for internal load balancers and says why", () => {
    const internal = sourceRestrictionOf(lb({ scheme: "internal", securityGroups: ["sg-1"] }), new Map());
    expect(internal).toMatchObject({ restriction: "unknown", cidrs: [] });
    expect(internal.reason).toMatch(/not reachable from the internet/);
    expect(securityGroupsToRead([lb({ scheme: "internal", securityGroups: ["sg-1"] })], new Set(["prod"]))).toEqual([]);
  });

  it("treats an internet-facing load balancer without security groups as unknown, with the reason", () => {
    const result = sourceRestrictionOf(lb(), new Map());
    expect(result.restriction).toBe("unknown");
    expect(result.reason).toMatch(/^no security group on the load balancer.*treated as open$/);
  });

  it("is open when any frontend rule allows 0.0.0.0/0 or ::/0, and skips the controller's backend group", () => {
    const groups = new Map([
      ["sg-fe", group("sg-fe", ["198.51.100.0/24"])],
      ["sg-be", group("sg-be", ["0.0.0.0/0"], { "elbv2.k8s.aws/resource": "backend-sg" })],
      ["sg-open", group("sg-open", ["::/0"])],
    ]);
    expect(sourceRestrictionOf(lb({ securityGroups: ["sg-fe", "sg-be"] }), groups)).toMatchObject({
      restriction: "restricted",
      cidrs: ["198.51.100.0/24"],
    });
    expect(sourceRestrictionOf(lb({ securityGroups: ["sg-fe", "sg-open"] }), groups)).toMatchObject({
      restriction: "open",
      evidence: { openRules: ["sg-open tcp/443 from ::/0"] },
    });
  });

  it("is unknown when a group was not returned, and restricted when the groups let nothing in", () => {
    const groups = new Map([["sg-closed", { GroupId: "sg-closed", IpPermissions: [] }]]);
    expect(sourceRestrictionOf(lb({ securityGroups: ["sg-closed", "sg-gone"] }), groups)).toMatchObject({
      restriction: "unknown",
      evidence: { securityGroupsMissing: ["sg-gone"] },
    });
    const closed = sourceRestrictionOf(lb({ securityGroups: ["sg-closed"] }), groups);
    expect(closed).toMatchObject({ restriction: "restricted", cidrs: [] });
    expect(closed.reason).toBe("the security groups allow no inbound traffic");
  });
});

describe("SDK shapes to load balancers", () => {
  it("flattens ELBv2 and classic descriptions, with classic listener ports and a classic ARN", () => {
    expect(
      fromElbv2(
        {
          LoadBalancerName: "a1",
          LoadBalancerArn: "arn:x",
          Type: "network",
          Scheme: "internal",
          SecurityGroups: [" sg-1 ", ""],
        },
        [{ Key: "k", Value: "v" }, { Key: "empty" }],
      ),
    ).toEqual({
      api: "elbv2",
      name: "a1",
      resourceId: "arn:x",
      type: "network",
      scheme: "internal",
      dnsName: null,
      securityGroups: ["sg-1"],
      ports: [],
      tags: { k: "v", empty: "" },
    });
    const classic = fromClassic(
      {
        LoadBalancerName: "adash",
        DNSName: "adash-1.eu-west-1.elb.amazonaws.com",
        Scheme: "internet-facing",
        ListenerDescriptions: [{ Listener: { Protocol: "https", LoadBalancerPort: 443, InstancePort: 30443 } }, {}],
      },
      undefined,
      ACCOUNT,
      "cn-north-1",
    );
    expect(classic).toMatchObject({
      resourceId: `arn:aws-cn:elasticloadbalancing:cn-north-1:${ACCOUNT}:loadbalancer/adash`,
      ports: [{ protocol: "HTTPS", port: 443 }],
      securityGroups: [],
      tags: {},
    });
  });
});

describe("mapRegionExposures", () => {
  it("emits one exposure per claimed known cluster, and Kubeflow where the tags show it", () => {
    const prod = eks("prod");
    const ml = eks("ml");
    const result = mapRegionExposures({
      accountId: ACCOUNT,
      region: REGION,
      clusters: [prod, ml],
      loadBalancers: [
        lb({
          tags: {
            "kubernetes.io/cluster/prod": "owned",
            "kubernetes.io/cluster/ml": "owned",
            "kubernetes.io/service-name": "web/front",
            team: "x",
          },
        }),
        lb({
          name: "kf",
          tags: { "elbv2.k8s.aws/cluster": "ml", "service.k8s.aws/stack": "kubeflow/centraldashboard" },
        }),
        lb({ name: "noise", tags: { team: "x" } }),
      ],
      securityGroups: [],
    });
    expect(result.matched).toBe(2);
    expect(result.exposures.map((e) => [e.clusterId, `${e.namespace}/${e.serviceName}`])).toEqual([
      [prod.id, "web/front"],
      [ml.id, "web/front"],
      [ml.id, "kubeflow/centraldashboard"],
    ]);
    // Only the Kubernetes tags go into the evidence, not every user tag.
    expect(result.exposures[0]?.evidence.kubernetesTags).toEqual({
      "kubernetes.io/cluster/prod": "owned",
      "kubernetes.io/cluster/ml": "owned",
      "kubernetes.io/service-name": "web/front",
    });
    expect(result.kubeflow).toEqual([
      {
        cloud: "aws",
        clusterId: ml.id,
        namespaces: ["kubeflow"],
        components: ["service kubeflow/centraldashboard"],
        firstSeen: null,
        lastSeen: null,
      },
    ]);
  });
});
