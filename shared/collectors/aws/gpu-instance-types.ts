/**
 * EC2 GPU instance types and GPUs per instance (handbook api-facts §5.4, marked unverified).
 * The authoritative source is ec2:DescribeInstanceTypes → GpuInfo; this table avoids that call.
 * Neuron families (inf*, trn*) are accelerators but not GPUs and are deliberately absent.
 */
const GPU_COUNTS: Readonly<Record<string, number>> = {
  "p2.xlarge": 1,
  "p2.8xlarge": 8,
  "p2.16xlarge": 16,
  "p3.2xlarge": 1,
  "p3.8xlarge": 4,
  "p3.16xlarge": 8,
  "p3dn.24xlarge": 8,
  "p4d.24xlarge": 8,
  "p4de.24xlarge": 8,
  "p5.4xlarge": 1,
  "p5.48xlarge": 8,
  "p5e.48xlarge": 8,
  "p5en.48xlarge": 8,
  "g3s.xlarge": 1,
  "g3.4xlarge": 1,
  "g3.8xlarge": 2,
  "g3.16xlarge": 4,
  "g4dn.xlarge": 1,
  "g4dn.2xlarge": 1,
  "g4dn.4xlarge": 1,
  "g4dn.8xlarge": 1,
  "g4dn.16xlarge": 1,
  "g4dn.12xlarge": 4,
  "g4dn.metal": 8,
  "g4ad.xlarge": 1,
  "g4ad.2xlarge": 1,
  "g4ad.4xlarge": 1,
  "g4ad.8xlarge": 2,
  "g4ad.16xlarge": 4,
  "g5g.xlarge": 1,
  "g5g.2xlarge": 1,
  "g5g.4xlarge": 1,
  "g5g.8xlarge": 1,
  "g5g.16xlarge": 2,
  "g5g.metal": 2,
  "gr6.4xlarge": 1,
  "gr6.8xlarge": 1,
};

/** g5, g6 and g6e share one shape: 1 GPU up to 16xlarge, 4 at 12xlarge/24xlarge, 8 at 48xlarge. */
const SHARED_SHAPE_FAMILIES = new Set(["g5", "g6", "g6e"]);
const SHARED_SHAPE: Readonly<Record<string, number>> = {
  xlarge: 1,
  "2xlarge": 1,
  "4xlarge": 1,
  "8xlarge": 1,
  "16xlarge": 1,
  "12xlarge": 4,
  "24xlarge": 4,
  "48xlarge": 8,
};

const GPU_FAMILIES = new Set([
  "p2",
  "p3",
  "p3dn",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
  "g3",
  "g3s",
  "g4dn",
  "g4ad",
  "g5",
  "g5g",
  "g6",
  "g6e",
  "g6f",
  "gr6",
  "gr6f",
]);

function split(instanceType: string): { family: string; size: string } {
  const [family = "", size = ""] = instanceType.trim().toLowerCase().split(".", 2);
  return { family, size };
}

/** GPUs per instance when the table knows the size; null otherwise (including non-GPU types). */
export function awsGpusPerInstance(instanceType: string): number | null {
  const key = instanceType.trim().toLowerCase();
  const direct = GPU_COUNTS[key];
  if (direct !== undefined) return direct;
  const { family, size } = split(key);
  if (SHARED_SHAPE_FAMILIES.has(family)) return SHARED_SHAPE[size] ?? null;
  // p6 sizes (p6-b200.48xlarge, p6-b300.48xlarge) carry 8 GPUs at full size; p6e-gb200 is 4 per instance.
  if (family.startsWith("p6e-")) return size === "36xlarge" ? 4 : null;
  if (family.startsWith("p6")) return size === "48xlarge" ? 8 : null;
  return null;
}

/** Instance families with GPUs (NVIDIA, plus AMD g4ad); newer p6 variants match by prefix. */
export function isAwsGpuInstanceType(instanceType: string): boolean {
  const { family } = split(instanceType);
  return GPU_FAMILIES.has(family) || family.startsWith("p6") || awsGpusPerInstance(instanceType) !== null;
}
