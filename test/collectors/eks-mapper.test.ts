import type { Cluster, Nodegroup } from "@aws-sdk/client-eks";
import { describe, expect, it } from "vitest";
import { mapEksCluster } from "../../shared/collectors/aws/eks-mapper.js";
import { awsGpusPerInstance, isAwsGpuInstanceType } from "../../shared/collectors/aws/gpu-instance-types.js";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

const cluster = (overrides: Partial<Cluster> = {}): Cluster => ({
  name: "prod",
  arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod`,
  version: "1.31",
  status: "ACTIVE",
  endpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
  createdAt: new Date("2026-01-01T00:00:00Z"),
  resourcesVpcConfig: {
    endpointPublicAccess: true,
    endpointPrivateAccess: false,
    publicAccessCidrs: ["0.0.0.0/0"],
  },
  tags: { team: "ml" },
  ...overrides,
});

const nodegroup = (overrides: Partial<Nodegroup> = {}): Nodegroup => ({
  nodegroupName: "general",
  clusterName: "prod",
  capacityType: "ON_DEMAND",
  scalingConfig: { minSize: 1, maxSize: 5, desiredSize: 3 },
  instanceTypes: ["m6i.large"],
  amiType: "AL2023_x86_64_STANDARD",
  labels: { role: "general" },
  ...overrides,
});

describe("mapEksCluster", () => {
  it("maps a public cluster open to 0.0.0.0/0", () => {
    const record = mapEksCluster(cluster(), [nodegroup()], ACCOUNT, REGION);
    expect(record).toEqual({
      cloud: "aws",
      scope: ACCOUNT,
      region: REGION,
      id: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod`,
      name: "prod",
      kubernetesVersion: "1.31",
      powerState: "ACTIVE",
      apiServer: {
        publicEndpoint: true,
        allowedSourceCidrs: ["0.0.0.0/0"],
        privateCluster: false,
        fqdn: "0123456789abcdef0123456789abcdef.gr7.eu-west-1.eks.amazonaws.com",
      },
      nodePools: [
        {
          name: "general",
          nodeCount: 3,
          minCount: 1,
          maxCount: 5,
          machineTypes: ["m6i.large"],
          gpu: false,
          gpusPerNode: null,
          publicNodeIps: false,
          remoteAccess: { enabled: false, openToWorld: false, sources: [] },
          spot: false,
          labels: { role: "general" },
        },
      ],
      addons: [],
      rbacEnabled: true,
      localAccountsEnabled: null,
      logAnalyticsWorkspaceId: null,
      tags: { team: "ml" },
    });
  });

  it("keeps restricted CIDRs as the allow list", () => {
    const record = mapEksCluster(
      cluster({
        resourcesVpcConfig: {
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ["203.0.113.0/24", " 198.51.100.7/32 "],
        },
      }),
      [],
      ACCOUNT,
      REGION,
    );
    expect(record.apiServer).toMatchObject({
      publicEndpoint: true,
      privateCluster: false,
      allowedSourceCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
    });
  });

  it("treats a public endpoint without a CIDR list as unrestricted", () => {
    for (const publicAccessCidrs of [undefined, []]) {
      const record = mapEksCluster(
        cluster({ resourcesVpcConfig: { endpointPublicAccess: true, publicAccessCidrs } }),
        [],
        ACCOUNT,
        REGION,
      );
      expect(record.apiServer.allowedSourceCidrs).toBeNull();
      expect(record.apiServer.publicEndpoint).toBe(true);
    }
  });

  it("maps a private-only endpoint", () => {
    const record = mapEksCluster(
      cluster({
        resourcesVpcConfig: {
          endpointPublicAccess: false,
          endpointPrivateAccess: true,
          publicAccessCidrs: ["0.0.0.0/0"],
        },
      }),
      [],
      ACCOUNT,
      REGION,
    );
    expect(record.apiServer.publicEndpoint).toBe(false);
    expect(record.apiServer.privateCluster).toBe(true);
  });

  it("flags GPU node groups by NVIDIA/GPU AMI type", () => {
    for (const amiType of ["AL2_x86_64_GPU", "AL2023_x86_64_NVIDIA", "BOTTLEROCKET_ARM_64_NVIDIA"] as const) {
      const [pool] = mapEksCluster(
        cluster(),
        [nodegroup({ amiType, instanceTypes: ["m6i.large"] })],
        ACCOUNT,
        REGION,
      ).nodePools;
      expect(pool?.gpu, amiType).toBe(true);
      // The AMI says GPU but m6i has none on record, so the count stays unknown.
      expect(pool?.gpusPerNode, amiType).toBeNull();
    }
    const [neuron] = mapEksCluster(
      cluster(),
      [nodegroup({ amiType: "AL2023_x86_64_NEURON", instanceTypes: ["inf2.xlarge"] })],
      ACCOUNT,
      REGION,
    ).nodePools;
    expect(neuron?.gpu).toBe(false);
  });

  it("flags GPU node groups by instance type, with GPUs per node and spot capacity", () => {
    const pools = mapEksCluster(
      cluster(),
      [
        nodegroup({
          nodegroupName: "gpu",
          amiType: "CUSTOM",
          instanceTypes: ["g5.12xlarge", "g6.12xlarge"],
          capacityType: "SPOT",
          scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 2 },
        }),
        nodegroup({ nodegroupName: "mixed", amiType: "CUSTOM", instanceTypes: ["g5.xlarge", "g5.48xlarge"] }),
        nodegroup({ nodegroupName: "blackwell", amiType: "CUSTOM", instanceTypes: ["p6-b200.48xlarge"] }),
      ],
      ACCOUNT,
      REGION,
    ).nodePools;
    expect(pools[0]).toMatchObject({ name: "gpu", gpu: true, gpusPerNode: 4, spot: true, nodeCount: 2, minCount: 0 });
    expect(pools[1]).toMatchObject({ name: "mixed", gpu: true, gpusPerNode: null });
    expect(pools[2]).toMatchObject({ name: "blackwell", gpu: true, gpusPerNode: 8 });
  });

  it("flags GPU node groups by the NVIDIA taint when the instance type lives in a launch template", () => {
    const [pool] = mapEksCluster(
      cluster(),
      [nodegroup({ instanceTypes: [], amiType: "CUSTOM", taints: [{ key: "nvidia.com/gpu", effect: "NO_SCHEDULE" }] })],
      ACCOUNT,
      REGION,
    ).nodePools;
    expect(pool).toMatchObject({ gpu: true, gpusPerNode: null, machineTypes: [] });
  });

  it("maps SSH remote access: open to the world without source security groups, limited with them", () => {
    const record = mapEksCluster(
      cluster(),
      [
        nodegroup({ nodegroupName: "open", remoteAccess: { ec2SshKey: "ops-key" } }),
        nodegroup({
          nodegroupName: "limited",
          remoteAccess: { ec2SshKey: "ops-key", sourceSecurityGroups: ["sg-0bastion", " "] },
        }),
        nodegroup({ nodegroupName: "none" }),
        // remoteAccess without a key lets nobody in.
        nodegroup({ nodegroupName: "keyless", remoteAccess: { sourceSecurityGroups: ["sg-1"] } }),
      ],
      ACCOUNT,
      REGION,
    );
    expect(record.nodePools.map((p) => [p.name, p.remoteAccess])).toEqual([
      ["open", { enabled: true, openToWorld: true, sources: [] }],
      ["limited", { enabled: true, openToWorld: false, sources: ["sg-0bastion"] }],
      ["none", { enabled: false, openToWorld: false, sources: [] }],
      ["keyless", { enabled: false, openToWorld: false, sources: [] }],
    ]);
    // Public node IPs live in the subnets, which the audit does not read.
    expect(record.nodePools.every((p) => p.publicNodeIps === false)).toBe(true);
  });

  it("survives missing fields with explicit defaults", () => {
    const record = mapEksCluster({ name: "bare" }, [{}], ACCOUNT, "cn-north-1");
    expect(record).toMatchObject({
      id: `arn:aws-cn:eks:cn-north-1:${ACCOUNT}:cluster/bare`,
      name: "bare",
      kubernetesVersion: null,
      powerState: null,
      apiServer: { publicEndpoint: false, allowedSourceCidrs: null, privateCluster: false, fqdn: null },
      tags: {},
    });
    expect(record.nodePools).toEqual([
      {
        name: "",
        nodeCount: 0,
        minCount: null,
        maxCount: null,
        machineTypes: [],
        gpu: false,
        gpusPerNode: null,
        publicNodeIps: false,
        remoteAccess: { enabled: false, openToWorld: false, sources: [] },
        spot: false,
        labels: {},
      },
    ]);
  });

  it("does not share label or tag objects with the SDK result", () => {
    const labels = { a: "1" };
    const tags = { t: "1" };
    const record = mapEksCluster(cluster({ tags }), [nodegroup({ labels })], ACCOUNT, REGION);
    labels.a = "changed";
    tags.t = "changed";
    expect(record.nodePools[0]?.labels).toEqual({ a: "1" });
    expect(record.tags).toEqual({ t: "1" });
  });
});

