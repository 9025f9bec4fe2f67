import type { CollectorRegistration } from "../registry.js";

/** AKS clusters per subscription, through ARM. */
export const aksRegistration: CollectorRegistration = {
  id: "aks",
  cloud: "azure",
  async create({ settings, azureCredential, tuning }) {
    if (!settings.clouds.includes("azure")) return null;
    const [{ createArmAksReader }, { createAksCollector }] = await Promise.all([
      import("./arm-sdk.js"),
      import("./aks-collector.js"),
    ]);
    const reader = createArmAksReader(azureCredential(), {
      endpoint: settings.azure.armEndpoint,
      audience: settings.azure.armAudience,
      ...(tuning.armRetry ? { retryOptions: tuning.armRetry } : {}),
    });
    return createAksCollector(reader, { subscriptions: settings.azure.subscriptions });
  },
};
