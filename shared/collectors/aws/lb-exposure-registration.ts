import { limitersFor } from "../limits.js";
import type { CollectorRegistration } from "../registry.js";

/** Service exposure on EKS from ELBv2 and classic load balancers, their tags and security groups. */
export const eksLoadBalancerRegistration: CollectorRegistration = {
  id: "eks-load-balancers",
  cloud: "aws",
  async create(environment) {
    if (!environment.settings.clouds.includes("aws")) return null;
    const [{ awsSessionsFor }, { createAwsLoadBalancerReader }, { createLoadBalancerExposureCollector }] =
      await Promise.all([import("./aws-run-sessions.js"), import("./lb-sdk.js"), import("./lb-exposure-collector.js")]);
    // The same sessions as the EKS collector: no second credential resolution per account.
    const sessions = awsSessionsFor(environment);
    const { limits } = limitersFor(environment);
    return createLoadBalancerExposureCollector(createAwsLoadBalancerReader(sessions), {
      targetFor: (accountId) => sessions.targetFor(accountId),
      concurrency: { elbv2: limits.elb, elb: limits.elb, ec2: limits.ec2 },
    });
  },
};
