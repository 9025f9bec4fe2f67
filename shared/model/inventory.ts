/**
 * The provider-neutral inventory. Collectors fill it; rules read only this.
 * It is split by concern (cluster, exposure, signals, coverage); every part is a
 * list, so parts from any number of collectors merge generically.
 */
import type { ClusterRecord } from "./cluster.js";
import type { CollectionGap, CoverageEntry } from "./coverage.js";
import type { ServiceExposure } from "./exposure.js";
import type { GpuNodeSeries, KubeflowPresence, KubeService, MinerEvidence } from "./signals.js";

export * from "./cluster.js";
export type { CollectionGap, CoverageEntry, DataSource } from "./coverage.js";
export type { ServiceExposure } from "./exposure.js";
export type { GpuNodeSeries, KubeflowPresence, KubeService, MinerEvidence } from "./signals.js";

export interface InventoryParts {
  readonly clusters: readonly ClusterRecord[];
  readonly exposures: readonly ServiceExposure[];
  readonly services: readonly KubeService[];
  readonly kubeflow: readonly KubeflowPresence[];
  readonly minerEvidence: readonly MinerEvidence[];
  readonly gpuSeries: readonly GpuNodeSeries[];
  readonly coverage: readonly CoverageEntry[];
  readonly gaps: readonly CollectionGap[];
}

/** What one collector returns: any subset of the parts. */
export type InventoryPart = Partial<InventoryParts>;

export interface Inventory extends InventoryParts {
  readonly collectedAt: Date;
}

const PART_KEYS = [
  "clusters",
  "exposures",
  "services",
  "kubeflow",
  "minerEvidence",
  "gpuSeries",
  "coverage",
  "gaps",
] as const satisfies readonly (keyof InventoryParts)[];

export const emptyInventoryPart = (): InventoryParts => ({
  clusters: [],
  exposures: [],
  services: [],
  kubeflow: [],
  minerEvidence: [],
  gpuSeries: [],
  coverage: [],
  gaps: [],
});

/** Concatenates every part; a part a collector did not return counts as empty. */
export function mergeInventory(parts: readonly InventoryPart[], collectedAt: Date): Inventory {
  const merged: Record<keyof InventoryParts, unknown[]> = {
    clusters: [],
    exposures: [],
    services: [],
    kubeflow: [],
    minerEvidence: [],
    gpuSeries: [],
    coverage: [],
    gaps: [],
  };
  for (const part of parts) for (const key of PART_KEYS) merged[key].push(...(part[key] ?? []));
  return { ...(merged as unknown as InventoryParts), collectedAt };
}
