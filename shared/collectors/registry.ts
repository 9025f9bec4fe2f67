import type { TokenCredential } from "@azure/core-auth";
import type { Settings } from "../config/settings.js";
import type { Collector } from "../engine/ports.js";
import type { Cloud } from "../model/cluster.js";
import type { AwsClientOverrides } from "./aws/aws-sdk.js";

/** Test and demo harnesses shorten retries; production keeps the SDK defaults. */
export interface ClientTuning {
  readonly armRetry?: {
    readonly maxRetries?: number;
    readonly retryDelayInMs?: number;
    readonly maxRetryDelayInMs?: number;
  };
  readonly awsClientOverrides?: AwsClientOverrides;
}

/** What the composition root hands every collector factory: settings and the shared credentials. */
export interface CollectorEnvironment {
  readonly settings: Settings;
  /** The one Azure credential of the run, with its token cache. */
  readonly azureCredential: () => TokenCredential;
  readonly tuning: ClientTuning;
}

/** One line in `collectors/index.ts`: builds its collector, or returns null when settings leave it off. */
export interface CollectorRegistration {
  readonly id: string;
  readonly cloud: Cloud;
  /** May import its cloud SDK lazily, so a cold start pays only for what runs. */
  create(environment: CollectorEnvironment): Promise<Collector | null>;
}
