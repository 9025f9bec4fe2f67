import { describe, expect, it } from "vitest";
import {
  clip,
  labelObject,
  mapGateway,
  mapGpuSeries,
  mapMinerEvidence,
} from "../../../shared/collectors/log-analytics/mappers.js";
import { weakIndicators } from "../../../shared/collectors/log-analytics/queries.js";
import { cluster, HOSTILE_STRINGS } from "../../support/helpers.js";

const c1 = cluster({
  nodePools: [
    {
      name: "gpu",
      nodeCount: 2,
      minCount: 0,
      maxCount: 10,
      machineTypes: ["Standard_NC24ads_A100_v4"],
      gpu: true,
      gpusPerNode: 1,
      publicNodeIps: false,
      spot: false,
      labels: {},
    },
  ],
});
const hour = (h: number) => new Date(Date.UTC(2026, 10, 28, h));

describe("row mappers", () => {
  it("clip attacker-controlled text to whole code points, and keep it verbatim otherwise", () => {
    expect(clip("abc", 5)).toBe("abc");
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("😀😀😀", 2)).toBe("😀…");
    for (const s of HOSTILE_STRINGS) expect(clip(s, 1000)).toBe(s);
  });

  it("read the first object of Labels / SelectorLabels JSON text, and nothing from malformed text", () => {
    expect(labelObject('[{"istio":"ingressgateway","n":1}]')).toEqual({ istio: "ingressgateway", n: "1" });
    expect(labelObject("[{}]")).toEqual({});
    expect(labelObject("not json")).toEqual({});
    expect(labelObject("[null]")).toEqual({});
    expect(labelObject([{ a: "b" }])).toEqual({ a: "b" });
  });

  it("map a gateway row to a KubeService on the inventory's cluster ID (not the row's casing)", () => {
    expect(
      mapGateway(
        {
          ClusterKey: c1.id.toLowerCase(),
          Namespace: "edge",
          ServiceName: "public-entry",
          ServiceType: "LoadBalancer",
          SelectorLabels: '[{"istio":"ingressgateway-1-22"}]',
        },
        c1,
      ),
    ).toEqual({
      cloud: "azure",
      clusterId: c1.id,
      namespace: "edge",
      name: "public-entry",
      serviceType: "LoadBalancer",
      selector: { istio: "ingressgateway-1-22" },
    });
  });

  it("drop a pool port alone, keep it next to a strong indicator, and clip excerpts", () => {
    const row = (pod: string, kind: string, indicator: string, excerpt = "x") => ({
      Kind: kind,
      Indicator: indicator,
      Namespace: "ns",
      Pod: pod,
      Container: "c",
      Image: "",
      Excerpt: excerpt,
      FirstSeen: hour(1),
    });
    const lines = mapMinerEvidence(
      [
        row("dev-server", "pool-port", ":3333", "[node dev.js --port :3333]"),
        row("miner", "pool-port", ":3333"),
        row("miner", "command", "stratum+tcp://", "y".repeat(1000)),
        row("other", "unknown-kind", "x"),
      ],
      c1,
      weakIndicators(),
      300,
    );
    expect(lines.map((l) => [l.pod, l.kind])).toEqual([
      ["miner", "command"],
      ["miner", "pool-port"],
    ]);
    expect(lines[0]?.excerpt).toHaveLength(300);
    expect(lines[0]).toMatchObject({ image: null, firstSeen: hour(1).toISOString(), clusterId: c1.id });
  });

  it("build an hourly series: 0 where the cluster reported but the pool had no GPU node, no point where it did not report", () => {
    const [series] = mapGpuSeries(c1, {
      nodes: [
        {
          Pool: "gpu",
          VmSize: "Standard_NC24ads_A100_v4",
          Points: [
            [hour(1).toISOString(), 2],
            [hour(4).toISOString(), 5],
          ],
          ReportedHours: [hour(4), hour(1), hour(2)],
        },
      ],
      capacity: [{ Pool: "gpu", Points: [[hour(4).toISOString(), 5]] }],
      attribution: [
        { Pool: "gpu", Namespace: "a", Controller: "ReplicaSet/x", Image: "img", Gpus: 3 },
        { Pool: "", Namespace: "pending", Controller: "", Image: "", Gpus: 4 },
        { Pool: "other", Namespace: "b", Controller: "", Image: "", Gpus: 9 },
        { Pool: "gpu", Namespace: "a", Controller: "ReplicaSet/x", Image: "img", Gpus: 2 },
      ],
    });
    expect(series?.points).toEqual([
      { time: hour(1), value: 2 },
      { time: hour(2), value: 0 },
      { time: hour(4), value: 5 },
    ]);
    expect(series?.capacity?.map((p) => p.value)).toEqual([0, 0, 5]);
    expect(series).toMatchObject({
      sku: "Standard_NC24ads_A100_v4",
      gpusPerNode: 1,
      scope: c1.scope,
      source: "container-insights",
    });
    expect(series?.attribution).toEqual([
      { namespace: "a", controller: "ReplicaSet/x", image: "img", gpus: 5 },
      { namespace: "pending", controller: null, image: null, gpus: 4 },
    ]);
  });

  it("take GPUs per node from the VM size when the pool is not in the inventory (node auto-provisioning)", () => {
    const [series] = mapGpuSeries(c1, {
      nodes: [{ Pool: "nap-gpu", VmSize: "Standard_ND96isr_H100_v5", Points: [], ReportedHours: [] }],
      capacity: [],
      attribution: [],
    });
    expect(series).toMatchObject({ pool: "nap-gpu", sku: "Standard_ND96isr_H100_v5", gpusPerNode: 8 });
    expect(series && "capacity" in series).toBe(false);
  });
});
