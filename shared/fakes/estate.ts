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

/** ARM wire shape of any other resource (public IPs, load balancers, NSGs, noise): Resource Graph serves it. */
const armResourceWire = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  location: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({}).default({}),
});

/** Effective permissions of the audit identity at subscription scope (Permissions - List). */
const permissions = z.object({
  actions: z.array(z.string()),
  notActions: z.array(z.string()).default([]),
});

const subscription = z.object({
  subscriptionId: z.string(),
  displayName: z.string(),
  state: z.string().default("Enabled"),
  /** The identity has no role here: ARM answers 403 and Resource Graph silently leaves it out. */
  denied: z.boolean().default(false),
  /** The identity's actions here; Reader's read-everything action unless said. Resource Graph hides what they do not allow. */
  permissions: permissions.default({ actions: ["*/read"], notActions: [] }),
  /** ARM answers this many 429s (Retry-After) to this subscription's first requests. */
  throttle: z.number().int().min(0).default(0),
  managedClusters: z.array(managedClusterWire).default([]),
  /** Every other resource of the subscription, as Resource Graph rows are built from them. */
  resources: z.array(armResourceWire).default([]),
});

const resourceGraph = z.object({
  /** Resource Graph answers this many 429s (Retry-After) to the first queries. */
  throttle: z.number().int().min(0).default(0),
});

export const estateSchema = z.object({
  description: z.string(),
  tenantId: z.string(),
  azure: z.object({ subscriptions: z.array(subscription), resourceGraph: resourceGraph.default({ throttle: 0 }) }),
  /** AWS accounts and regions (EKS, load balancers, security groups), served by the AWS fake. */
  aws: eksEstateSchema.optional(),
  /** The regions the demo audits (AUDIT_AWS_REGIONS). */
  awsRegions: z.array(z.string()).default([]),
  /** The roles the demo assumes, one per account (AUDIT_AWS_ROLE_ARNS); empty: the ambient account only. */
  awsRoleArns: z.array(z.string()).default([]),
});

export type Estate = z.infer<typeof estateSchema>;
export type EstateSubscription = z.infer<typeof subscription>;
export type ArmResourceWire = z.infer<typeof armResourceWire>;

export async function loadEstate(path: string): Promise<Estate> {
  return estateSchema.parse(JSON.parse(await readFile(path, "utf8")));
}
