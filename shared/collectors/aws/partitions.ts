export type AwsPartition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOfRegion(region: string): AwsPartition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The partition of an ARN (`arn:PARTITION:service:...`); unknown partitions fall back to `aws`. */
export function partitionOfArn(arn: string): AwsPartition {
  const partition = arn.split(":", 2)[1];
  return partition === "aws-cn" || partition === "aws-us-gov" ? partition : "aws";
}

/** A region that is enabled in every account of the partition, for global-ish calls such as STS. */
export const ALWAYS_ENABLED_REGION: Readonly<Record<AwsPartition, string>> = {
  aws: "us-east-1",
  "aws-cn": "cn-north-1",
  "aws-us-gov": "us-gov-west-1",
};

/**
 * Commercial regions launched before 20 March 2019 are enabled by default; every later
 * one is opt-in (AWS Account Management guide, "Enable or disable Regions").
 */
const DEFAULT_ENABLED_REGIONS = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "sa-east-1",
]);

export function isOptInRegion(region: string): boolean {
  return partitionOfRegion(region) === "aws" && !DEFAULT_ENABLED_REGIONS.has(region);
}
