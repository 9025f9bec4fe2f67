import type { Cloud } from "./cluster.js";
import type { Evidence } from "./finding.js";

/** Who wrote the cloud resources in front of the Service; it decides how the tags read. */
export type LoadBalancerOwner =
  | "cloud-provider-azure"
  | "aws-cloud-provider"
  | "aws-load-balancer-controller"
  | "unknown";

/** What fronts the Service on the cloud side. */
export type ExposureKind = "public-ip" | "load-balancer" | "ingress";

/**
 * `open`: any internet address may connect. `restricted`: only the listed CIDRs.
 * `unknown`: the cloud side cannot tell (e.g. an NLB without security groups); rules treat it as open and say so.
 */
export type SourceRestriction = "open" | "restricted" | "unknown";

export interface ExposurePort {
  readonly protocol: string;
  readonly port: number;
}

/** A Kubernetes Service seen from the cloud side: a public IP (AKS) or a load balancer (EKS). Provider-neutral. */
export interface ServiceExposure {
  readonly cloud: Cloud;
  readonly scope: string;
  readonly region: string | null;
  readonly clusterId: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly kind: ExposureKind;
  readonly owner: LoadBalancerOwner;
  /** Reachable from the internet (public IP, `internet-facing` scheme). */
  readonly internetFacing: boolean;
  /** IP addresses or DNS names. */
  readonly addresses: readonly string[];
  readonly ports: readonly ExposurePort[];
  readonly sourceRestriction: SourceRestriction;
  /** Allowed source CIDRs when restricted; empty otherwise. */
  readonly sourceCidrs: readonly string[];
  /** The cloud resource (public IP ARM ID, load balancer ARN). */
  readonly resourceId: string;
  /** Facts behind the verdict: tags, NSG rule names, security groups. */
  readonly evidence: Evidence;
}

/** Open to the internet, or not restrictable from what the cloud shows. */
export const isOpenToInternet = (exposure: ServiceExposure): boolean =>
  exposure.internetFacing && exposure.sourceRestriction !== "restricted";
