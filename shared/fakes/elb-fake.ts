/**
 * @module
 * ELBv2 (`Version=2015-12-01`), classic ELB (`2012-06-01`) and EC2 `DescribeSecurityGroups`
 * (`2016-11-15`) in wire format, for the AWS loopback fake. Requests are form-encoded queries;
 * ELB answers awsQuery XML (`<XxxResult>` wrapper, `<member>` items), EC2 answers ec2Query XML
 * (no wrapper, `<item>` lists, lower-camel names). The account and region come from the caller.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { el, listParam, members, queryError, queryResult, type Reply, xml, xmlEscape } from "./aws-wire.js";

const tags = z.record(z.string(), z.string()).default({});

/** An ALB, NLB or gateway LB as ELBv2 DescribeLoadBalancers describes it, with its tags. */
const elbv2LoadBalancer = z.object({
  name: z.string(),
  type: z.enum(["application", "network", "gateway"]).default("network"),
  scheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
  dnsName: z.string().optional(),
  /** Empty for an NLB created without security groups. */
  securityGroups: z.array(z.string()).default([]),
  tags,
  createdTime: z.iso.datetime({ offset: true }).default("2026-03-02T09:00:00Z"),
  vpcId: z.string().default("vpc-0fake"),
});

const classicListener = z.object({
  protocol: z.string().default("TCP"),
  port: z.number().int(),
  instanceProtocol: z.string().optional(),
  instancePort: z.number().int().optional(),
});

/** A classic ELB as DescribeLoadBalancers (2012-06-01) describes it, with its listeners and tags. */
const classicLoadBalancer = z.object({
  name: z.string(),
  scheme: z.enum(["internet-facing", "internal"]).default("internet-facing"),
  dnsName: z.string().optional(),
  securityGroups: z.array(z.string()).default([]),
  listeners: z.array(classicListener).default([]),
  tags,
  createdTime: z.iso.datetime({ offset: true }).default("2026-03-02T09:00:00Z"),
  vpcId: z.string().default("vpc-0fake"),
});

const ingressRule = z.object({
  /** `tcp`, `udp`, `icmp` or `-1` (all). */
  protocol: z.string().default("tcp"),
  fromPort: z.number().int().optional(),
  toPort: z.number().int().optional(),
  cidrs: z.array(z.string()).default([]),
  ipv6Cidrs: z.array(z.string()).default([]),
  /** Other security groups allowed in (UserIdGroupPairs). */
  sourceGroups: z.array(z.string()).default([]),
});

const securityGroup = z.object({
  groupId: z.string(),
  groupName: z.string().optional(),
  description: z.string().default("fake security group"),
  vpcId: z.string().default("vpc-0fake"),
  tags,
  ingress: z.array(ingressRule).default([]),
});

/** The load-balancer side of one account-region, merged into the EKS fake's region schema. */
export const loadBalancerRegionFields = {
  loadBalancers: z.array(elbv2LoadBalancer).default([]),
  classicLoadBalancers: z.array(classicLoadBalancer).default([]),
  securityGroups: z.array(securityGroup).default([]),
  /** The first N requests of each service (ELBv2, classic ELB, EC2) in this account and region answer Throttling (RequestLimitExceeded on EC2). */
  elbThrottle: z.number().int().min(0).default(0),
  /** ELBv2 DescribeLoadBalancers answers Throttling, every time, for this page (1-based) onwards. */
  loadBalancerListingFailsAtPage: z.number().int().min(1).optional(),
  /** ELB (both versions) answers AccessDenied. */
  elbDenied: z.boolean().default(false),
  /** EC2 answers UnauthorizedOperation. */
  ec2Denied: z.boolean().default(false),
};

export interface LoadBalancerRegion {
  readonly loadBalancers: readonly z.output<typeof elbv2LoadBalancer>[];
  readonly classicLoadBalancers: readonly z.output<typeof classicLoadBalancer>[];
  readonly securityGroups: readonly z.output<typeof securityGroup>[];
  readonly elbThrottle: number;
  readonly loadBalancerListingFailsAtPage?: number | undefined;
  readonly elbDenied: boolean;
  readonly ec2Denied: boolean;
}

export type LoadBalancerService = "elbv2" | "elb" | "ec2";

export const ELBV2_VERSION = "2015-12-01";
export const ELB_VERSION = "2012-06-01";
export const EC2_VERSION = "2016-11-15";
const ELBV2_NS = `http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`;
const ELB_NS = `http://elasticloadbalancing.amazonaws.com/doc/${ELB_VERSION}/`;
const EC2_NS = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;
/** DescribeTags takes at most 20 ARNs (v2) or names (classic). */
export const MAX_TAG_RESOURCES = 20;

