import { readFile } from "node:fs/promises";
import { z } from "zod";
import { eksEstateSchema } from "./eks-fake.js";

/** ARM wire shape of a managed cluster: the fake serves it verbatim (the SDK flattens it). */
const managedClusterWire = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  location: z.string(),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({}),
});

const subscription = z.object({
  subscriptionId: z.string(),
  displayName: z.string(),
  state: z.string().default("Enabled"),
  /** The identity has no Reader here: the fake answers 403. */
  denied: z.boolean().default(false),
  /** The fake answers this many 429s (Retry-After) before serving the cluster list. */
  throttle: z.number().int().min(0).default(0),
  managedClusters: z.array(managedClusterWire).default([]),
});

export const estateSchema = z.object({
  description: z.string(),
  tenantId: z.string(),
  azure: z.object({ subscriptions: z.array(subscription) }),
  /** AWS accounts and regions (EKS, load balancers, security groups), served by the AWS fake. */
  aws: eksEstateSchema.optional(),
  /** The regions the demo audits (AUDIT_AWS_REGIONS). */
  awsRegions: z.array(z.string()).default([]),
  /** The roles the demo assumes, one per account (AUDIT_AWS_ROLE_ARNS); empty: the ambient account only. */
  awsRoleArns: z.array(z.string()).default([]),
});

export type Estate = z.infer<typeof estateSchema>;
export type EstateSubscription = z.infer<typeof subscription>;

export async function loadEstate(path: string): Promise<Estate> {
  return estateSchema.parse(JSON.parse(await readFile(path, "utf8")));
}
