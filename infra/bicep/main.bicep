metadata name = 'cluster-audit-functions'
metadata description = 'Deploys the read-only AKS and EKS cluster audit: a Node.js 22 function app on Flex Consumption with a user-assigned identity, identity-only storage with the findings tables and the fan-out queues, Key Vault for the webhook URLs, Application Insights with a heartbeat alert that tells on-call when no run succeeds, and Reader plus Log Analytics Reader on the audited subscriptions.'
metadata owner = 'cluster-audit-functions maintainers'

targetScope = 'resourceGroup'

// ============== //
//   Parameters   //
// ============== //

// ---- Standard inputs ----

@description('Required. Short prefix of every resource name: 2 to 10 lowercase letters or digits, starting with a letter (for example "caudit"). A suffix derived from the subscription, resource group, prefix and location keeps the names unique.')
@minLength(2)
@maxLength(10)
param namePrefix string

@description('Optional. Azure region of every resource. Defaults to the location of the resource group. The region must offer the Flex Consumption plan.')
param location string = resourceGroup().location

@description('Optional. Tags applied to every resource. The function app also gets "azd-service-name: api" so that azd can find it.')
param tags object = {}

// ---- Hosting ----

@description('Optional. Maximum number of instances the Flex Consumption app may scale out to. The timer runs on one instance; the queue-triggered auditScopeWorker scales out over the scope queue up to this ceiling, which also bounds the concurrent calls to the audited clouds.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---- Storage ----

@description('Optional. Replication SKU of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Optional. Name of the blob container that holds the Flex Consumption deployment package.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string = 'app-package'

@description('Optional. Name of the findings table. Also the value of AUDIT_FINDINGS_TABLE.')
@minLength(3)
@maxLength(63)
param findingsTableName string = 'findings'

@description('Optional. Name of the GPU anomaly table. Also the value of AUDIT_GPU_TABLE.')
@minLength(3)
@maxLength(63)
param gpuTableName string = 'gpuanomalies'

@description('Optional. Name of the run history table (one row per run). Also the value of AUDIT_RUNS_TABLE.')
@minLength(3)
@maxLength(63)
param runsTableName string = 'auditruns'

@description('Optional. Name of the table that keeps the history of EKS GPU node-group sizes. Also the value of AUDIT_GPU_HISTORY_TABLE.')
@minLength(3)
@maxLength(63)
param gpuHistoryTableName string = 'gpuhistory'

@description('Optional. Name of the table for mutelist entries. Also the value of AUDIT_MUTES_TABLE.')
@minLength(3)
@maxLength(63)
param mutesTableName string = 'auditmutes'

@description('Optional. AUDIT_MUTELIST: an https URL (for example a blob in the audit storage account, read with the managed identity) of a YAML or JSON mutelist. Empty = only the mutes table.')
param mutelistUrl string = ''

@description('Optional. AUDIT_FANOUT_MIN_SCOPES: fan the sweep out over the scope queue when it has at least this many scopes. 0 = always in-process.')
@minValue(0)
param fanOutMinScopes int = 50

@description('Optional. AUDIT_QUEUE_NAME: name of the scope queue of the fan-out, 3 to 56 lowercase letters, digits and single hyphens. The queue and its poison queue <name>-poison (where the queue trigger moves a message after maxDequeueCount failed attempts) are created in the storage account.')
@minLength(3)
@maxLength(56)
param scopeQueueName string = 'audit-scopes'

@description('Optional. AUDIT_FANOUT_DEADLINE_MINUTES: how long the finishing step waits for every scope to report.')
@minValue(1)
@maxValue(240)
param fanOutDeadlineMinutes int = 10

@description('Optional. AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: Azure subscriptions per worker message.')
@minValue(1)
@maxValue(1000)
param fanOutSubscriptionsPerScope int = 100

// ---- Monitoring ----

@description('Optional. Retention of the Log Analytics workspace behind Application Insights, in days.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

// ---- Heartbeat alert ----

@description('Optional. Email addresses that hear the heartbeat alert: no successful audit run for two schedule intervals. Empty = no email (add a webhook, or the alert is only visible in Azure Monitor).')
param heartbeatAlertEmailAddresses string[] = []

@description('Optional. Webhook URL of the on-call paging tool (for example a PagerDuty, Opsgenie or incident.io integration URL) that receives the heartbeat alert in the common alert schema. Empty = no webhook.')
@secure()
param heartbeatAlertWebhookUrl string = ''

@description('Optional. Severity of the heartbeat alert, from 0 (critical) to 4 (verbose).')
@minValue(0)
@maxValue(4)
param heartbeatAlertSeverity int = 1

@description('Optional. Window of the heartbeat alert, in minutes. 0 = twice the interval of auditSchedule (30 for the default "0 */15 * * * *"), rounded up to a window that log search alerts accept; set it when the schedule is not a regular one (every N minutes, hourly, every N hours or daily).')
@allowed([
  0
  5
  10
  15
  30
  45
  60
  120
  180
  240
  300
  360
  1440
  2880
])
param heartbeatWindowMinutes int = 0

// ---- Secrets ----

@description('Optional. Soft-delete retention of the Key Vault, in days. Purge protection is always on.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional. Up to 4 lowercase letters or digits appended to the Key Vault name (for example "2"). Purge protection keeps the name of a deleted vault reserved until its soft-delete retention ends: to redeploy before then without recovering the old vault, pick a new suffix. Empty = the plain name.')
@maxLength(4)
param keyVaultNameSuffix string = ''

@description('Optional. Recover the soft-deleted vault of the same name (createMode "recover") instead of creating a new one: for the first deployment after the resource group (and so the vault) was deleted. Set it back to false afterwards: a recover deployment fails when no deleted vault of that name exists.')
param recoverKeyVault bool = false

@description('Optional. Teams Workflows webhook URL (https). When given, it is stored as a Key Vault secret and AUDIT_TEAMS_WEBHOOK_URL references that secret. Empty = nothing is written to the vault.')
@secure()
param teamsWebhookUrl string = ''

@description('Optional. Whether AUDIT_TEAMS_WEBHOOK_URL is set, as a Key Vault reference. Defaults to true when teamsWebhookUrl is given. Set it to true without a URL to keep referencing a secret that is already in the vault.')
param teamsWebhookEnabled bool = !empty(teamsWebhookUrl)

@description('Optional. Slack incoming webhook URL (https). When given, it is stored as a Key Vault secret and AUDIT_SLACK_WEBHOOK_URL references that secret. Empty = nothing is written to the vault.')
@secure()
param slackWebhookUrl string = ''

@description('Optional. Whether AUDIT_SLACK_WEBHOOK_URL is set, as a Key Vault reference. Defaults to true when slackWebhookUrl is given. Set it to true without a URL to keep referencing a secret that is already in the vault.')
param slackWebhookEnabled bool = !empty(slackWebhookUrl)

// ---- Audited scope (role assignments) ----

@description('Optional. Subscriptions on which the identity gets Reader and Log Analytics Reader: the audited scope. Defaults to the subscription of this deployment. Pass an empty array and deploy modules/audit-reader.managementgroup.bicep to grant the roles on a management group instead.')
param auditReaderSubscriptionIds string[] = [
  subscription().subscriptionId
]

// ---- Engine settings (app settings read by the code; empty values are left out) ----

@description('Optional. AUDIT_CLOUDS: clouds to audit ("azure", "aws"). Empty = azure, plus aws when awsRoleArns or awsWebIdentityAudience is set.')
param auditClouds string[] = []

@description('Optional. AUDIT_SCHEDULE: NCRONTAB schedule of the timer function, six fields, in UTC.')
param auditSchedule string = '0 */15 * * * *'

@description('Optional. AUDIT_AZURE_SUBSCRIPTIONS: subscription IDs to audit. Empty = every subscription the identity can read.')
param auditAzureSubscriptions string[] = []

@description('Optional. AUDIT_AZURE_CLOUD: the Azure cloud of the audited estate. Defaults to the cloud of this deployment.')
@allowed([
  'AzurePublicCloud'
  'AzureChinaCloud'
  'AzureUSGovernment'
])
param azureCloud string = environment().name == 'AzureChinaCloud' ? 'AzureChinaCloud' : (environment().name == 'AzureUSGovernment' ? 'AzureUSGovernment' : 'AzurePublicCloud')

@description('Optional. AUDIT_AZURE_ARM_ENDPOINT: Resource Manager base URL, used for ARM and Resource Graph. Defaults to the Resource Manager endpoint of the cloud of this deployment.')
param azureArmEndpoint string = environment().resourceManager

@description('Optional. AUDIT_AZURE_LOGS_ENDPOINT: override of the Log Analytics query base URL (the .../v1 root). Empty = the default of azureCloud.')
param azureLogsEndpoint string = ''

@description('Optional. AUDIT_LOG_ANALYTICS_WORKSPACES: workspace GUIDs to query. Empty = discovered from the monitoring add-on of each cluster.')
param logAnalyticsWorkspaceIds string[] = []

@description('Optional. AUDIT_AWS_ROLE_ARNS: IAM role ARNs to assume, one per AWS account (the Terraform module infra/terraform/modules/aws-audit-role creates them). Empty = no role is assumed.')
param awsRoleArns string[] = []

@description('Optional. AUDIT_AWS_REGIONS: AWS regions to audit. Empty = every commercial region that offers EKS.')
param awsRegions string[] = []

@description('Optional. AUDIT_AWS_WEB_IDENTITY_AUDIENCE: App ID URI of the Entra app registration that is the token audience of the AWS federation (for example "api://aws-audit-federation"). Empty = no federation.')
param awsWebIdentityAudience string = ''

@description('Optional. AUDIT_NOTIFY_MIN_SEVERITY: lowest severity sent to chat.')
@allowed([
  'critical'
  'high'
  'medium'
  'low'
  'info'
])
param notifyMinSeverity string = 'high'

@description('Optional. AUDIT_WEBHOOK_ALLOWED_HOSTS: host patterns (for example "*.logic.azure.com") that replace the default Slack and Teams Workflows allowlist; https only. Empty = the default allowlist.')
param webhookAllowedHosts string[] = []

@description('Optional. AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES: critical findings sent as their own chat message per channel and run; the rest go into the one digest.')
@minValue(0)
@maxValue(50)
param notifyMaxCriticalMessages int = 10

@description('Optional. AUDIT_NOTIFY_REMIND_AFTER_HOURS: re-send a critical finding still open after this many hours. 0 = no reminders.')
@minValue(0)
@maxValue(720)
param notifyRemindAfterHours int = 0

@description('Optional. AUDIT_RULE_CONFIG: rule thresholds keyed by rule ID, merged over each rule\'s defaults (for example {"gpu-node-spike":{"lookbackDays":14}}). Empty object = the defaults.')
param ruleConfig object = {}

// ============= //
//   Variables   //
// ============= //

// Bicep has no regex decorator, @allowed needs a closed list, and assert statements are still an
// experimental feature. So the names that Terraform checks with regex() are checked here character by
// character with filter(), and fail() (Bicep 0.33 or later) stops the deployment with a readable
// message when a check does not hold. The resources use the checked values, never the raw
// parameters, so the checks always run. test/infra/parity.test.ts runs both trees' checks on the
// same sample names.
var lowercaseLetters = 'abcdefghijklmnopqrstuvwxyz'
var lowercaseAlphanumerics = '${lowercaseLetters}0123456789'

// The name prefix: a lowercase letter, then lowercase letters or digits (Terraform:
// ^[a-z][a-z0-9]{1,9}$); the length (2 to 10) is checked by the decorators.
var namePrefixInvalidChars = filter(range(0, length(namePrefix)), i => !contains(lowercaseAlphanumerics, substring(namePrefix, i, 1)))
var prefix = empty(namePrefixInvalidChars) && contains(lowercaseLetters, first(namePrefix))
  ? namePrefix
  : fail('namePrefix must be 2 to 10 lowercase letters or digits and start with a letter, for example "caudit".')

// Queue names: lowercase letters, digits and single hyphens, starting and ending with a letter or digit
// (Terraform: ^[a-z0-9]+(-[a-z0-9]+)*$). The length (3 to 56, so that <name>-poison fits in 63) is
// checked by the decorators.
var scopeQueueNameInvalidChars = filter(range(0, length(scopeQueueName)), i => !contains('${lowercaseAlphanumerics}-', substring(scopeQueueName, i, 1)))
var scopeQueue = empty(scopeQueueNameInvalidChars) && !startsWith(scopeQueueName, '-') && !endsWith(scopeQueueName, '-') && !contains(scopeQueueName, '--')
  ? scopeQueueName
  : fail('scopeQueueName must be lowercase letters, digits and single hyphens, starting and ending with a letter or digit.')
var poisonQueue = '${scopeQueue}-poison'

// The Key Vault name suffix: lowercase letters or digits (Terraform: ^[a-z0-9]{0,4}$).
var keyVaultNameSuffixInvalidChars = filter(range(0, length(keyVaultNameSuffix)), i => !contains(lowercaseAlphanumerics, substring(keyVaultNameSuffix, i, 1)))
var keyVaultSuffix = empty(keyVaultNameSuffixInvalidChars)
  ? keyVaultNameSuffix
  : fail('keyVaultNameSuffix must be up to 4 lowercase letters or digits.')

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, prefix, location))

var names = {
  identity: 'id-${prefix}-${resourceToken}'
  plan: 'asp-${prefix}-${resourceToken}'
  functionApp: 'func-${prefix}-${resourceToken}'
  storageAccount: take('st${prefix}${resourceToken}', 24)
  // A vault name has at most 24 characters; the suffix replaces the end of the token.
  keyVault: '${take('kv${prefix}${resourceToken}', 24 - length(keyVaultSuffix))}${keyVaultSuffix}'
  logAnalytics: 'log-${prefix}-${resourceToken}'
  appInsights: 'appi-${prefix}-${resourceToken}'
  heartbeatAlert: 'alert-${prefix}-heartbeat-${resourceToken}'
  actionGroup: 'ag-${prefix}-${resourceToken}'
  actionGroupShortName: take('audit-${prefix}', 12)
}

var teamsWebhookSecretName = 'audit-teams-webhook-url'
var slackWebhookSecretName = 'audit-slack-webhook-url'

var effectiveClouds = !empty(auditClouds) ? join(auditClouds, ',') : (empty(awsRoleArns) && empty(awsWebIdentityAudience) ? 'azure' : 'azure,aws')

// Standard SDK variables: the identity that DefaultAzureCredential must use, and nothing else.
var sdkAppSettings = {
  AZURE_CLIENT_ID: identity.properties.clientId
  AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential'
}

// Every setting of SETTING_SPECS (shared/config/setting-specs.ts) that deployments set.
// test/infra/parity.test.ts keeps this list in step with the code and with Terraform.
var auditAppSettings = {
  AUDIT_CLOUDS: effectiveClouds
  AUDIT_SCHEDULE: auditSchedule
  AUDIT_AZURE_SUBSCRIPTIONS: join(auditAzureSubscriptions, ',')
  AUDIT_AZURE_CLOUD: azureCloud
  AUDIT_AZURE_ARM_ENDPOINT: azureArmEndpoint
  AUDIT_AZURE_LOGS_ENDPOINT: azureLogsEndpoint
  AUDIT_LOG_ANALYTICS_WORKSPACES: join(logAnalyticsWorkspaceIds, ',')
  AUDIT_AWS_ROLE_ARNS: join(awsRoleArns, ',')
  AUDIT_AWS_REGIONS: join(awsRegions, ',')
  AUDIT_AWS_WEB_IDENTITY_AUDIENCE: awsWebIdentityAudience
  AUDIT_TEAMS_WEBHOOK_URL: teamsWebhookEnabled ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.teamsWebhookSecretUri})' : ''
  AUDIT_SLACK_WEBHOOK_URL: slackWebhookEnabled ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.slackWebhookSecretUri})' : ''
  AUDIT_NOTIFY_MIN_SEVERITY: notifyMinSeverity
  AUDIT_WEBHOOK_ALLOWED_HOSTS: join(webhookAllowedHosts, ',')
  AUDIT_TABLE_ENDPOINT: storage.outputs.tableEndpoint
  AUDIT_FINDINGS_TABLE: findingsTableName
  AUDIT_GPU_TABLE: gpuTableName
  AUDIT_RUNS_TABLE: runsTableName
  AUDIT_GPU_HISTORY_TABLE: gpuHistoryTableName
  AUDIT_MUTES_TABLE: mutesTableName
  AUDIT_MUTELIST: mutelistUrl
  AUDIT_FANOUT_MIN_SCOPES: fanOutMinScopes == 0 ? '' : string(fanOutMinScopes)
  AUDIT_QUEUE_ENDPOINT: storage.outputs.queueEndpoint
  AUDIT_QUEUE_NAME: scopeQueue
  AUDIT_FANOUT_DEADLINE_MINUTES: string(fanOutDeadlineMinutes)
  AUDIT_FANOUT_SUBSCRIPTIONS_PER_SCOPE: string(fanOutSubscriptionsPerScope)
  AUDIT_NOTIFY_MAX_CRITICAL_MESSAGES: string(notifyMaxCriticalMessages)
  AUDIT_NOTIFY_REMIND_AFTER_HOURS: notifyRemindAfterHours == 0 ? '' : string(notifyRemindAfterHours)
  AUDIT_RULE_CONFIG: empty(ruleConfig) ? '' : string(ruleConfig)
}

