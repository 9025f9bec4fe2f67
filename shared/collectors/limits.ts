/**
 * @module
 * Calls in flight, per API and per rate-limit bucket, for one composed audit. Every client of a
 * run takes its limiter from one registry, so collectors that call the same bucket (the EKS and
 * the load-balancer collectors in one account-region, the AKS and the Log Analytics collectors on
 * Resource Graph) stay within it together. Limiters bound single HTTP exchanges at the transport
 * (an Azure pipeline policy, the AWS request handler), never whole tasks, so no caller can
 * deadlock on a slot it already holds, and a retry's backoff never occupies one. SDK-free.
 */
import pLimit, { type LimitFunction } from "p-limit";
import type { CollectorEnvironment } from "./registry.js";

/** How many calls may be in flight at once. Defaults: `DEFAULT_CONCURRENCY` (README, Performance). */
export interface ConcurrencyLimits {
  /** Azure Resource Manager, every subscription together. */
  readonly arm: number;
  /** ARM per subscription: its read bucket holds 250 tokens per principal and refills at 25 per second. */
  readonly armPerSubscription: number;
  /** Resource Graph queries (the user quota is about 15 per 5-second window; a sweep needs a handful). */
  readonly resourceGraph: number;
  /** Log Analytics queries: the service runs 5 per user and queues the rest. */
  readonly logAnalytics: number;
  /** EKS, every account-region together. */
  readonly eks: number;
  /** Elastic Load Balancing, every account-region together: ELBv2 and classic ELB each (separate AWS buckets). */
  readonly elb: number;
  /** EC2 (DescribeSecurityGroups), every account-region together. */
  readonly ec2: number;
  /** STS (AssumeRole, GetCallerIdentity): 600 per second per account and region. */
  readonly sts: number;
  /** Per AWS account-region, every service together (the ELB Describe bucket: 40 tokens, refilled at 10/s). */
  readonly awsPerAccountRegion: number;
}

/**
 * Sized from the published limits (`limits.md`) and one Node.js instance: about 64 requests in
 * flight per API keep a 100 ms round trip busy without queueing at the services, and no single
 * subscription or account-region bucket ever sees more than 8 at once.
 */
export const DEFAULT_CONCURRENCY: ConcurrencyLimits = Object.freeze({
  arm: 64,
  armPerSubscription: 8,
  resourceGraph: 8,
  logAnalytics: 5,
  eks: 64,
  elb: 32,
  ec2: 16,
  sts: 16,
  awsPerAccountRegion: 8,
});

/** Resource Graph's per-user quota, as Microsoft's throttling guidance gives it (limits.md §2): a rate, not a concurrency. */
export const RESOURCE_GRAPH_QUOTA = Object.freeze({ perWindow: 15, windowMs: 5000 });

/** ELBv2 and classic ELB are separate APIs with separate AWS buckets: each gets the `elb` limit. */
export type AwsApi = "eks" | "elbv2" | "elb" | "ec2" | "sts";

/** One limiter: a call waits for a slot (and for any hold) before it goes out. */
export interface CallLimiter {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Calls not yet started wait until then (a Retry-After, a spent quota); calls in flight are not touched. */
  holdUntil(epochMs: number): void;
}

export interface LimiterRegistry {
  readonly limits: ConcurrencyLimits;
  /** ARM: the global slot and the subscription's bucket (null: a tenant-level call, such as the subscription list). */
  arm(subscriptionId: string | null): CallLimiter;
  resourceGraph(): CallLimiter;
  logAnalytics(): CallLimiter;
  /** AWS: the service's global slot and the account-region's bucket (`account` may be a role ARN or `ambient`). */
  aws(api: AwsApi, account: string, region: string): CallLimiter;
  /** The most calls seen in flight at once, by limiter key (`arm`, `arm|<subscription>`, `aws|<account>|<region>`, …). */
  peaks(): ReadonlyMap<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Positive integers only: a zero or negative limit would stop every call. */
function validated(limits: ConcurrencyLimits): ConcurrencyLimits {
  for (const [key, value] of Object.entries(limits))
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`concurrency limit ${key} must be an integer ≥ 1`);
  return Object.freeze({ ...limits });
}

export function createLimiterRegistry(overrides: Partial<ConcurrencyLimits> = {}): LimiterRegistry {
  const limits = validated({ ...DEFAULT_CONCURRENCY, ...overrides });
  const peaks = new Map<string, number>();
  const slots = new Map<string, { limit: LimitFunction; heldUntil: number }>();

  const slot = (key: string, concurrency: number) => {
    let entry = slots.get(key);
    if (!entry) {
      entry = { limit: pLimit(concurrency), heldUntil: 0 };
      slots.set(key, entry);
    }
    return entry;
  };

  /** The bucket's slot first, then the API's: a call waiting on its bucket never holds a global slot. */
  const limiter = (keys: readonly (readonly [string, number])[]): CallLimiter => {
    const entries = keys.map(([key, concurrency]) => ({ key, entry: slot(key, concurrency) }));
    const acquire = <T>(index: number, call: () => Promise<T>): Promise<T> => {
      const current = entries[index];
      if (!current) return call();
      return current.entry.limit(async () => {
        // A hold set while this call queued still applies: wait it out inside the slot.
        for (let wait = current.entry.heldUntil - Date.now(); wait > 0; wait = current.entry.heldUntil - Date.now())
          await sleep(wait);
        peaks.set(current.key, Math.max(peaks.get(current.key) ?? 0, current.entry.limit.activeCount));
        return acquire(index + 1, call);
      });
    };
    return {
      run: (call) => acquire(0, call),
      holdUntil(epochMs) {
        // The bucket is what the service throttled; holding the global slot would stall every other bucket.
        const bucket = entries[0]?.entry;
        if (bucket) bucket.heldUntil = Math.max(bucket.heldUntil, epochMs);
      },
    };
  };

  return {
    limits,
    arm: (subscriptionId) =>
      limiter(
        subscriptionId
          ? [
              [`arm|${subscriptionId.toLowerCase()}`, limits.armPerSubscription],
              ["arm", limits.arm],
            ]
          : [["arm", limits.arm]],
      ),
    resourceGraph: () => limiter([["resource-graph", limits.resourceGraph]]),
    logAnalytics: () => limiter([["log-analytics", limits.logAnalytics]]),
    aws: (api, account, region) =>
      limiter([
        [`aws|${account}|${region}`, limits.awsPerAccountRegion],
        [api, limits[api === "elbv2" ? "elb" : api]],
      ]),
    peaks: () => peaks,
  };
}

const byEnvironment = new WeakMap<CollectorEnvironment, LimiterRegistry>();

/** The environment's registry, or one built once per environment (hand-made environments in tests). */
export function limitersFor(environment: CollectorEnvironment): LimiterRegistry {
  if (environment.limiters) return environment.limiters;
  let registry = byEnvironment.get(environment);
  if (!registry) {
    registry = createLimiterRegistry(environment.tuning.concurrency);
    byEnvironment.set(environment, registry);
  }
  return registry;
}

/** Seconds or an HTTP date (Retry-After), or milliseconds (`retry-after-ms`, `x-ms-retry-after-ms`); null when absent. */
export function retryAfterMs(header: (name: string) => string | null | undefined, now = Date.now()): number | null {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(header(name));
    if (header(name) && Number.isFinite(value) && value >= 0) return value;
  }
  const text = header("retry-after");
  if (!text) return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
