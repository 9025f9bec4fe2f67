/**
 * Container Insights telemetry of the simulated estate: the schema of shared/estate/demo-telemetry.json,
 * and a deterministic generator that turns it into rows of the real tables (KubeNodeInventory,
 * KubePodInventory, KubeServices, ContainerInventory, ContainerLogV2, InsightsMetrics), per workspace,
 * relative to a `now` it is given.
 *
 * Shapes follow the agent (microsoft/Docker-Provider): Labels, PodLabel and SelectorLabels are JSON text
 * of an array holding one object; ContainerName is podUid/containerName; ContainerInventory splits the
 * image into Repository (before the first "/"), Image and ImageTag, and its Command is Go's %v of the
 * command array; ClusterId is the cluster's ARM ID as ARM spells it while _ResourceId is lower case;
 * ContainerInventory and ContainerLogV2 have no cluster column. Inventory rows come twice an hour (the
 * agent writes every minute: a bin must count distinct nodes, not rows).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { containerInsightsSchema } from "./kql/schema.js";
import type { KqlTableData } from "./kql/types.js";

const nodeCounts = z.object({
  /** Nodes the pool has outside the surge and the daily peak. */
  base: z.number().int().min(0),
  /** The pool grows to `to` nodes for the last `lastHours` hours (a miner's scale-up). */
  surge: z.object({ to: z.number().int().min(0), lastHours: z.number().int().min(1) }).optional(),
  /** Every day the pool grows to `to` nodes for `hours` hours; today's run started `startedHoursAgo` ago. */
  daily: z
    .object({
      to: z.number().int().min(0),
      startedHoursAgo: z.number().int().min(0).max(23),
      hours: z.number().int().min(1).max(23),
    })
    .optional(),
});

const pool = z.object({
  name: z.string(),
  vmSize: z.string(),
  mode: z.enum(["System", "User"]),
  accelerator: z.string().optional(),
  gpusPerNode: z.number().int().min(0).default(0),
  nodes: nodeCounts,
});

const container = z.object({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).default([]),
  /** nvidia.com/gpu requested by the container. */
  gpus: z.number().int().min(0).default(0),
  /** Lines the container prints, in turn, three times an hour. */
  logs: z.array(z.string()).default([]),
});

const workload = z.object({
  namespace: z.string(),
  name: z.string(),
  kind: z.enum(["Deployment", "StatefulSet"]),
  pool: z.string(),
  replicas: z.number().int().min(1).default(1),
  /** Started this many hours ago; absent: running for the whole window. */
  sinceHours: z.number().int().min(1).optional(),
  labels: z.record(z.string(), z.string()).default({}),
  containers: z.array(container).min(1),
});

const service = z.object({
  namespace: z.string(),
  name: z.string(),
  type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
  selector: z.record(z.string(), z.string()),
});

const cluster = z.object({
  /** The cluster's ARM ID as demo-estate.json spells it. */
  clusterId: z.string(),
  /** ARM ID of the workspace its monitoring add-on writes to. */
  workspace: z.string(),
  pools: z.array(pool),
  services: z.array(service).default([]),
  workloads: z.array(workload).default([]),
});

export const telemetrySchema = z.object({
  workspaces: z.array(
    z.object({
      id: z.string(),
      customerId: z.uuid(),
      location: z.string(),
    }),
  ),
  clusters: z.array(cluster),
});

export type Telemetry = z.infer<typeof telemetrySchema>;
export type TelemetryCluster = z.infer<typeof cluster>;

export async function loadTelemetry(path: string): Promise<Telemetry> {
  return telemetrySchema.parse(JSON.parse(await readFile(path, "utf8")));
}

export interface GenerateOptions {
  readonly now: Date;
  /** Hours of node and GPU capacity history (default 14 days + 1 hour). */
  readonly nodeHistoryHours?: number;
  /** Hours of pod, container, service and log history (default 26). */
  readonly podHistoryHours?: number;
}

export type WorkspaceTables = Record<string, KqlTableData>;

const TABLES = [
  "KubeNodeInventory",
  "KubePodInventory",
  "KubeServices",
  "ContainerInventory",
  "ContainerLogV2",
  "InsightsMetrics",
] as const;
type TableName = (typeof TABLES)[number];

const HOUR = 3_600_000;
const MINUTE = 60_000;

const hex = (seed: string, length: number): string => createHash("sha256").update(seed).digest("hex").slice(0, length);

