import { describe, expect, it } from "vitest";
import { eksRegistration } from "../../shared/collectors/aws/eks-registration.js";
import { eksLoadBalancerRegistration } from "../../shared/collectors/aws/lb-exposure-registration.js";
import { loadSettings } from "../../shared/config/settings.js";
import { composeAudit } from "../../shared/engine/compose.js";
import { runAudit } from "../../shared/engine/run-audit.js";
import type { EksEstateInput } from "../../shared/fakes/eks-fake.js";
import type { Finding } from "../../shared/model/finding.js";
import { createMemoryTable } from "../../shared/store/memory-table.js";
import { fastRetry, useAwsFake, wireCluster } from "../support/aws-fake.js";

const ACCOUNT = "555555555555";
const AMBIENT_KEY = "AKIAFAKEAMBIENT00003";
const startFake = useAwsFake(AMBIENT_KEY);

/** A Kubeflow cluster open to the world with GPU nodes, and its private twin, as EKS and ELB describe them. */
function estate(): EksEstateInput {
  const gpu = {
    nodegroupName: "gpu-a10g",
    scalingConfig: { minSize: 0, maxSize: 8, desiredSize: 4 },
    instanceTypes: ["g5.12xlarge"],
    amiType: "AL2023_x86_64_NVIDIA",
  };
  return {
    accounts: [
      {
        accountId: ACCOUNT,
        accessKeyIds: [AMBIENT_KEY],
        regions: {
          "us-east-1": {
            clusters: [
              {
                ...wireCluster("kubeflow-gpu", ACCOUNT, "us-east-1"),
                nodegroups: [
                  { ...gpu },
                  { nodegroupName: "ops", scalingConfig: { desiredSize: 1 }, remoteAccess: { ec2SshKey: "ops-key" } },
                ],
              },
              {
                ...wireCluster("kubeflow-twin", ACCOUNT, "us-east-1", {
                  resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
                }),
                nodegroups: [
                  {
                    nodegroupName: "ops",
                    scalingConfig: { desiredSize: 1 },
                    remoteAccess: { ec2SshKey: "ops-key", sourceSecurityGroups: ["sg-bastion"] },
                  },
                ],
              },
            ],
            loadBalancers: [
              {
                name: "a0istio",
                type: "network",
                tags: {
                  "kubernetes.io/cluster/kubeflow-gpu": "owned",
                  "kubernetes.io/service-name": "istio-system/istio-ingressgateway",
                },
              },
              {
                name: "k8s-istiosys-ingress",
                type: "application",
                securityGroups: ["sg-alb"],
                tags: {
                  "elbv2.k8s.aws/cluster": "kubeflow-gpu",
                  "ingress.k8s.aws/stack": "istio-system/istio-ingress",
                  "ingress.k8s.aws/resource": "LoadBalancer",
                },
              },
              {
                name: "k8s-istiosys-twin",
                scheme: "internal",
                securityGroups: ["sg-twin"],
                tags: {
                  "elbv2.k8s.aws/cluster": "kubeflow-twin",
                  "service.k8s.aws/stack": "istio-system/istio-ingressgateway",
                  "service.k8s.aws/resource": "LoadBalancer",
                },
              },
            ],
            classicLoadBalancers: [
              {
                name: "adashboard",
                securityGroups: ["sg-dashboard"],
                listeners: [{ protocol: "TCP", port: 443 }],
                tags: {
                  "kubernetes.io/cluster/kubeflow-gpu": "owned",
                  "kubernetes.io/service-name": "kubernetes-dashboard/kubernetes-dashboard",
                },
              },
            ],
            securityGroups: [
              { groupId: "sg-alb", ingress: [{ fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"] }] },
              { groupId: "sg-dashboard", ingress: [{ fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"] }] },
            ],
          },
        },
      },
    ],
  };
}

async function audit(): Promise<Finding[]> {
  const settings = loadSettings({
    AUDIT_CLOUDS: "aws",
    AUDIT_AWS_REGIONS: "us-east-1",
    AUDIT_TABLE_CONNECTION_STRING: "UseDevelopmentStorage=true",
  });
  const composed = await composeAudit(settings, {
    collectors: [eksRegistration, eksLoadBalancerRegistration],
    tables: (name) => createMemoryTable(name),
    awsClientOverrides: fastRetry(),
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  const report = await runAudit(composed, { trigger: "test", notify: false });
  return [...report.findings];
}

const on = (findings: Finding[], ruleId: string, cluster: string) =>
  findings.filter((f) => f.ruleId === ruleId && f.clusterName === cluster);

describe("the provider-neutral rules on EKS, through the real pipeline", () => {
  it("flags the open GPU cluster on every rule of the attack path and stays silent on its private twin", async () => {
    const fake = await startFake(estate());
    const findings = await audit();

    // GPU node pools raise every exposure one level, as on AKS.
    expect(on(findings, "api-server-public", "kubeflow-gpu")).toEqual([
      expect.objectContaining({
        status: "fail",
        severity: "critical",
        cloud: "aws",
        scope: ACCOUNT,
        region: "us-east-1",
      }),
    ]);
    const istio = on(findings, "istio-ingress-public", "kubeflow-gpu");
    expect(istio.map((f) => [f.status, f.severity, f.evidence.service])).toEqual([
      ["fail", "critical", "istio-system/istio-ingress"],
      ["fail", "critical", "istio-system/istio-ingressgateway"],
    ]);
    const nlb = istio.find((f) => f.evidence.service === "istio-system/istio-ingressgateway");
    expect(nlb?.detail).toMatch(
      /reachable from any internet address at a0istio-[0-9a-f]+\.elb\.us-east-1\.amazonaws\.com/,
    );
    expect(nlb?.detail).toContain("has no security group");
    expect(nlb?.evidence).toMatchObject({ sourceRestriction: "unknown", loadBalancerOwner: ["aws-cloud-provider"] });
    expect(nlb?.resourceId).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:555555555555:loadbalancer\/net\/a0istio\//,
    );

    expect(on(findings, "k8s-dashboard-exposed", "kubeflow-gpu")).toEqual([
      expect.objectContaining({
        status: "fail",
        severity: "critical",
        resourceId: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/adashboard`,
      }),
    ]);
    const nodes = on(findings, "node-public-ip", "kubeflow-gpu");
    expect(nodes).toEqual([expect.objectContaining({ status: "fail", severity: "high" })]);
    expect(nodes[0]?.detail).toContain("allows SSH from any address to ops");
    expect(nodes[0]?.evidence).toMatchObject({ poolsWithOpenRemoteAccess: ["ops"], gpuPools: ["gpu-a10g"] });

    // The Kubeflow on AWS ALB ingress says Kubeflow runs there: the campaign's entry point, on EKS.
    const kubeflow = on(findings, "kubeflow-dashboard-exposed", "kubeflow-gpu");
    expect(kubeflow).toEqual([expect.objectContaining({ status: "fail", severity: "critical" })]);
    expect(kubeflow[0]?.evidence.kubeflowComponents).toEqual([
      "Kubeflow on AWS ALB ingress istio-system/istio-ingress",
    ]);

    // The twin: private endpoint, internal gateway, SSH only from a bastion group. Silence.
    const twin = findings.filter((f) => f.clusterName === "kubeflow-twin");
    expect(
      twin
        .filter((f) => f.ruleId !== "gpu-node-spike")
        .map((f) => `${f.ruleId}:${f.status}`)
        .sort(),
    ).toEqual([
      "api-server-public:pass",
      "istio-ingress-public:pass",
      "k8s-dashboard-exposed:pass",
      "kubeflow-dashboard-exposed:pass",
      "node-public-ip:pass",
      "rbac-disabled:pass",
    ]);
    // The GPU rule passes here, or is unknown only while stored history warms up: informational, never an alert.
    for (const f of on(findings, "gpu-node-spike", "kubeflow-twin"))
      expect(f.status === "pass" || (f.status === "unknown" && f.severity === "info")).toBe(true);
    expect(on(findings, "istio-ingress-public", "kubeflow-twin")[0]?.detail).toMatch(/is internal\.$/);
    expect(findings.filter((f) => f.ruleId === "audit-blind-spot")).toEqual([]);

    // One credential resolution for the account, shared by the EKS and load-balancer collectors.
    expect(fake.requests.filter((r) => r.service === "sts").map((r) => r.action)).toEqual(["GetCallerIdentity"]);
  });
});