describe("AWS GPU instance types", () => {
  it.each([
    ["p3.2xlarge", 1],
    ["p3.16xlarge", 8],
    ["p3dn.24xlarge", 8],
    ["p4d.24xlarge", 8],
    ["p5.48xlarge", 8],
    ["p5.4xlarge", 1],
    ["p5en.48xlarge", 8],
    ["g4dn.xlarge", 1],
    ["g4dn.12xlarge", 4],
    ["g4dn.metal", 8],
    ["g5.24xlarge", 4],
    ["g5.48xlarge", 8],
    ["g6e.xlarge", 1],
    ["G6.12XLARGE", 4],
    ["g5g.16xlarge", 2],
    ["gr6.8xlarge", 1],
    ["p6-b200.48xlarge", 8],
  ])("%s has %i GPU(s)", (type, count) => {
    expect(awsGpusPerInstance(type)).toBe(count);
    expect(isAwsGpuInstanceType(type)).toBe(true);
  });

  it.each(["m6i.large", "c7g.xlarge", "inf2.xlarge", "trn1.32xlarge", "", "g"])("%s is not a GPU type", (type) => {
    expect(isAwsGpuInstanceType(type)).toBe(false);
    expect(awsGpusPerInstance(type)).toBeNull();
  });

  it("knows GPU families whose size it has no count for", () => {
    expect(isAwsGpuInstanceType("g6f.large")).toBe(true);
    expect(awsGpusPerInstance("g6f.large")).toBeNull();
    expect(isAwsGpuInstanceType("g5.99xlarge")).toBe(true);
    expect(awsGpusPerInstance("g5.99xlarge")).toBeNull();
  });
});