const uuid = (seed: string): string => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Kubernetes' pod-name suffix alphabet (no vowels), from a seed. */
const suffix = (seed: string, length: number): string => {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const bytes = createHash("sha256").update(seed).digest();
  return Array.from(bytes.subarray(0, length), (b) => alphabet[b % alphabet.length]).join("");
};

/** Go's fmt.Sprintf("%v", []string{...}). */
export const goSliceText = (items: readonly string[]): string => `[${items.join(" ")}]`;

/** ContainerInventory's split of an image reference (Docker-Provider addImageInfoToContainerInventoryRecord). */
export function splitImage(reference: string): { repository: string; image: string; tag: string } {
  let value = reference;
  let digest = false;
  const at = value.indexOf("@");
  if (at >= 0) {
    value = value.slice(0, at);
    digest = true;
  }
  const slash = value.indexOf("/");
  const colon = value.indexOf(":");
  if (colon >= 0) {
    return slash < 0
      ? { repository: "", image: value.slice(0, colon), tag: value.slice(colon + 1) }
      : { repository: value.slice(0, slash), image: value.slice(slash + 1, colon), tag: value.slice(colon + 1) };
  }
  const tag = digest ? "" : "latest";
  return slash < 0
    ? { repository: "", image: value, tag }
    : { repository: value.slice(0, slash), image: value.slice(slash + 1), tag };
}

/** Nodes of a pool in the hour that starts at `hourStart`. */
export function nodesAt(counts: z.infer<typeof nodeCounts>, hourStart: number, now: number): number {
  const hoursAgo = Math.floor((Math.floor(now / HOUR) * HOUR - hourStart) / HOUR);
  if (counts.surge && hoursAgo < counts.surge.lastHours) return counts.surge.to;
  if (counts.daily) {
    // Hours since today's run started, on a 24-hour cycle: the run repeats at the same hour every day.
    const intoRun = (((counts.daily.startedHoursAgo - hoursAgo) % 24) + 24) % 24;
    if (intoRun < counts.daily.hours) return counts.daily.to;
  }
  return counts.base;
}

const clusterName = (clusterId: string): string => clusterId.split("/").at(-1) ?? clusterId;

interface Context {
  readonly tables: Record<TableName, Record<string, unknown>[]>;
  readonly now: number;
  readonly tenantId: string;
}

function nodeName(cluster: TelemetryCluster, poolName: string, index: number): string {
  const vmss = Number.parseInt(hex(`${cluster.clusterId}|${poolName}`, 6), 16) % 100_000_000;
  return `aks-${poolName}-${String(vmss).padStart(8, "0")}-vmss${index.toString(36).padStart(6, "0")}`;
}

/** Sample times in [from, now]: at minute :10 and :40 of every hour (or only :10). */
function sampleTimes(from: number, now: number, perHour: 1 | 2 | 3): number[] {
  const minutes = perHour === 1 ? [10] : perHour === 2 ? [10, 40] : [5, 25, 45];
  const times: number[] = [];
  for (let hour = Math.floor(from / HOUR) * HOUR; hour <= now; hour += HOUR)
    for (const m of minutes) {
      const t = hour + m * MINUTE;
      if (t >= from && t <= now) times.push(t);
    }
  return times;
}

