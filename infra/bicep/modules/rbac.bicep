metadata name = 'Audit identity role assignments (resource group)'
metadata description = 'Grants the function identity the data-plane roles it needs on its own resources: blob, queue and table data on the storage account, secret reads on the vault, and metric publishing on Application Insights. Nothing broader.'
metadata owner = 'cluster-audit-functions maintainers'

@description('Required. Principal (object) ID of the user-assigned managed identity.')
param principalId string

@description('Required. Name of the storage account (host storage, deployment package and findings tables).')
param storageAccountName string

@description('Required. Name of the Key Vault that holds the webhook URLs.')
param keyVaultName string

@description('Required. Name of the Application Insights component.')
param appInsightsName string

// Built-in role definition IDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roleDefinitionIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The Functions host keeps its leases and timer state in blobs and queues; the engine writes the tables.
var storageRoleDefinitionIds = [
  roleDefinitionIds.storageBlobDataOwner
  roleDefinitionIds.storageQueueDataContributor
  roleDefinitionIds.storageTableDataContributor
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource storageAccount_roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in storageRoleDefinitionIds: {
    name: guid(storageAccount.id, principalId, roleDefinitionId)
    scope: storageAccount
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]

resource vault_roleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleDefinitionIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.keyVaultSecretsUser)
  }
}

resource appInsights_roleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleDefinitionIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.monitoringMetricsPublisher)
  }
}

@description('The resource IDs of the role assignments on the storage account.')
output storageRoleAssignmentIds string[] = [
  for (roleDefinitionId, i) in storageRoleDefinitionIds: storageAccount_roleAssignments[i].id
]

@description('The resource ID of the role assignment on the Key Vault.')
output keyVaultRoleAssignmentId string = vault_roleAssignment.id

@description('The resource ID of the role assignment on Application Insights.')
output appInsightsRoleAssignmentId string = appInsights_roleAssignment.id
