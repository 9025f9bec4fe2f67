import type { Nodegroup } from "@aws-sdk/client-eks";
import type { LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { createAwsEksReader } from "../../shared/collectors/aws/aws-sdk.js";
import { createAwsSessions } from "../../shared/collectors/aws/aws-sessions.js";
import { createEksCollector, type EksReader } from "../../shared/collectors/aws/eks-collector.js";
import { mapEksCluster } from "../../shared/collectors/aws/eks-mapper.js";
import {
  createLoadBalancerExposureCollector,
  type LoadBalancerReader,
} from "../../shared/collectors/aws/lb-exposure-collector.js";
import { createAwsLoadBalancerReader } from "../../shared/collectors/aws/lb-sdk.js";
import { createLimiterRegistry } from "../../shared/collectors/limits.js";
import { mergeInventory } from "../../shared/model/inventory.js";
import { useAwsFake, wireCluster } from "../support/aws-fake.js";
import { allParts, collectContext } from "../support/helpers.js";

const A = "555555555555";
const AMBIENT_KEY = "AKIAFAKEAMBIENT00005";
const ambient = { kind: "ambient" } as const;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const startFake = useAwsFake(AMBIENT_KEY);

describe("AWS calls through the run's limiters (real SDK clients against the fake)", () => {
  it("keeps the EKS and load-balancer collectors of one account-region within its bucket together", async () => {
    const fake = await startFake(
      {
        accounts: [
          {
            accountId: A,
            accessKeyIds: [AMBIENT_KEY],
            regions: {
              "us-east-1": {
                clusters: Array.from({ length: 6 }, (_, i) => ({
                  ...wireCluster(`c${i}`, A, "us-east-1"),
                  nodegroups: ["a", "b", "c"].map((n) => ({ nodegroupName: `ng-${n}`, instanceTypes: ["m6i.large"] })),
                })),
                loadBalancers: Array.from({ length: 50 }, (_, i) => ({ name: `lb-${i}`, scheme: "internal" })),
              },
            },
          },
        ],
      },
      // A round trip, so calls overlap.
      { pageSize: 100, latencyMs: 15 },
    );
    const limiters = createLimiterRegistry({ awsPerAccountRegion: 3 });
    const sessions = createAwsSessions({ roleArns: [], webIdentityAudience: null, limiters });
    const eks = createEksCollector(createAwsEksReader(sessions), {
      accounts: sessions.targets,
      regions: ["us-east-1"],
      concurrency: limiters.limits.eks,
    });
    const lb = createLoadBalancerExposureCollector(createAwsLoadBalancerReader(sessions), {
      targetFor: (account) => sessions.targetFor(account),
    });
    const primary = allParts(await eks.collect(collectContext()));
    expect(primary.clusters).toHaveLength(6);
    const inventory = mergeInventory([primary], new Date());
    // Both collectors at once, on the same account-region.
    const [again, exposure] = await Promise.all([
      eks.collect(collectContext()).then(allParts),
      lb.collect({ ...collectContext(), inventory }).then(allParts),
    ]);
    expect(again.gaps).toEqual([]);
    expect(exposure.gaps).toEqual([]);
    expect(fake.maxConcurrent().perAccountRegion).toBeLessThanOrEqual(3);
    expect(limiters.peaks().get(`aws|ambient|us-east-1`)).toBe(3);
  });
});

describe("collector concurrency (stub readers)", () => {
  it("describes a cluster's node groups at once, and keeps them in listed order", async () => {
    let inFlight = 0;
    let peak = 0;
    const reader: EksReader = {
      resolveAccount: async () => A,
      async *listClusters() {
        yield "c";
      },
      describeCluster: async (_t, region, name) => ({ name, arn: `arn:aws:eks:${region}:${A}:cluster/${name}` }),
      async *listNodegroups() {
        yield* ["ng-1", "ng-2", "ng-3", "ng-4"];
      },
      describeNodegroup: async (_t, _r, _c, name): Promise<Nodegroup> => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        // The first node group answers last.
        await pause(name === "ng-1" ? 20 : 5);
        inFlight -= 1;
        return { nodegroupName: name, instanceTypes: ["m6i.large"], scalingConfig: { desiredSize: 1 } };
      },
    };
    const part = allParts(
      await createEksCollector(reader, { accounts: [ambient], regions: ["us-east-1"] }).collect(collectContext()),
    );
    expect(peak).toBe(4);
    expect(part.clusters[0]?.nodePools.map((p) => p.name)).toEqual(["ng-1", "ng-2", "ng-3", "ng-4"]);
  });

  it("works on every account-region at once by default; only the per-service limits bound the calls", async () => {
    const regions = Array.from({ length: 20 }, (_, i) => `us-test-${i + 1}`);
    const clusters = regions.map((region) =>
      mapEksCluster({ name: `c-${region}`, arn: `arn:aws:eks:${region}:${A}:cluster/c-${region}` }, [], A, region),
    );
    let inFlight = 0;
    let peak = 0;
    const reader: LoadBalancerReader = {
      async *listLoadBalancers(): AsyncGenerator<LoadBalancer> {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await pause(10);
        inFlight -= 1;
        // No load balancers in the region.
        yield* [];
      },
      describeLoadBalancerTags: async () => [],
      async *listClassicLoadBalancers() {},
      describeClassicLoadBalancerTags: async () => [],
      describeSecurityGroups: async () => [],
    };
    const part = allParts(
      await createLoadBalancerExposureCollector(reader, { targetFor: () => ambient }).collect({
        ...collectContext(),
        inventory: mergeInventory([{ clusters }], new Date(0)),
      }),
    );
    expect(part.coverage).toHaveLength(20);
    // The old default worked on 8 regions with 4 calls per service in flight.
    expect(peak).toBe(20);
  });
});

describe("the sessions' client cache", () => {
  it("reuses a client per service, account and region, and keeps only the most recently used", () => {
    const sessions = createAwsSessions({ roleArns: [], webIdentityAudience: null, maxClients: 2 });
    let built = 0;
    const get = (region: string) => sessions.client("eks", ambient, region, () => ({ n: ++built }));
    const east = get("us-east-1");
    expect(get("us-east-1")).toBe(east);
    get("us-west-2");
    // us-east-1 was used last before eu-west-1 came: us-west-2 is the one that goes.
    get("us-east-1");
    get("eu-west-1");
    expect(get("us-east-1")).toBe(east);
    expect(get("us-west-2").n).toBe(4);
    expect(sessions.client("elbv2", ambient, "us-east-1", () => ({ n: ++built })).n).toBe(5);
  });
});
