/**
 * @module
 * The AWS accounts a sweep audits, from settings alone. SDK-free, so the fan-out planner (loaded with
 * the function's module) can name account-regions without loading the AWS SDK at cold start.
 */

/** One AWS account to audit: a role to assume, or whatever credentials the environment holds. */
export type AwsAccountTarget =
  | { readonly kind: "role"; readonly roleArn: string; readonly accountId: string }
  | { readonly kind: "ambient" };

const ROLE_ARN_ACCOUNT = /^arn:aws[\w-]*:iam::(\d{12}):role\//;
export const AMBIENT_KEY = "ambient";

/** One target per role ARN (deduplicated), or a single ambient target when there are none. */
export function awsAccountTargets(roleArns: readonly string[]): AwsAccountTarget[] {
  if (roleArns.length === 0) return [{ kind: "ambient" }];
  const targets: AwsAccountTarget[] = [];
  for (const roleArn of new Set(roleArns.map((arn) => arn.trim()).filter(Boolean))) {
    const accountId = ROLE_ARN_ACCOUNT.exec(roleArn)?.[1];
    if (accountId === undefined) throw new TypeError(`not an IAM role ARN: ${roleArn.slice(0, 120)}`);
    targets.push({ kind: "role", roleArn, accountId });
  }
  return targets;
}

export const targetKey = (target: AwsAccountTarget): string => (target.kind === "role" ? target.roleArn : AMBIENT_KEY);