function generateCluster(cluster: TelemetryCluster, ctx: Context, nodeHours: number, podHours: number): void {
  const { tables, now, tenantId } = ctx;
  const name = clusterName(cluster.clusterId);
  const resourceId = cluster.clusterId.toLowerCase();
  const common = { TenantId: tenantId, _ResourceId: resourceId, SourceSystem: "Containers" };
  const tags = (extra: Record<string, string>) =>
    JSON.stringify({ "container.azm.ms/clusterId": cluster.clusterId, "container.azm.ms/clusterName": name, ...extra });
  const poolByName = new Map(cluster.pools.map((p) => [p.name, p]));

  /** The pool's node names in the hour of `t`. */
  const nodesOf = (poolName: string, t: number): string[] => {
    const p = poolByName.get(poolName);
    if (!p) return [];
    const count = nodesAt(p.nodes, Math.floor(t / HOUR) * HOUR, now);
    return Array.from({ length: count }, (_, i) => nodeName(cluster, poolName, i));
  };

  // Nodes and their GPU capacity, over the node history.
  const nodeFrom = now - nodeHours * HOUR;
  for (const t of sampleTimes(nodeFrom, now, 2)) {
    const generated = new Date(t);
    for (const p of cluster.pools) {
      for (const computer of nodesOf(p.name, t)) {
        const labels: Record<string, string> = {
          agentpool: p.name,
          "kubernetes.azure.com/agentpool": p.name,
          "kubernetes.azure.com/mode": p.mode.toLowerCase(),
          "kubernetes.io/hostname": computer,
          "kubernetes.io/os": "linux",
          "node.kubernetes.io/instance-type": p.vmSize,
          ...(p.accelerator ? { accelerator: p.accelerator, "kubernetes.azure.com/accelerator": p.accelerator } : {}),
        };
        tables.KubeNodeInventory.push({
          ...common,
          TimeGenerated: generated,
          Type: "KubeNodeInventory",
          Computer: computer,
          ClusterId: cluster.clusterId,
          ClusterName: name,
          Labels: JSON.stringify([labels]),
          Status: "Ready",
          KubeletVersion: "v1.30.5",
          KubeProxyVersion: "v1.30.5",
          KubernetesProviderID: "azure",
          OperatingSystem: "Ubuntu 22.04.5 LTS",
          DockerVersion: "containerd://1.7.22-1",
          CreationTimeStamp: new Date(nodeFrom),
          LastTransitionTimeReady: new Date(nodeFrom),
        });
        if (p.gpusPerNode > 0 && Math.floor(t / HOUR) * HOUR + 10 * MINUTE === t) {
          tables.InsightsMetrics.push({
            ...common,
            TimeGenerated: generated,
            Type: "InsightsMetrics",
            Computer: computer,
            Origin: "container.azm.ms",
            Namespace: "container.azm.ms/gpu",
            Name: "nodeGpuCapacity",
            Val: p.gpusPerNode,
            Tags: tags({ gpuVendor: "nvidia.com/gpu" }),
          });
        }
      }
    }
  }

  // Services.
  const podFrom = now - podHours * HOUR;
  for (const s of cluster.services) {
    const clusterIp = `10.0.${Number.parseInt(hex(`${resourceId}|${s.namespace}/${s.name}`, 2), 16)}.${Number.parseInt(hex(`${s.name}|ip`, 2), 16) % 250}`;
    for (const t of sampleTimes(podFrom, now, 2))
      tables.KubeServices.push({
        ...common,
        TimeGenerated: new Date(t),
        Type: "KubeServices",
        ServiceName: s.name,
        Namespace: s.namespace,
        SelectorLabels: JSON.stringify([s.selector]),
        ClusterId: cluster.clusterId,
        ClusterName: name,
        ClusterIp: clusterIp,
        ServiceType: s.type,
      });
  }

  // Pods, containers, GPU requests and logs.
  for (const w of cluster.workloads) {
    const started = w.sinceHours === undefined ? podFrom - 24 * HOUR : now - w.sinceHours * HOUR;
    const replicaSet =
      w.kind === "Deployment" ? `${w.name}-${suffix(`${resourceId}|${w.namespace}/${w.name}`, 9)}` : w.name;
    for (let replica = 0; replica < w.replicas; replica++) {
      const pod =
        w.kind === "Deployment"
          ? `${replicaSet}-${suffix(`${resourceId}|${w.namespace}/${w.name}|${replica}`, 5)}`
          : `${w.name}-${replica}`;
      const podUid = uuid(`${resourceId}|${w.namespace}/${pod}`);
      const podIp = `10.244.${replica % 250}.${Number.parseInt(hex(podUid, 2), 16) % 250}`;
      const times = sampleTimes(Math.max(podFrom, started), now, 2);
      for (const c of w.containers) {
        const containerId = hex(`${podUid}|${c.name}`, 64);
        const image = splitImage(c.image);
        const command = c.command.length > 0 ? goSliceText(c.command) : "";
        for (const t of times) {
          const nodes = nodesOf(w.pool, t);
          const computer = nodes.length > 0 ? (nodes[replica % nodes.length] ?? "") : "";
          const generated = new Date(t);
          tables.KubePodInventory.push({
            ...common,
            TimeGenerated: generated,
            Type: "KubePodInventory",
            Computer: computer,
            ClusterId: cluster.clusterId,
            ClusterName: name,
            Name: pod,
            Namespace: w.namespace,
            PodUid: podUid,
            PodLabel: JSON.stringify([w.labels]),
            PodStatus: "Running",
            PodIp: podIp,
            PodCreationTimeStamp: new Date(started),
            PodStartTime: new Date(started),
            PodRestartCount: 0,
            ControllerKind: w.kind === "Deployment" ? "ReplicaSet" : "StatefulSet",
            ControllerName: replicaSet,
            ContainerName: `${podUid}/${c.name}`,
            ContainerID: containerId,
            ContainerStatus: "running",
            ContainerRestartCount: 0,
            ContainerCreationTimeStamp: new Date(started),
            ContainerStartTime: new Date(started),
            InstanceName: `${podUid}/${c.name}`,
            ServiceName: cluster.services.find(
              (s) => s.namespace === w.namespace && Object.entries(s.selector).every(([k, v]) => w.labels[k] === v),
            )?.name,
          });
          tables.ContainerInventory.push({
            ...common,
            TimeGenerated: generated,
            Type: "ContainerInventory",
            Computer: computer,
            ContainerID: containerId,
            ContainerHostname: pod,
            Name: `k8s_${c.name}_${pod}_${w.namespace}_${containerId}_0`,
            Repository: image.repository,
            Image: image.image,
            ImageTag: image.tag,
            ImageID: `sha256:${hex(c.image, 64)}`,
            Command: command,
            ContainerState: "Running",
            CreatedTime: new Date(started),
            StartedTime: new Date(started),
            ExitCode: 0,
            EnvironmentVar: "",
            Ports: "",
          });
          if (c.gpus > 0)
            tables.InsightsMetrics.push({
              ...common,
              TimeGenerated: generated,
              Type: "InsightsMetrics",
              Computer: computer,
              Origin: "container.azm.ms",
              Namespace: "container.azm.ms/gpu",
              Name: "containerGpuRequests",
              Val: c.gpus,
              Tags: tags({ containerName: `${podUid}/${c.name}`, gpuVendor: "nvidia.com/gpu" }),
            });
        }
        if (c.logs.length > 0) {
          for (const [i, t] of sampleTimes(Math.max(podFrom, started), now, 3).entries()) {
            const nodes = nodesOf(w.pool, t);
            tables.ContainerLogV2.push({
              ...common,
              TimeGenerated: new Date(t),
              Type: "ContainerLogV2",
              Computer: nodes.length > 0 ? (nodes[replica % nodes.length] ?? "") : "",
              ContainerId: containerId,
              ContainerName: c.name,
              PodName: pod,
              PodNamespace: w.namespace,
              LogMessage: c.logs[i % c.logs.length] ?? "",
              LogSource: "stdout",
              LogLevel: "info",
            });
          }
        }
      }
    }
  }
}

