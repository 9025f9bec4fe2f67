import { describe, expect, it } from "vitest";
import { awsConsoleLink, azurePortalLink, findingLinks } from "../../shared/sinks/links.js";
import { finding, HOSTILE_STRINGS } from "../support/helpers.js";

const AKS =
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/kubeflow-gpu-prod";

describe("console links", () => {
  it("opens an AKS cluster in the portal of its cloud", () => {
    expect(azurePortalLink(AKS, "AzurePublicCloud", "Open")?.url).toBe(
      `https://portal.azure.com/#resource${AKS}/overview`,
    );
    expect(azurePortalLink(AKS, "AzureChinaCloud", "Open")?.url.startsWith("https://portal.azure.cn/#resource/")).toBe(
      true,
    );
    expect(azurePortalLink(AKS, "AzureUSGovernment", "Open")?.url.startsWith("https://portal.azure.us/")).toBe(true);
  });

  it("opens an EKS cluster and a load balancer in the console of their partition and region", () => {
    expect(awsConsoleLink("arn:aws:eks:us-east-1:210987654321:cluster/Prod_1", "Open")?.url).toBe(
      "https://us-east-1.console.aws.amazon.com/eks/home?region=us-east-1#/clusters/Prod_1",
    );
    expect(awsConsoleLink("arn:aws-cn:eks:cn-north-1:210987654321:cluster/a", "Open")?.url).toBe(
      "https://cn-north-1.console.amazonaws.cn/eks/home?region=cn-north-1#/clusters/a",
    );
    const nlb = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/net/a1b2c3/0123456789abcdef";
    expect(awsConsoleLink(nlb, "Open")?.url).toBe(
      `https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#LoadBalancer:loadBalancerArn=${encodeURIComponent(nlb)}`,
    );
  });

  it("makes no link from anything that is not a well-formed ID, hostile text included", () => {
    for (const s of HOSTILE_STRINGS) {
      expect(azurePortalLink(s, "AzurePublicCloud", "Open")).toBeNull();
      expect(awsConsoleLink(s, "Open")).toBeNull();
      expect(azurePortalLink(`${AKS}/../../evil`, "AzurePublicCloud", "Open")).toBeNull();
      expect(awsConsoleLink(`arn:aws:eks:us-east-1:210987654321:cluster/${s}`, "Open")).toBeNull();
    }
    expect(azurePortalLink(`${AKS}?x=https://evil.example`, "AzurePublicCloud", "Open")).toBeNull();
    expect(awsConsoleLink("arn:aws:eks:us-east-1:210987654321:cluster/a#https://evil", "Open")).toBeNull();
  });

  it("links a finding to its cluster and to the exposed resource, once each", () => {
    const links = findingLinks(
      finding({
        clusterId: AKS,
        resourceId:
          "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/MC_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1",
      }),
      "AzurePublicCloud",
    );
    expect(links.map((l) => l.label)).toEqual([
      "Open cluster in the Azure portal",
      "Open exposed resource in the Azure portal",
    ]);
  });
});
