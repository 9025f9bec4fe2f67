metadata name = 'Audit Key Vault'
metadata description = 'A Key Vault in RBAC mode with purge protection that holds the Teams and Slack webhook URLs. Secrets are written only when their value is given.'
metadata owner = 'cluster-audit-functions maintainers'

@description('Required. Name of the vault: 3 to 24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the vault.')
param location string = resourceGroup().location

@description('Optional. Tags of the vault.')
param tags object = {}

@description('Optional. Soft-delete retention, in days.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Optional. Recover the soft-deleted vault of this name (createMode "recover") instead of creating one. The deployment fails when no deleted vault of that name exists, so use it once, after the vault was deleted.')
param recover bool = false

@description('Required. Name of the secret that holds the Teams Workflows webhook URL.')
param teamsWebhookSecretName string

@description('Optional. Teams Workflows webhook URL. Empty = the secret is not written.')
@secure()
param teamsWebhookUrl string = ''

@description('Required. Name of the secret that holds the Slack webhook URL.')
param slackWebhookSecretName string

@description('Optional. Slack webhook URL. Empty = the secret is not written.')
@secure()
param slackWebhookUrl string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    // Purge protection reserves the name of a deleted vault for the retention period: "recover" brings
    // the vault (and its secrets) back instead of failing on the name. Role assignments are not
    // recovered with it; rbac.bicep grants them again.
    createMode: recover ? 'recover' : 'default'
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsWebhookSecretName
  properties: {
    value: teamsWebhookUrl
    contentType: 'text/uri'
  }
}

resource slackWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(slackWebhookUrl)) {
  parent: vault
  name: slackWebhookSecretName
  properties: {
    value: slackWebhookUrl
    contentType: 'text/uri'
  }
}

@description('The name of the vault.')
output name string = vault.name

@description('The resource ID of the vault.')
output resourceId string = vault.id

@description('The URI of the vault (with a trailing slash).')
output vaultUri string = vault.properties.vaultUri

@description('The versionless URI of the Teams webhook secret, for a Key Vault reference. The reference follows new versions of the secret.')
output teamsWebhookSecretUri string = '${vault.properties.vaultUri}secrets/${teamsWebhookSecretName}/'

@description('The versionless URI of the Slack webhook secret, for a Key Vault reference. The reference follows new versions of the secret.')
output slackWebhookSecretUri string = '${vault.properties.vaultUri}secrets/${slackWebhookSecretName}/'