// ============= //
//   Resources   //
// ============= //

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  name: 'storage-${resourceToken}'
  params: {
    name: names.storageAccount
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    tableNames: [
      findingsTableName
      gpuTableName
      runsTableName
      gpuHistoryTableName
      mutesTableName
    ]
    // The fan-out: the timer enqueues one message per scope, auditScopeWorker (a queue trigger on
    // %AUDIT_QUEUE_NAME%, connection AzureWebJobsStorage) takes them; the host moves a message that
    // keeps failing to the poison queue.
    queueNames: [
      scopeQueue
      poisonQueue
    ]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'keyvault-${resourceToken}'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    recover: recoverKeyVault
    teamsWebhookSecretName: teamsWebhookSecretName
    teamsWebhookUrl: teamsWebhookUrl
    slackWebhookSecretName: slackWebhookSecretName
    slackWebhookUrl: slackWebhookUrl
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac-${resourceToken}'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The heartbeat: an alert when no run has succeeded for two schedule intervals. It needs no role:
// the rule has no identity and reads only the component it is scoped to.
module heartbeatAlert 'modules/heartbeat-alert.bicep' = {
  name: 'heartbeat-${resourceToken}'
  params: {
    name: names.heartbeatAlert
    actionGroupName: names.actionGroup
    actionGroupShortName: names.actionGroupShortName
    location: location
    tags: tags
    appInsightsName: monitoring.outputs.appInsightsName
    auditSchedule: auditSchedule
    windowMinutes: heartbeatWindowMinutes
    severity: heartbeatAlertSeverity
    emailAddresses: heartbeatAlertEmailAddresses
    webhookUrl: heartbeatAlertWebhookUrl
    customProperties: {
      functionApp: names.functionApp
      auditSchedule: auditSchedule
    }
  }
}

module auditReader 'modules/audit-reader.subscription.bicep' = [
  for subscriptionId in auditReaderSubscriptionIds: {
    name: 'auditreader-${resourceToken}-${subscriptionId}'
    scope: subscription(subscriptionId)
    params: {
      principalId: identity.properties.principalId
    }
  }
]

module functionApp 'modules/function-app.bicep' = {
  name: 'functionapp-${resourceToken}'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityResourceId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: union(sdkAppSettings, auditAppSettings)
  }
  // The app starts only once its identity can reach storage, the vault and App Insights.
  dependsOn: [
    rbac
  ]
}

