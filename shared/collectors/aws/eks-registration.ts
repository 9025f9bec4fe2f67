import { limitersFor } from "../limits.js";
import type { CollectorRegistration } from "../registry.js";

/** EKS clusters and node groups per account and region. */
export const eksRegistration: CollectorRegistration = {
  id: "eks",
  cloud: "aws",
  async create(environment) {
    if (!environment.settings.clouds.includes("aws")) return null;
    const [{ awsSessionsFor }, { createAwsEksReader }, { createEksCollector }] = await Promise.all([
      import("./aws-run-sessions.js"),
      import("./aws-sdk.js"),
      import("./eks-collector.js"),
    ]);
    const sessions = awsSessionsFor(environment);
    return createEksCollector(createAwsEksReader(sessions), {
      accounts: sessions.targets,
      regions: environment.settings.aws.regions,
      // As wide as the EKS limit: the transport's limiters bound the calls per API and account-region.
      concurrency: limitersFor(environment).limits.eks,
    });
  },
};
