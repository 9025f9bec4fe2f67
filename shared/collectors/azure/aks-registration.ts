import { limitersFor } from "../limits.js";
import type { CollectorRegistration } from "../registry.js";

/** AKS clusters and their Service exposure, through Resource Graph, with ARM checks and re-reads. */
export const aksRegistration: CollectorRegistration = {
  id: "aks",
  cloud: "azure",
  async create(environment) {
    const { settings, azureCredential, tuning } = environment;
    if (!settings.clouds.includes("azure")) return null;
    const [{ createArmAksReader }, { createResourceGraphReader }, { createAksCollector }] = await Promise.all([
      import("./arm-sdk.js"),
      import("./resource-graph.js"),
      import("./aks-collector.js"),
    ]);
    // One credential (the run's token cache) behind every Azure client: ARM and Resource Graph share an audience.
    const credential = azureCredential();
    const limiters = limitersFor(environment);
    const clientOptions = {
      endpoint: settings.azure.armEndpoint,
      audience: settings.azure.armAudience,
      ...(tuning.armRetry ? { retryOptions: tuning.armRetry } : {}),
      limiters,
    };
    return createAksCollector(
      {
        arm: createArmAksReader(credential, clientOptions),
        resourceGraph: createResourceGraphReader(credential, clientOptions),
      },
      {
        subscriptions: settings.azure.subscriptions,
        discovered: settings.azure.subscriptionsDiscovered === true,
        // Task slots as wide as the ARM limit: the transport's limiters do the bounding.
        concurrency: limiters.limits.arm,
      },
    );
  },
};
