metadata name = 'Audit reader roles (subscription)'
metadata description = 'Grants the audit identity Reader and Log Analytics Reader on one subscription: enough for Resource Graph, ARM reads and Container Insights queries, and nothing that can change or list secrets. main.bicep calls it once per audited subscription; it can also be deployed alone with az deployment sub create.'
metadata owner = 'cluster-audit-functions maintainers'

targetScope = 'subscription'

@description('Required. Principal (object) ID of the identity to grant.')
param principalId string

@description('Optional. Type of the principal. Keep ServicePrincipal for a managed identity.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string = 'ServicePrincipal'

// Built-in role definition IDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var readerRoleDefinitionIds = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  logAnalyticsReader: '73c42c96-874c-492b-b04d-ab87d138a893'
}

resource subscription_roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(readerRoleDefinitionIds): {
    name: guid(subscription().id, principalId, role.value)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    }
  }
]

@description('The resource IDs of the role assignments.')
output roleAssignmentIds string[] = [
  for (role, i) in items(readerRoleDefinitionIds): subscription_roleAssignments[i].id
]

@description('The subscription the roles were granted on.')
output subscriptionId string = subscription().subscriptionId
