/**
 * @module
 * AWS errors as collection gaps, shared by the AWS collectors: access denied, throttling
 * past retries, a region the account has not enabled (informational), an unreachable endpoint.
 */
import { codeOf, describeError, statusOf } from "../../errors.js";
import type { DataSource } from "../../model/coverage.js";
import type { CollectionGap } from "../../model/inventory.js";
import { isOptInRegion } from "./partitions.js";

/** Scope of an account-level gap for ambient credentials whose account never resolved. */
export const AMBIENT_SCOPE = "ambient";

/** What AWS answers in a region the account has not enabled (or whose token it does not accept). */
const REGION_REJECTS_TOKEN_CODES = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "AuthFailure",
  "OptInRequired",
]);
const INVALID_TOKEN_MESSAGE = /security token included in the request is invalid/i;
const UNREACHABLE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "TimeoutError",
]);
const ACCESS_DENIED_CODES = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"]);
const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
]);

export function isUnreachable(error: unknown): boolean {
  return UNREACHABLE_CODES.has(codeOf(error) ?? "");
}

function isTokenRejection(error: unknown): boolean {
  if (REGION_REJECTS_TOKEN_CODES.has(codeOf(error) ?? "")) return true;
  return error instanceof Error && INVALID_TOKEN_MESSAGE.test(error.message);
}

function isAccessDenied(error: unknown): boolean {
  const status = statusOf(error);
  return status === 401 || status === 403 || ACCESS_DENIED_CODES.has(codeOf(error) ?? "");
}

function isThrottled(error: unknown): boolean {
  return statusOf(error) === 429 || THROTTLING_CODES.has(codeOf(error) ?? "");
}

/** STS could not be reached or answered like a missing service, as opposed to rejecting the credentials. */
export function stsUnavailable(error: unknown): boolean {
  const status = statusOf(error);
  return isUnreachable(error) || status === 404 || (status !== undefined && status >= 500);
}

function reasonFor(error: unknown, region: string | null): string {
  const described = describeError(error);
  if (region !== null && (isUnreachable(error) || isTokenRejection(error))) {
    // Credentials were already proven (STS) before any regional call, so a token the
    // region rejects means the region is not enabled for the account.
    const hint = isUnreachable(error)
      ? `${region} could not be reached (no endpoint there, or the network blocks it)`
      : isOptInRegion(region)
        ? `${region} is an opt-in region; enable it for this account or remove it from AUDIT_AWS_REGIONS`
        : `${region} rejected credentials that STS accepted`;
    return `region not enabled or not reachable: ${hint} (${described})`;
  }
  if (isAccessDenied(error)) return `access denied (${described})`;
  if (isThrottled(error)) return `throttled past the SDK's retries (${described})`;
  return described;
}

export interface GapPlace {
  readonly scope: string;
  readonly region: string | null;
  readonly clusterName?: string;
  readonly clusterId?: string;
  /** The data the gap withholds; omitted means everything in its place (the cluster listing). */
  readonly source?: DataSource;
}

export function awsGap(place: GapPlace, operation: string, error: unknown): CollectionGap {
  const status = statusOf(error);
  // A region the account has not enabled is expected configuration, not an alarm.
  const expected = place.region !== null && isTokenRejection(error) && isOptInRegion(place.region);
  return {
    ...(expected ? { severity: "info" as const } : {}),
    ...(place.source ? { source: place.source } : {}),
    cloud: "aws",
    scope: place.scope,
    region: place.region,
    clusterId: place.clusterId ?? null,
    clusterName: place.clusterName ?? null,
    operation,
    reason: reasonFor(error, place.region),
    code: codeOf(error) ?? (status === undefined ? null : String(status)),
  };
}

const gapOrder = (g: CollectionGap): string =>
  [g.scope, g.region ?? "", g.clusterName ?? "", g.operation].join("\u0000");

/** Completion order varies run to run; reports read better in a stable order. */
export const sortGaps = (gaps: CollectionGap[]): CollectionGap[] =>
  gaps.sort((a, b) => gapOrder(a).localeCompare(gapOrder(b)));
