import type { CollectorRegistration } from "../registry.js";

/** EKS clusters and node groups per account and region. */
export const eksRegistration: CollectorRegistration = {
  id: "eks",
  cloud: "aws",
  async create({ settings, azureCredential, tuning }) {
    if (!settings.clouds.includes("aws")) return null;
    const [{ awsAccountTargets, createAwsEksReader }, { createEksCollector }] = await Promise.all([
      import("./aws-sdk.js"),
      import("./eks-collector.js"),
    ]);
    const { roleArns, regions, webIdentityAudience } = settings.aws;
    const reader = createAwsEksReader({
      roleArns,
      webIdentityAudience,
      ...(webIdentityAudience
        ? {
            // An Entra token from the managed identity, fetched again on every AWS credential refresh.
            getWebIdentityToken: async () => {
              const token = await azureCredential().getToken(`${webIdentityAudience}/.default`);
              if (!token) throw new Error(`no Entra token for the audience ${webIdentityAudience}`);
              return token.token;
            },
          }
        : {}),
      ...(tuning.awsClientOverrides ? { clientOverrides: tuning.awsClientOverrides } : {}),
    });
    return createEksCollector(reader, { accounts: awsAccountTargets(roleArns), regions });
  },
};
