/**
 * Pure mappers from query rows (as the SDK returns them: datetimes as Date, dynamic columns parsed) to
 * the provider-neutral signals. Every string that came from a cluster stays data: it is copied, clipped
 * where it is an excerpt, and never interpreted.
 */
import type { ClusterRecord } from "../../model/cluster.js";
import type {
  GpuAttribution,
  GpuNodeSeries,
  KubeflowPresence,
  KubeService,
  MinerEvidence,
  MinerIndicatorKind,
  SeriesPoint,
} from "../../model/signals.js";
import { azureGpusPerNode } from "../azure/gpu-vm-sizes.js";

export type Row = Readonly<Record<string, unknown>>;

const str = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));
const orNull = (value: unknown): string | null => str(value) || null;

const timeOf = (value: unknown): number | null => {
  const t = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(t) ? null : t;
};

const iso = (value: unknown): string | null => {
  const t = timeOf(value);
  return t === null ? null : new Date(t).toISOString();
};

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(str).filter(Boolean) : []);

/** Clips attacker-controlled text for evidence: at most `max` characters, whole code points. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** The first object of a JSON-text array (Labels, PodLabel, SelectorLabels), as string pairs. */
export function labelObject(text: unknown): Record<string, string> {
  let parsed: unknown = text;
  if (typeof text === "string") {
    try {
      parsed = JSON.parse(text);
    } catch {
      return {};
    }
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (typeof first !== "object" || first === null || Array.isArray(first)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(first)) if (value !== null && value !== undefined) out[key] = str(value);
  return out;
}

export function mapKubeflow(row: Row, cluster: ClusterRecord): KubeflowPresence {
  return {
    cloud: "azure",
    clusterId: cluster.id,
    namespaces: stringList(row.Namespaces).sort(),
    components: stringList(row.Components).sort(),
    firstSeen: iso(row.FirstSeen),
    lastSeen: iso(row.LastSeen),
  };
}

export function mapGateway(row: Row, cluster: ClusterRecord): KubeService {
  return {
    cloud: "azure",
    clusterId: cluster.id,
    namespace: str(row.Namespace),
    name: str(row.ServiceName),
    serviceType: str(row.ServiceType),
    selector: labelObject(row.SelectorLabels),
  };
}

const KIND_ORDER: readonly MinerIndicatorKind[] = ["image", "command", "pool-host", "binary", "log-line", "pool-port"];
const MINER_KINDS: ReadonlySet<string> = new Set(KIND_ORDER);

/**
 * Miner evidence lines of one cluster. A weak indicator (a pool port) is evidence only on a container
 * that a strong one also marks.
 */
export function mapMinerEvidence(
  rows: readonly Row[],
  cluster: ClusterRecord,
  weak: ReadonlySet<string>,
  excerptLength: number,
): MinerEvidence[] {
  const containerOf = (row: Row) => `${str(row.Namespace)}/${str(row.Pod)}/${str(row.Container)}`;
  const isWeak = (row: Row) => weak.has(`${str(row.Kind)}|${str(row.Indicator)}`);
  const strong = new Set(rows.filter((r) => !isWeak(r)).map(containerOf));
  const lines = rows
    .filter((row) => MINER_KINDS.has(str(row.Kind)) && (!isWeak(row) || strong.has(containerOf(row))))
    .map(
      (row): MinerEvidence => ({
        cloud: "azure",
        clusterId: cluster.id,
        kind: str(row.Kind) as MinerIndicatorKind,
        indicator: str(row.Indicator),
        namespace: orNull(row.Namespace),
        pod: orNull(row.Pod),
        container: orNull(row.Container),
        image: row.Image ? clip(str(row.Image), excerptLength) : null,
        excerpt: clip(str(row.Excerpt), excerptLength),
        firstSeen: iso(row.FirstSeen),
      }),
    )
    .sort(
      (a, b) =>
        (a.firstSeen ?? "").localeCompare(b.firstSeen ?? "") ||
        `${a.namespace}/${a.pod}/${a.container}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}`) ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        a.indicator.localeCompare(b.indicator),
    );
  // The first sighting of each indicator leads, in the order of KIND_ORDER, so a finding that shows
  // only its first lines still shows every kind of evidence; repeats on other pods follow.
  const firsts = new Set<MinerEvidence>();
  const seen = new Set<string>();
  for (const line of lines) {
    const key = `${line.kind}|${line.indicator}`;
    if (!seen.has(key)) {
      seen.add(key);
      firsts.add(line);
    }
  }
  const leading = [...firsts].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  return [...leading, ...lines.filter((line) => !firsts.has(line))];
}

