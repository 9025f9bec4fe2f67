import type { TokenCredential } from "@azure/core-auth";
import type { Settings } from "../config/settings.js";
import type { Collector } from "../engine/ports.js";
import type { Cloud } from "../model/cluster.js";
import type { EntityTable } from "../store/entity-table.js";
import type { AwsClientOverrides } from "./aws/aws-sdk.js";
import type { ConcurrencyLimits, LimiterRegistry } from "./limits.js";

/** Test and demo harnesses shorten retries; production keeps the SDK defaults. */
export interface ClientTuning {
  readonly armRetry?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
  readonly awsClientOverrides?: AwsClientOverrides;
  /** Calls in flight per API and bucket, over `DEFAULT_CONCURRENCY` (the bench varies them). */
  readonly concurrency?: Partial<ConcurrencyLimits>;
}

/** What the composition root hands every collector and report-sink factory: settings, credentials, tables. */
export interface CollectorEnvironment {
  readonly settings: Settings;
  /** The one Azure credential of the run, with its token cache. */
  readonly azureCredential: () => TokenCredential;
  /** Opens a table of the configured store (Azure Table Storage, or the CLI's local files). */
  readonly tables: (name: string) => Promise<EntityTable>;
  readonly clock: () => Date;
  readonly tuning: ClientTuning;
  /** The run's shared limiters; a registration without one builds its own (`limitersFor`). */
  readonly limiters?: LimiterRegistry;
}

/** One line in `collectors/index.ts`: builds its collector, or returns null when settings leave it off. */
export interface CollectorRegistration {
  readonly id: string;
  readonly cloud: Cloud;
  /** May import its cloud SDK lazily, so a cold start pays only for what runs. */
  create(environment: CollectorEnvironment): Promise<Collector | null>;
}