export interface LoadBalancerRequest {
  readonly form: URLSearchParams;
  readonly accountId: string;
  readonly region: string;
  readonly callerArn: string;
  readonly state: LoadBalancerRegion;
  /** Upper bound on items per page whatever PageSize asks for. */
  readonly pageSize: number;
  /** Counts the throttled answers already given per account, region and service. */
  readonly throttled: Map<string, number>;
}

/** The service a signed form request is for: ELB by its API version, EC2 by its signing name. */
export function loadBalancerServiceOf(signedService: string, form: URLSearchParams): LoadBalancerService | null {
  if (signedService === "ec2") return "ec2";
  if (signedService !== "elasticloadbalancing") return null;
  const version = form.get("Version");
  if (version === ELBV2_VERSION) return "elbv2";
  if (version === ELB_VERSION) return "elb";
  return null;
}

const shortHash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

export function elbv2Arn(accountId: string, region: string, lb: { name: string; type: string }): string {
  const kind = lb.type === "application" ? "app" : lb.type === "gateway" ? "gwy" : "net";
  return `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/${kind}/${lb.name}/${shortHash(`${accountId}/${region}/${lb.name}`)}`;
}

function elbv2DnsName(accountId: string, region: string, lb: z.output<typeof elbv2LoadBalancer>): string {
  if (lb.dnsName) return lb.dnsName;
  const prefix = lb.scheme === "internal" && lb.type === "application" ? "internal-" : "";
  return lb.type === "application"
    ? `${prefix}${lb.name}-${parseInt(shortHash(`${accountId}${lb.name}`).slice(0, 8), 16)}.${region}.elb.amazonaws.com`
    : `${lb.name}-${shortHash(`${accountId}${lb.name}`)}.elb.${region}.amazonaws.com`;
}

function classicDnsName(accountId: string, region: string, lb: z.output<typeof classicLoadBalancer>): string {
  if (lb.dnsName) return lb.dnsName;
  const prefix = lb.scheme === "internal" ? "internal-" : "";
  return `${prefix}${lb.name}-${parseInt(shortHash(`${accountId}${lb.name}`).slice(0, 8), 16)}.${region}.elb.amazonaws.com`;
}

const tagXml = (values: Readonly<Record<string, string>>): string =>
  members(Object.entries(values).map(([k, v]) => `${el("Key", k)}${el("Value", v)}`));

/** Marker paging over a list: the marker is the offset of the next item. */
function page<T>(
  items: readonly T[],
  form: URLSearchParams,
  limit: number,
  ns: string,
): { items: readonly T[]; next: string | null; pageNumber: number } | Reply {
  const asked = form.get("PageSize");
  const size = asked === null ? 400 : Number(asked);
  if (!Number.isInteger(size) || size < 1 || size > 400)
    return queryError(ns, 400, "ValidationError", "PageSize must be between 1 and 400");
  const marker = form.get("Marker");
  const offset = marker === null ? 0 : Number(marker);
  if (!Number.isInteger(offset) || offset < 0 || offset > items.length)
    return queryError(ns, 400, "ValidationError", "Invalid Marker");
  const take = Math.min(size, limit);
  const next = offset + take < items.length ? String(offset + take) : null;
  return { items: items.slice(offset, offset + take), next, pageNumber: Math.floor(offset / take) + 1 };
}