/** [[time, value], ...] → time (ms) → value. */
function pointMap(value: unknown): Map<number, number> {
  const map = new Map<number, number>();
  for (const pair of Array.isArray(value) ? value : []) {
    if (!Array.isArray(pair)) continue;
    const t = timeOf(pair[0]);
    const v = typeof pair[1] === "number" ? pair[1] : Number(pair[1]);
    if (t !== null && Number.isFinite(v)) map.set(t, v);
  }
  return map;
}

const reportedHours = (value: unknown): number[] =>
  [...new Set((Array.isArray(value) ? value : []).flatMap((t) => timeOf(t) ?? []))].sort((a, b) => a - b);

export interface GpuRows {
  readonly nodes: readonly Row[];
  readonly capacity: readonly Row[];
  readonly attribution: readonly Row[];
}

/** The top workloads of a pool by GPUs requested (pending pods, which have no pool yet, count for every pool). */
function attributionFor(rows: readonly Row[], pool: string, top: number): GpuAttribution[] {
  const merged = new Map<string, GpuAttribution>();
  for (const row of rows) {
    const rowPool = str(row.Pool);
    if (rowPool !== "" && rowPool !== pool) continue;
    const gpus = typeof row.Gpus === "number" ? row.Gpus : Number(row.Gpus);
    if (!Number.isFinite(gpus) || gpus <= 0) continue;
    const entry = {
      namespace: str(row.Namespace) || "(unknown)",
      controller: orNull(row.Controller),
      image: orNull(row.Image),
    };
    const key = JSON.stringify(entry);
    merged.set(key, { ...entry, gpus: (merged.get(key)?.gpus ?? 0) + gpus });
  }
  return [...merged.values()].sort((a, b) => b.gpus - a.gpus || a.namespace.localeCompare(b.namespace)).slice(0, top);
}

/**
 * GPU node series of one cluster, a point per hour the cluster reported: a pool missing in a reported
 * hour had 0 GPU nodes then, an hour the cluster did not report is a gap (no point).
 */
export function mapGpuSeries(cluster: ClusterRecord, rows: GpuRows, topAttribution = 5): GpuNodeSeries[] {
  const capacityByPool = new Map(rows.capacity.map((r) => [str(r.Pool), pointMap(r.Points)] as const));
  return rows.nodes
    .map((row): GpuNodeSeries => {
      const poolName = str(row.Pool);
      const pool = cluster.nodePools.find((p) => p.name.toLowerCase() === poolName.toLowerCase());
      const sku = pool?.machineTypes[0] ?? orNull(row.VmSize);
      const counts = pointMap(row.Points);
      const hours = reportedHours(row.ReportedHours);
      const points: SeriesPoint[] = hours.map((t) => ({ time: new Date(t), value: counts.get(t) ?? 0 }));
      const capacity = capacityByPool.get(poolName);
      const attribution = attributionFor(rows.attribution, poolName, topAttribution);
      return {
        cloud: "azure",
        scope: cluster.scope,
        clusterId: cluster.id,
        pool: poolName,
        sku,
        gpusPerNode: pool?.gpusPerNode ?? (sku ? azureGpusPerNode(sku) : null),
        source: "container-insights",
        points,
        ...(capacity ? { capacity: hours.map((t) => ({ time: new Date(t), value: capacity.get(t) ?? 0 })) } : {}),
        attribution,
      };
    })
    .sort((a, b) => a.pool.localeCompare(b.pool));
}
