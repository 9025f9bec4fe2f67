/**
 * GPUs per VM for AKS-compatible Azure GPU sizes (Compute SKUs capability "GPUs").
 * Fractional-GPU sizes report 1, as the SKU API does.
 */
const GPU_COUNTS: Readonly<Record<string, number>> = {
  nc6s_v3: 1,
  nc12s_v3: 2,
  nc24s_v3: 4,
  nc24rs_v3: 4,
  nc4as_t4_v3: 1,
  nc8as_t4_v3: 1,
  nc16as_t4_v3: 1,
  nc64as_t4_v3: 4,
  nc8ads_a10_v4: 1,
  nc16ads_a10_v4: 1,
  nc32ads_a10_v4: 2,
  nc24ads_a100_v4: 1,
  nc48ads_a100_v4: 2,
  nc96ads_a100_v4: 4,
  nc40ads_h100_v5: 1,
  nc80adis_h100_v5: 2,
  ncc40ads_h100_v5: 1,
  nd40rs_v2: 8,
  nd96asr_v4: 8,
  nd96amsr_a100_v4: 8,
  nd96isr_h100_v5: 8,
  nd96isr_h200_v5: 8,
  nd96isr_mi300x_v5: 8,
  nv12s_v3: 1,
  nv24s_v3: 2,
  nv48s_v3: 4,
  nv6ads_a10_v5: 1,
  nv12ads_a10_v5: 1,
  nv18ads_a10_v5: 1,
  nv36ads_a10_v5: 1,
  nv36adms_a10_v5: 1,
  nv72ads_a10_v5: 2,
};

const GPU_FAMILY = /^standard_n(?:c|cc|d|v|g)/i;

export function azureGpusPerNode(vmSize: string): number | null {
  const key = vmSize.toLowerCase().replace(/^standard_/, "");
  return GPU_COUNTS[key] ?? null;
}

/** N-series GPU sizes; NP (FPGA) sizes are not GPUs. */
export function isAzureGpuVmSize(vmSize: string): boolean {
  return GPU_FAMILY.test(vmSize) || azureGpusPerNode(vmSize) !== null;
}