const tooManyTags = (ns: string, field: string, count: number): Reply =>
  queryError(
    ns,
    400,
    "ValidationError",
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAG_RESOURCES} (got ${count})`,
  );

function handleElbv2(request: LoadBalancerRequest, action: string): Reply {
  const { form, accountId, region, state } = request;
  if (action === "DescribeLoadBalancers") {
    const result = page(state.loadBalancers, form, request.pageSize, ELBV2_NS);
    if ("status" in result) return result;
    if (state.loadBalancerListingFailsAtPage !== undefined && result.pageNumber >= state.loadBalancerListingFailsAtPage)
      return queryError(ELBV2_NS, 400, "Throttling", "Rate exceeded");
    const body = members(
      result.items.map(
        (lb) =>
          el("LoadBalancerArn", elbv2Arn(accountId, region, lb)) +
          el("DNSName", elbv2DnsName(accountId, region, lb)) +
          el("CanonicalHostedZoneId", "Z26RNL4JYFTOTI") +
          el("CreatedTime", lb.createdTime) +
          el("LoadBalancerName", lb.name) +
          el("Scheme", lb.scheme) +
          el("VpcId", lb.vpcId) +
          `<State>${el("Code", "active")}</State>` +
          el("Type", lb.type) +
          `<AvailabilityZones>${members([`${el("ZoneName", `${region}a`)}${el("SubnetId", "subnet-0fake")}`])}</AvailabilityZones>` +
          (lb.securityGroups.length > 0
            ? `<SecurityGroups>${members(lb.securityGroups.map(xmlEscape))}</SecurityGroups>`
            : "") +
          el("IpAddressType", "ipv4"),
      ),
    );
    return queryResult(
      ELBV2_NS,
      action,
      `<LoadBalancers>${body}</LoadBalancers>${result.next === null ? "" : el("NextMarker", result.next)}`,
    );
  }
  if (action === "DescribeTags") {
    const arns = listParam(form, "ResourceArns.member");
    if (arns.length === 0) return queryError(ELBV2_NS, 400, "ValidationError", "ResourceArns is required");
    if (arns.length > MAX_TAG_RESOURCES) return tooManyTags(ELBV2_NS, "resourceArns", arns.length);
    const byArn = new Map(state.loadBalancers.map((lb) => [elbv2Arn(accountId, region, lb), lb]));
    const missing = arns.find((arn) => !byArn.has(arn));
    if (missing !== undefined)
      return queryError(ELBV2_NS, 400, "LoadBalancerNotFound", `Load balancers '[${missing}]' not found`);
    const body = members(
      arns.map((arn) => `${el("ResourceArn", arn)}<Tags>${tagXml(byArn.get(arn)?.tags ?? {})}</Tags>`),
    );
    return queryResult(ELBV2_NS, action, `<TagDescriptions>${body}</TagDescriptions>`);
  }
  return queryError(ELBV2_NS, 400, "InvalidAction", `The action ${action} is not valid for this web service.`);
}

function handleClassic(request: LoadBalancerRequest, action: string): Reply {
  const { form, accountId, region, state } = request;
  if (action === "DescribeLoadBalancers") {
    const result = page(state.classicLoadBalancers, form, request.pageSize, ELB_NS);
    if ("status" in result) return result;
    const body = members(
      result.items.map(
        (lb) =>
          el("LoadBalancerName", lb.name) +
          el("DNSName", classicDnsName(accountId, region, lb)) +
          el("CanonicalHostedZoneNameID", "Z35SXDOTRQ7X7K") +
          `<ListenerDescriptions>${members(
            lb.listeners.map(
              (l) =>
                `<Listener>${el("Protocol", l.protocol)}${el("LoadBalancerPort", l.port)}` +
                `${el("InstanceProtocol", l.instanceProtocol ?? l.protocol)}${el("InstancePort", l.instancePort ?? 30000 + l.port)}</Listener>` +
                "<PolicyNames/>",
            ),
          )}</ListenerDescriptions>` +
          `<AvailabilityZones>${members([xmlEscape(`${region}a`)])}</AvailabilityZones>` +
          `<Subnets>${members(["subnet-0fake"])}</Subnets>` +
          el("VPCId", lb.vpcId) +
          `<Instances/>` +
          `<SecurityGroups>${members(lb.securityGroups.map(xmlEscape))}</SecurityGroups>` +
          el("CreatedTime", lb.createdTime) +
          el("Scheme", lb.scheme),
      ),
    );
    return queryResult(
      ELB_NS,
      action,
      `<LoadBalancerDescriptions>${body}</LoadBalancerDescriptions>${result.next === null ? "" : el("NextMarker", result.next)}`,
    );
  }
  if (action === "DescribeTags") {
    const names = listParam(form, "LoadBalancerNames.member");
    if (names.length === 0) return queryError(ELB_NS, 400, "ValidationError", "LoadBalancerNames is required");
    if (names.length > MAX_TAG_RESOURCES) return tooManyTags(ELB_NS, "loadBalancerNames", names.length);
    const byName = new Map(state.classicLoadBalancers.map((lb) => [lb.name, lb]));
    const missing = names.find((name) => !byName.has(name));
    if (missing !== undefined)
      return queryError(ELB_NS, 400, "LoadBalancerNotFound", `There is no ACTIVE Load Balancer named '${missing}'`);
    const body = members(
      names.map((name) => `${el("LoadBalancerName", name)}<Tags>${tagXml(byName.get(name)?.tags ?? {})}</Tags>`),
    );
    return queryResult(ELB_NS, action, `<TagDescriptions>${body}</TagDescriptions>`);
  }
  return queryError(ELB_NS, 400, "InvalidAction", `The action ${action} is not valid for this web service.`);
}

/** ec2Query errors: `<Response><Errors><Error>`. */
const ec2Error = (status: number, code: string, message: string): Reply =>
  xml(
    status,
    `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>${el("Code", code)}${el("Message", message)}</Error></Errors>` +
      "<RequestID>fake-request</RequestID></Response>",
  );

const items = (list: readonly string[]): string => list.map((i) => `<item>${i}</item>`).join("");

function handleEc2(request: LoadBalancerRequest, action: string): Reply {
  const { form, accountId, state } = request;
  if (action !== "DescribeSecurityGroups")
    return ec2Error(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
  if (form.has("MaxResults") && listParam(form, "GroupId").length > 0)
    return ec2Error(
      400,
      "InvalidParameterCombination",
      "The parameter groupIds cannot be used with the parameter maxResults",
    );
  const ids = listParam(form, "GroupId");
  const byId = new Map(state.securityGroups.map((g) => [g.groupId, g]));
  const missing = ids.find((id) => !byId.has(id));
  if (missing !== undefined)
    return ec2Error(400, "InvalidGroup.NotFound", `The security group '${missing}' does not exist`);
  const groups = ids.length > 0 ? ids.map((id) => byId.get(id)).filter((g) => g !== undefined) : state.securityGroups;
  const body = items(
    groups.map(
      (g) =>
        el("ownerId", accountId) +
        el("groupId", g.groupId) +
        el("groupName", g.groupName ?? g.groupId) +
        el("groupDescription", g.description) +
        el("vpcId", g.vpcId) +
        `<ipPermissions>${items(
          g.ingress.map(
            (rule) =>
              el("ipProtocol", rule.protocol) +
              el("fromPort", rule.fromPort) +
              el("toPort", rule.toPort) +
              `<groups>${items(rule.sourceGroups.map((sg) => `${el("userId", accountId)}${el("groupId", sg)}`))}</groups>` +
              `<ipRanges>${items(rule.cidrs.map((c) => el("cidrIp", c)))}</ipRanges>` +
              `<ipv6Ranges>${items(rule.ipv6Cidrs.map((c) => el("cidrIpv6", c)))}</ipv6Ranges>` +
              "<prefixListIds/>",
          ),
        )}</ipPermissions>` +
        `<ipPermissionsEgress>${items([
          `${el("ipProtocol", "-1")}<groups/><ipRanges>${items([el("cidrIp", "0.0.0.0/0")])}</ipRanges><ipv6Ranges/><prefixListIds/>`,
        ])}</ipPermissionsEgress>` +
        `<tagSet>${items(Object.entries(g.tags).map(([k, v]) => `${el("key", k)}${el("value", v)}`))}</tagSet>`,
    ),
  );
  return xml(
    200,
    `<?xml version="1.0" encoding="UTF-8"?><DescribeSecurityGroupsResponse xmlns="${EC2_NS}">` +
      `<requestId>fake-request</requestId><securityGroupInfo>${body}</securityGroupInfo></DescribeSecurityGroupsResponse>`,
  );
}

/** Serves one signed ELB or EC2 request for a caller already authenticated to `accountId`. */
export function handleLoadBalancerRequest(service: LoadBalancerService, request: LoadBalancerRequest): Reply {
  const action = request.form.get("Action") ?? "";
  const { state, accountId, region, callerArn } = request;
  const ns = service === "elbv2" ? ELBV2_NS : ELB_NS;
  // ELBv1, ELBv2 and EC2 have separate token buckets, so each service is throttled on its own.
  const key = `${accountId}/${region}/${service}`;
  const served = request.throttled.get(key) ?? 0;
  if (served < state.elbThrottle) {
    request.throttled.set(key, served + 1);
    return service === "ec2"
      ? ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.")
      : queryError(ns, 400, "Throttling", "Rate exceeded");
  }
  if (service === "ec2") {
    if (state.ec2Denied)
      return ec2Error(
        403,
        "UnauthorizedOperation",
        `You are not authorized to perform this operation. User: ${callerArn}`,
      );
    return handleEc2(request, action);
  }
  if (state.elbDenied)
    return queryError(
      ns,
      403,
      "AccessDenied",
      `User: ${callerArn} is not authorized to perform: elasticloadbalancing:${action} because no identity-based policy allows the elasticloadbalancing:${action} action`,
    );
  return service === "elbv2" ? handleElbv2(request, action) : handleClassic(request, action);
}
