import type { CollectorRegistration } from "../registry.js";
import type { ResourceGraphQuery } from "./workspaces.js";

/** The lookback of the GPU node series: `lookbackDays` of the gpu-node-spike rule's config when it has one. */
export function gpuLookbackDays(ruleConfigs: ReadonlyMap<string, unknown>, fallback = 14): number {
  const config = ruleConfigs.get("gpu-node-spike");
  const days =
    typeof config === "object" && config !== null ? (config as { lookbackDays?: unknown }).lookbackDays : undefined;
  return typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 90 ? days : fallback;
}

/** Container Insights signals (Kubeflow, Istio gateways, miners, GPU node series) from Log Analytics. */
export const logAnalyticsRegistration: CollectorRegistration = {
  id: "log-analytics",
  cloud: "azure",
  async create({ settings, azureCredential, tuning }) {
    if (!settings.clouds.includes("azure")) return null;
    const [{ createLogsReader }, { createLogAnalyticsCollector }] = await Promise.all([
      import("./logs-sdk.js"),
      import("./log-analytics-collector.js"),
    ]);
    const logs = createLogsReader(azureCredential(), {
      endpoint: settings.azure.logsEndpoint,
      audience: settings.azure.logsAudience,
      ...(tuning.armRetry ? { retryOptions: tuning.armRetry } : {}),
    });
    // SEAM, wired at merge: the Resource Graph reader (built on another branch), adapted to
    // ResourceGraphQuery, resolves each monitoring add-on's workspace ARM ID to its GUID. Until then
    // only AUDIT_LOG_ANALYTICS_WORKSPACES can be queried, and a cluster without it gets a gap naming the
    // missing resolution (NoResourceGraph).
    const resourceGraph: ResourceGraphQuery | null = null;
    return createLogAnalyticsCollector({
      logs,
      resourceGraph,
      workspaces: settings.azure.workspaces,
      query: { lookbackDays: gpuLookbackDays(settings.ruleConfigs) },
    });
  },
};
