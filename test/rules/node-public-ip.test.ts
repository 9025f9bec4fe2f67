import { describe, expect, it } from "vitest";
import type { NodePool } from "../../shared/model/cluster.js";
import { nodePublicIp } from "../../shared/rules/node-public-ip/node-public-ip.js";
import { cluster, inventoryOf, ruleContext } from "../support/helpers.js";

const pool = (overrides: Partial<NodePool>): NodePool => ({
  name: "p",
  nodeCount: 3,
  minCount: null,
  maxCount: null,
  machineTypes: ["Standard_D4s_v5"],
  gpu: false,
  gpusPerNode: null,
  publicNodeIps: false,
  spot: false,
  labels: {},
  ...overrides,
});
const evaluate = (pools: NodePool[]) =>
  nodePublicIp.evaluate(inventoryOf([cluster({ nodePools: pools })]), ruleContext());

describe("node-public-ip", () => {
  it("fails pools whose nodes get public IPs, naming them", () => {
    const [v] = evaluate([pool({ name: "edge", publicNodeIps: true }), pool({ name: "sys" })]);
    expect(v).toMatchObject({ status: "fail", severity: "medium" });
    expect(v?.detail).toContain("gives public IPs to the nodes of edge");
    expect(v?.evidence.poolsWithPublicIps).toEqual(["edge"]);
  });

  it("fails SSH open to the world (EKS remote access), and escalates on a GPU cluster", () => {
    const [v] = evaluate([
      pool({ name: "gpu", gpu: true, remoteAccess: { enabled: true, openToWorld: true, sources: [] } }),
    ]);
    expect(v).toMatchObject({ status: "fail", severity: "high" });
    expect(v?.detail).toContain("allows SSH from any address to gpu");
  });

  it("passes private nodes and remote access limited to security groups", () => {
    const [v] = evaluate([pool({ remoteAccess: { enabled: true, openToWorld: false, sources: ["sg-1"] } })]);
    expect(v?.status).toBe("pass");
  });
});