const emptyTables = (): Record<TableName, Record<string, unknown>[]> => ({
  KubeNodeInventory: [],
  KubePodInventory: [],
  KubeServices: [],
  ContainerInventory: [],
  ContainerLogV2: [],
  InsightsMetrics: [],
});

/** The rows of every workspace, keyed by workspace GUID (customerId). Deterministic for a given `now`. */
export function generateTelemetry(telemetry: Telemetry, options: GenerateOptions): Map<string, WorkspaceTables> {
  const now = options.now.getTime();
  const byWorkspace = new Map<string, WorkspaceTables>();
  for (const workspace of telemetry.workspaces) {
    const tables = emptyTables();
    const ctx: Context = { tables, now, tenantId: workspace.customerId };
    for (const c of telemetry.clusters.filter((c) => c.workspace.toLowerCase() === workspace.id.toLowerCase()))
      generateCluster(c, ctx, options.nodeHistoryHours ?? 14 * 24 + 1, options.podHistoryHours ?? 26);
    byWorkspace.set(
      workspace.customerId,
      Object.fromEntries(
        TABLES.map((name) => [name, { columns: containerInsightsSchema.tables[name] ?? {}, rows: tables[name] }]),
      ),
    );
  }
  return byWorkspace;
}

/** The workspaces as Resource Graph returns them (`resources`, type lower case), for the Resource Graph fake. */
export function workspaceResourceGraphRows(telemetry: Telemetry): Record<string, unknown>[] {
  return telemetry.workspaces.map((w) => {
    const parts = w.id.split("/");
    return {
      id: w.id,
      name: parts.at(-1) ?? "",
      type: "microsoft.operationalinsights/workspaces",
      subscriptionId: parts[2] ?? "",
      resourceGroup: (parts[4] ?? "").toLowerCase(),
      location: w.location,
      properties: { customerId: w.customerId, provisioningState: "Succeeded", sku: { name: "PerGB2018" } },
    };
  });
}
