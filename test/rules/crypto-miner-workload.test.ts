import { describe, expect, it } from "vitest";
import { cryptoMinerWorkload } from "../../shared/rules/crypto-miner-workload/crypto-miner-workload.js";
import { cluster, coverageFor, HOSTILE_STRINGS, inventoryOf, ruleContext } from "../support/helpers.js";

const c1 = cluster();
const line = (i: number, excerpt: string) => ({
  cloud: "azure" as const,
  clusterId: c1.id,
  kind: "command" as const,
  indicator: "stratum-url",
  namespace: "ns",
  pod: `pod-${i}`,
  container: "c",
  image: "busybox",
  excerpt,
  firstSeen: "2026-11-28T09:00:00.000Z",
});

describe("crypto-miner-workload", () => {
  it("fails with the evidence lines, keeping hostile text as data", () => {
    const evidence = HOSTILE_STRINGS.map((s, i) => line(i, `./xmrig -o stratum+tcp://pool.example:3333 ${s}`));
    const [v] = cryptoMinerWorkload.evaluate(
      inventoryOf([c1], { minerEvidence: evidence, coverage: coverageFor("clusters") }),
      ruleContext(),
    );
    expect(v).toMatchObject({ status: "fail" });
    expect(v?.detail).toContain("Miner evidence (command) on cluster c1");
    const lines = v?.evidence.lines as { excerpt: string }[];
    expect(lines.map((l) => l.excerpt)).toEqual(evidence.map((e) => e.excerpt));
  });

  it("caps the evidence lines and counts the rest", () => {
    const evidence = Array.from({ length: 30 }, (_, i) => line(i, `line ${i}`));
    const [v] = cryptoMinerWorkload.evaluate(inventoryOf([c1], { minerEvidence: evidence }), ruleContext());
    expect(v?.evidence.lines).toHaveLength(20);
    expect(v?.evidence.more).toBe(10);
  });

  it("passes with Container Insights and no evidence; unknown without it on AKS; silent on EKS", () => {
    const covered = cryptoMinerWorkload.evaluate(
      inventoryOf([c1], { coverage: coverageFor("container-insights") }),
      ruleContext(),
    );
    expect(covered[0]?.status).toBe("pass");
    expect(cryptoMinerWorkload.evaluate(inventoryOf([c1]), ruleContext())[0]?.status).toBe("unknown");
    expect(cryptoMinerWorkload.evaluate(inventoryOf([cluster({ cloud: "aws" })]), ruleContext())).toEqual([]);
  });
});
