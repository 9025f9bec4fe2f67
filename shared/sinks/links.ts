/**
 * Links to a finding's resource in the cloud console. Built only from our own
 * templates and IDs that pass a strict check, never from free text: a name an
 * attacker chose cannot become a link anywhere else.
 */
import type { AzureCloudName } from "../config/azure-clouds.js";
import type { Finding } from "../model/finding.js";

const PORTALS: Readonly<Record<AzureCloudName, string>> = {
  AzurePublicCloud: "https://portal.azure.com",
  AzureChinaCloud: "https://portal.azure.cn",
  AzureUSGovernment: "https://portal.azure.us",
};

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>[/<type>/<name>]*` */
const ARM_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[\w.()-]{1,90}\/providers\/[A-Za-z]+\.[A-Za-z]+(?:\/[A-Za-z]+\/[\w.-]{1,260}){1,3}$/i;

/** `arn:<partition>:<service>:<region>:<account>:<resource>` for the resources we link to. */
const EKS_CLUSTER_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):eks:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):cluster\/([A-Za-z0-9][A-Za-z0-9_-]{0,99})$/;
const ELB_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):loadbalancer\/(?:(?:app|net)\/)?[A-Za-z0-9-]{1,32}(?:\/[0-9a-f]{16})?$/;

const CONSOLE: Readonly<Record<string, (region: string) => string>> = {
  aws: (region) => `https://${region}.console.aws.amazon.com`,
  "aws-cn": (region) => `https://${region}.console.amazonaws.cn`,
  "aws-us-gov": (region) => `https://${region}.console.amazonaws-us-gov.com`,
};

export interface ResourceLink {
  /** Our own words: "Open cluster in the Azure portal". */
  readonly label: string;
  readonly url: string;
}

export function azurePortalLink(armId: string, cloud: AzureCloudName, label: string): ResourceLink | null {
  if (!ARM_ID.test(armId)) return null;
  // The ID passed the check, so it holds only [\w.()/-]; encode each segment anyway.
  const path = armId
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  return { label, url: `${PORTALS[cloud]}/#resource${path}/overview` };
}

export function awsConsoleLink(arn: string, label: string): ResourceLink | null {
  const eks = EKS_CLUSTER_ARN.exec(arn);
  if (eks) {
    const [, partition = "aws", region = "", , name = ""] = eks;
    const base = CONSOLE[partition]?.(region);
    if (!base) return null;
    return {
      label,
      url: `${base}/eks/home?region=${encodeURIComponent(region)}#/clusters/${encodeURIComponent(name)}`,
    };
  }
  const elb = ELB_ARN.exec(arn);
  if (elb) {
    const [, partition = "aws", region = ""] = elb;
    const base = CONSOLE[partition]?.(region);
    if (!base) return null;
    return {
      label,
      url: `${base}/ec2/home?region=${encodeURIComponent(region)}#LoadBalancer:loadBalancerArn=${encodeURIComponent(arn)}`,
    };
  }
  return null;
}

/** The finding's links: its cluster, and the specific resource (a public IP, a load balancer) when there is one. */
export function findingLinks(finding: Finding, azureCloud: AzureCloudName): ResourceLink[] {
  const links: ResourceLink[] = [];
  const add = (id: string | null | undefined, what: string): void => {
    if (!id) return;
    const link =
      finding.cloud === "azure"
        ? azurePortalLink(id, azureCloud, `Open ${what} in the Azure portal`)
        : awsConsoleLink(id, `Open ${what} in the AWS console`);
    if (link && !links.some((l) => l.url === link.url)) links.push(link);
  };
  add(finding.clusterId, "cluster");
  add(finding.resourceId, "exposed resource");
  return links;
}
