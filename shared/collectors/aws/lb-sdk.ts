import type { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeTagsCommand as DescribeClassicTagsCommand,
  ElasticLoadBalancingClient,
  paginateDescribeLoadBalancers as paginateClassicLoadBalancers,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { AwsAccountTarget, AwsSessions } from "./aws-sessions.js";
import type { LoadBalancerReader } from "./lb-exposure-collector.js";

/** The most DescribeLoadBalancers returns per page, in both APIs: the fewest Marker pages. */
const LOAD_BALANCER_PAGE_SIZE = 400;

/**
 * Adapts the real ELBv2, classic ELB and EC2 clients to the collector's narrow port, on the
 * sweep's shared sessions. AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2,
 * AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING and AWS_ENDPOINT_URL_EC2 apply as the SDK documents them.
 */
export function createAwsLoadBalancerReader(sessions: AwsSessions): LoadBalancerReader {
  const elbv2 = (target: AwsAccountTarget, region: string) =>
    sessions.client("elbv2", target, region, (config) => new ElasticLoadBalancingV2Client(config));
  const elb = (target: AwsAccountTarget, region: string) =>
    sessions.client("elb", target, region, (config) => new ElasticLoadBalancingClient(config));
  // The EC2 client is the largest AWS SDK package by far (about 60 MB resident once loaded): it loads on the
  // first security group to read, which many sweeps never have (no internet-facing cluster load balancer).
  // Named here, as types only: the operation it calls stays visible to the least-privilege test.
  let ec2Sdk:
    | Promise<{ EC2Client: typeof EC2Client; DescribeSecurityGroupsCommand: typeof DescribeSecurityGroupsCommand }>
    | undefined;
  const loadEc2 = () => {
    ec2Sdk ??= import("@aws-sdk/client-ec2");
    return ec2Sdk;
  };
  return {
    async *listLoadBalancers(target, region) {
      // The ELBv2 paginator has no page-size key: PageSize goes in the input (test-recipes §3).
      for await (const page of paginateDescribeLoadBalancers(
        { client: elbv2(target, region) },
        { PageSize: LOAD_BALANCER_PAGE_SIZE },
      ))
        yield* page.LoadBalancers ?? [];
    },
    async describeLoadBalancerTags(target, region, arns) {
      const { TagDescriptions } = await elbv2(target, region).send(
        new DescribeTagsCommand({ ResourceArns: [...arns] }),
      );
      return TagDescriptions ?? [];
    },
    async *listClassicLoadBalancers(target, region) {
      for await (const page of paginateClassicLoadBalancers(
        { client: elb(target, region) },
        { PageSize: LOAD_BALANCER_PAGE_SIZE },
      ))
        yield* page.LoadBalancerDescriptions ?? [];
    },
    async describeClassicLoadBalancerTags(target, region, names) {
      const { TagDescriptions } = await elb(target, region).send(
        new DescribeClassicTagsCommand({ LoadBalancerNames: [...names] }),
      );
      return TagDescriptions ?? [];
    },
    async describeSecurityGroups(target, region, groupIds) {
      // With GroupIds, EC2 returns every named group in one answer (MaxResults is not allowed with them).
      const { EC2Client, DescribeSecurityGroupsCommand } = await loadEc2();
      const client = sessions.client("ec2", target, region, (config) => new EC2Client(config));
      const { SecurityGroups } = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [...groupIds] }));
      return SecurityGroups ?? [];
    },
  };
}
