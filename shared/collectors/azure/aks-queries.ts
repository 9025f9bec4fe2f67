/**
 * The Resource Graph queries of the AKS collector: one per resource type, each run once across every
 * subscription in scope (the subscriptions travel in the request, never in the text). They stay in
 * mainstream KQL (where, extend, project, tostring, coalesce, =~, in~, order by) and keep
 * `id` in the output, ordered by it, so Resource Graph can page them with skipTokens without
 * dropping or repeating rows. `test/collectors/aks-queries.test.ts` binds each against the documented
 * Resource Graph schema with the official Kusto parser.
 */

/**
 * Every AKS cluster. Strings are projected typed (booleans stay dynamic, so an unset flag reads as
 * absent, not false); the nested profiles stay in their REST shape
 * (`properties.enableRBAC`, not the SDK's `enableRbac`) for the mapper, which reads add-on keys in
 * any casing (Resource Graph property access is case-sensitive, so the query does not try).
 */
export const MANAGED_CLUSTERS_QUERY = `resources
| where type =~ 'microsoft.containerservice/managedclusters'
| extend p = properties
| project id, name, subscriptionId, resourceGroup, location, tags,
    kubernetesVersion = tostring(coalesce(p.currentKubernetesVersion, p.kubernetesVersion)),
    powerState = tostring(p.powerState.code),
    fqdn = tostring(p.fqdn),
    privateFqdn = tostring(p.privateFQDN),
    publicNetworkAccess = tostring(p.publicNetworkAccess),
    enableRBAC = p.enableRBAC,
    disableLocalAccounts = p.disableLocalAccounts,
    nodeResourceGroup = tostring(p.nodeResourceGroup),
    apiServerAccessProfile = p.apiServerAccessProfile,
    aadProfile = p.aadProfile,
    networkProfile = p.networkProfile,
    addonProfiles = p.addonProfiles,
    agentPoolProfiles = p.agentPoolProfiles
| order by id asc`;

/**
 * Public IPs that cloud-provider-azure tagged for Services: `k8s-azure-service` (a comma list of
 * namespace/name), or the legacy `service` tag on IPs created before the 2021 rename. An IP whose
 * tag is still empty serves no Service yet. The cluster's managed outbound IP carries neither tag.
 */
export const SERVICE_PUBLIC_IPS_QUERY = `resources
| where type =~ 'microsoft.network/publicipaddresses'
| extend serviceTag = tostring(tags['k8s-azure-service']), legacyServiceTag = tostring(tags['service'])
| where serviceTag != '' or legacyServiceTag != ''
| project id, name, subscriptionId, resourceGroup, location, serviceTag, legacyServiceTag,
    clusterNameTag = coalesce(tostring(tags['k8s-azure-cluster-name']), tostring(tags['kubernetes-cluster-name'])),
    ipAddress = tostring(properties.ipAddress),
    ipConfigurationId = tostring(properties.ipConfiguration.id)
| order by id asc`;

/**
 * The load balancers cloud-provider-azure manages on AKS (`kubernetes` for public Services and
 * outbound traffic, `kubernetes-internal` for internal ones): frontends and rules give the ports.
 */
export const CLUSTER_LOAD_BALANCERS_QUERY = `resources
| where type =~ 'microsoft.network/loadbalancers'
| where name in~ ('kubernetes', 'kubernetes-internal')
| project id, name, subscriptionId, resourceGroup, location,
    frontendIPConfigurations = properties.frontendIPConfigurations,
    loadBalancingRules = properties.loadBalancingRules
| order by id asc`;

/**
 * Network security groups with their rules; the mapper reads the `k8s-azure-lb_allow_*` rules the
 * provider writes for `loadBalancerSourceRanges` (a BYO subnet NSG may sit outside the node group).
 */
export const NETWORK_SECURITY_GROUPS_QUERY = `resources
| where type =~ 'microsoft.network/networksecuritygroups'
| project id, name, subscriptionId, resourceGroup, location, securityRules = properties.securityRules
| order by id asc`;
