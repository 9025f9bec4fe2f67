import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  paginateListClusters,
  paginateListNodegroups,
} from "@aws-sdk/client-eks";
import type { AwsSessions } from "./aws-sessions.js";
import type { EksReader } from "./eks-collector.js";

export type { AwsClientOverrides, AwsCredentials } from "./aws-sessions.js";
export { awsAccountTargets, ROLE_SESSION_NAME } from "./aws-sessions.js";

/** Adapts the real EKS client to the collector's narrow port, on the sweep's shared sessions. */
export function createAwsEksReader(sessions: AwsSessions): EksReader {
  // AWS_ENDPOINT_URL_EKS applies exactly as the SDK documents it.
  const eks = (target: Parameters<EksReader["listClusters"]>[0], region: string): EKSClient =>
    sessions.client("eks", target, region, (config) => new EKSClient(config));
  return {
    resolveAccount: (target) => sessions.resolveAccount(target),
    async *listClusters(target, region) {
      for await (const page of paginateListClusters({ client: eks(target, region) }, {})) yield* page.clusters ?? [];
    },
    async describeCluster(target, region, name) {
      const { cluster } = await eks(target, region).send(new DescribeClusterCommand({ name }));
      if (!cluster) throw new Error(`DescribeCluster returned no cluster for ${name}`);
      return cluster;
    },
    async *listNodegroups(target, region, clusterName) {
      for await (const page of paginateListNodegroups({ client: eks(target, region) }, { clusterName }))
        yield* page.nodegroups ?? [];
    },
    async describeNodegroup(target, region, clusterName, nodegroupName) {
      const { nodegroup } = await eks(target, region).send(
        new DescribeNodegroupCommand({ clusterName, nodegroupName }),
      );
      if (!nodegroup) throw new Error(`DescribeNodegroup returned no node group for ${clusterName}/${nodegroupName}`);
      return nodegroup;
    },
  };
}
