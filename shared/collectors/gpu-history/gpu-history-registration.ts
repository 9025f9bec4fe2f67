import { gpuSpikeConfigOf, historyHoursOf } from "../../rules/gpu-node-spike/config.js";
import type { CollectorRegistration } from "../registry.js";

/** Five weeks: the detector looks up the same hour of the week up to four weeks back. */
const MIN_RETENTION_HOURS = 35 * 24;

/** The stored history of EKS GPU node-group sizes (AUDIT_GPU_HISTORY_TABLE), read back as hourly series. */
export const gpuHistoryRegistration: CollectorRegistration = {
  id: "gpu-history",
  cloud: "aws",
  async create({ settings, tables }) {
    if (!settings.clouds.includes("aws")) return null;
    const { createGpuHistoryCollector } = await import("./gpu-history-collector.js");
    const historyHours = historyHoursOf(gpuSpikeConfigOf(settings.ruleConfigs.get("gpu-node-spike")));
    return createGpuHistoryCollector({
      table: () => tables(settings.gpuHistoryTable),
      historyHours,
      retentionHours: Math.max(MIN_RETENTION_HOURS, historyHours + 24),
    });
  },
};