// =========== //
//   Outputs   //
// =========== //

@description('The name of the function app (use it with func azure functionapp publish).')
output functionAppName string = functionApp.outputs.name

@description('The resource ID of the function app.')
output functionAppResourceId string = functionApp.outputs.resourceId

@description('The default host name of the function app.')
output functionAppDefaultHostName string = functionApp.outputs.defaultHostName

@description('The resource ID of the user-assigned managed identity.')
output identityResourceId string = identity.id

@description('The principal (object) ID of the identity: the "sub" that the AWS audit role must trust.')
output identityPrincipalId string = identity.properties.principalId

@description('The client ID of the identity (app setting AZURE_CLIENT_ID).')
output identityClientId string = identity.properties.clientId

@description('The name of the storage account.')
output storageAccountName string = storage.outputs.name

@description('The table endpoint (app setting AUDIT_TABLE_ENDPOINT).')
output tableEndpoint string = storage.outputs.tableEndpoint

@description('The queue endpoint of the storage account (app setting AUDIT_QUEUE_ENDPOINT).')
output queueEndpoint string = storage.outputs.queueEndpoint

@description('The scope queue of the fan-out (app setting AUDIT_QUEUE_NAME) and its poison queue.')
output queueNames string[] = storage.outputs.queueNames

@description('The name of the Key Vault holding the webhook URLs.')
output keyVaultName string = keyVault.outputs.name

@description('The URI of the Key Vault.')
output keyVaultUri string = keyVault.outputs.vaultUri

@description('The name of the Application Insights component.')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('The resource ID of the Log Analytics workspace behind Application Insights.')
output logAnalyticsWorkspaceResourceId string = monitoring.outputs.logAnalyticsWorkspaceResourceId

@description('The resource ID of the heartbeat alert rule.')
output heartbeatAlertResourceId string = heartbeatAlert.outputs.resourceId

@description('The window of the heartbeat alert (ISO 8601): twice the interval of auditSchedule.')
output heartbeatAlertWindowSize string = heartbeatAlert.outputs.windowSize

@description('How often the heartbeat alert is evaluated (ISO 8601).')
output heartbeatAlertEvaluationFrequency string = heartbeatAlert.outputs.evaluationFrequency

@description('The resource ID of the action group that tells on-call.')
output actionGroupResourceId string = heartbeatAlert.outputs.actionGroupResourceId

@description('The subscriptions on which the identity holds Reader and Log Analytics Reader.')
output auditReaderSubscriptionIds string[] = auditReaderSubscriptionIds

@description('The name of the resource group.')
output resourceGroupName string = resourceGroup().name

@description('The location of the resources.')
output location string = location
