metadata name = 'Audit storage account'
metadata description = 'A storage account reachable only with Entra ID (shared keys off, TLS 1.2, https only, no public blob access), with the Flex Consumption deployment container, the findings tables and the fan-out queues.'
metadata owner = 'cluster-audit-functions maintainers'

@description('Required. Name of the storage account: 3 to 24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Location of the storage account.')
param location string = resourceGroup().location

@description('Optional. Tags of the storage account.')
param tags object = {}

@description('Optional. Replication SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param skuName string = 'Standard_LRS'

@description('Required. Name of the private blob container that holds the deployment package.')
param deploymentContainerName string

@description('Required. Names of the tables to create (the findings table and the GPU anomaly table).')
param tableNames string[]

@description('Optional. Names of the queues to create: the scope queue of the fan-out and its poison queue (<name>-poison).')
param queueNames string[] = []

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

@description('The name of the storage account.')
output name string = storageAccount.name

@description('The resource ID of the storage account.')
output resourceId string = storageAccount.id

@description('The primary blob endpoint (with a trailing slash).')
output blobEndpoint string = storageAccount.properties.primaryEndpoints.blob

@description('The queue endpoint (the scope queue of the fan-out; AUDIT_QUEUE_ENDPOINT).')
output queueEndpoint string = 'https://${storageAccount.name}.queue.${environment().suffixes.storage}'

@description('The table endpoint, without a trailing slash (app setting AUDIT_TABLE_ENDPOINT).')
output tableEndpoint string = 'https://${storageAccount.name}.table.${environment().suffixes.storage}'

@description('The name of the deployment container.')
output deploymentContainerName string = deploymentContainer.name

@description('The names of the tables.')
output tableNames string[] = [
  for (tableName, i) in tableNames: tables[i].name
]

@description('The names of the queues.')
output queueNames string[] = [
  for (queueName, i) in queueNames: queues[i].name
]
