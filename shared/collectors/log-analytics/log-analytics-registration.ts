import { limitersFor } from "../limits.js";
import type { CollectorRegistration } from "../registry.js";
import type { ResourceGraphQuery } from "./workspaces.js";

/**
 * Days of GPU node series to read: the gpu-node-spike rule's lookback plus its warm-up (the first hours of a
 * series only serve as history), so a spike early in the lookback is judged against a full history.
 */
export function gpuLookbackDays(ruleConfigs: ReadonlyMap<string, unknown>, fallback = 14): number {
  const config = ruleConfigs.get("gpu-node-spike");
  const { lookbackDays, warmUpHours } =
    typeof config === "object" && config !== null ? (config as { lookbackDays?: unknown; warmUpHours?: unknown }) : {};
  const days =
    typeof lookbackDays === "number" && Number.isInteger(lookbackDays) && lookbackDays >= 1 ? lookbackDays : fallback;
  const warmUp = typeof warmUpHours === "number" && warmUpHours > 0 ? Math.ceil(warmUpHours / 24) : 0;
  return Math.min(90, days + warmUp);
}

/** Container Insights signals (Kubeflow, Istio gateways, miners, GPU node series) from Log Analytics. */
export const logAnalyticsRegistration: CollectorRegistration = {
  id: "log-analytics",
  cloud: "azure",
  async create(environment) {
    const { settings, azureCredential, tuning } = environment;
    if (!settings.clouds.includes("azure")) return null;
    const [{ createLogsReader }, { createLogAnalyticsCollector }, { createResourceGraphReader }] = await Promise.all([
      import("./logs-sdk.js"),
      import("./log-analytics-collector.js"),
      import("../azure/resource-graph.js"),
    ]);
    const limiters = limitersFor(environment);
    const logs = createLogsReader(azureCredential(), {
      endpoint: settings.azure.logsEndpoint,
      audience: settings.azure.logsAudience,
      ...(tuning.armRetry ? { retryOptions: tuning.armRetry } : {}),
      limiter: limiters.logAnalytics(),
    });
    // Resource Graph resolves each monitoring add-on's workspace ARM ID to the GUID the query API takes.
    const resourceGraph: ResourceGraphQuery = createResourceGraphReader(azureCredential(), {
      endpoint: settings.azure.armEndpoint,
      audience: settings.azure.armAudience,
      ...(tuning.armRetry ? { retryOptions: tuning.armRetry } : {}),
      // The same Resource Graph limiter and quota as the AKS collector's reader.
      limiters,
    });
    return createLogAnalyticsCollector({
      logs,
      resourceGraph,
      workspaces: settings.azure.workspaces,
      query: { lookbackDays: gpuLookbackDays(settings.ruleConfigs) },
    });
  },
};
