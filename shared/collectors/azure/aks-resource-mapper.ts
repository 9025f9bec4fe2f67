import type { ClusterRecord } from "../../model/inventory.js";
import {
  type AddonFields,
  type AgentPoolFields,
  type AksCluster,
  apiServerOf,
  fallbackClusterId,
  mapAddons,
  mapPool,
  workspaceIdOf,
} from "./aks-mapper.js";
import { asArray, asBoolean, asNumber, asRecord, asString, asStringMap, type JsonRecord } from "./json-fields.js";

/**
 * Pure mappers from the REST/Resource Graph JSON shape of a managed cluster (a row of
 * MANAGED_CLUSTERS_QUERY) to the model. The REST names differ from the SDK's flattened ones
 * (`enableRBAC`, `privateFQDN`, `aadProfile.enableAzureRBAC`); everything read here is total.
 */

function agentPool(value: unknown): AgentPoolFields {
  const pool = asRecord(value) ?? {};
  const fields: Record<string, unknown> = {
    name: asString(pool.name),
    count: asNumber(pool.count),
    vmSize: asString(pool.vmSize),
    enableAutoScaling: asBoolean(pool.enableAutoScaling),
    minCount: asNumber(pool.minCount),
    maxCount: asNumber(pool.maxCount),
    enableNodePublicIP: asBoolean(pool.enableNodePublicIP),
    scaleSetPriority: asString(pool.scaleSetPriority),
    nodeLabels: asStringMap(pool.nodeLabels),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AgentPoolFields;
}

function addonProfiles(value: unknown): Record<string, AddonFields> {
  const out: Record<string, AddonFields> = {};
  for (const [name, profile] of Object.entries(asRecord(value) ?? {})) {
    const record = asRecord(profile) ?? {};
    out[name] = { enabled: asBoolean(record.enabled) === true, config: asStringMap(record.config) };
  }
  return out;
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

/** ARM IDs of the managed outbound IPs; Resource Graph and REST share the field names. */
export const outboundIpIdsOf = (networkProfile: JsonRecord | undefined): string[] =>
  asArray(asRecord(networkProfile?.loadBalancerProfile)?.effectiveOutboundIPs).flatMap((ref) => {
    const id = asString(asRecord(ref)?.id);
    return id ? [id] : [];
  });

/** One row of MANAGED_CLUSTERS_QUERY to the record and its outbound IPs. */
export function mapClusterResource(row: JsonRecord): AksCluster {
  const subscriptionId = (asString(row.subscriptionId) ?? "").toLowerCase();
  const name = asString(row.name) ?? "";
  const access = asRecord(row.apiServerAccessProfile) ?? {};
  const network = asRecord(row.networkProfile);
  const aad = asRecord(row.aadProfile);
  const addons = addonProfiles(row.addonProfiles);
  const disableLocalAccounts = asBoolean(row.disableLocalAccounts);
  const ranges = asArray(access.authorizedIPRanges).filter((r): r is string => typeof r === "string");
  const record: ClusterRecord = {
    cloud: "azure",
    scope: subscriptionId,
    region: asString(row.location) ?? "",
    id: asString(row.id) ?? fallbackClusterId(subscriptionId, name),
    name,
    kubernetesVersion: asString(row.kubernetesVersion) ?? null,
    powerState: asString(row.powerState) ?? null,
    apiServer: apiServerOf({
      ...optional("enablePrivateCluster", asBoolean(access.enablePrivateCluster)),
      ...(ranges.length > 0 ? { authorizedIPRanges: ranges } : {}),
      ...optional("publicNetworkAccess", asString(row.publicNetworkAccess)),
      ...optional("fqdn", asString(row.fqdn)),
      ...optional("privateFqdn", asString(row.privateFqdn)),
    }),
    nodePools: asArray(row.agentPoolProfiles).map((pool) => mapPool(agentPool(pool))),
    addons: mapAddons(addons),
    rbacEnabled: asBoolean(row.enableRBAC) ?? null,
    localAccountsEnabled: disableLocalAccounts === undefined ? null : !disableLocalAccounts,
    logAnalyticsWorkspaceId: workspaceIdOf(addons),
    nodeResourceGroup: asString(row.nodeResourceGroup) ?? null,
    network: network
      ? {
          loadBalancerSku: asString(network.loadBalancerSku) ?? null,
          outboundType: asString(network.outboundType) ?? null,
          networkPlugin: asString(network.networkPlugin) ?? null,
          networkPolicy: asString(network.networkPolicy) ?? null,
        }
      : null,
    identityProfile: aad
      ? { aadManaged: asBoolean(aad.managed) ?? null, azureRbac: asBoolean(aad.enableAzureRBAC) ?? null }
      : null,
    tags: asStringMap(row.tags),
  };
  return { record, outboundIpIds: outboundIpIdsOf(network) };
}
