metadata name = 'Audit reader roles (management group)'
metadata description = 'Grants the audit identity Reader and Log Analytics Reader on a management group, so that every subscription below it is audited. Deploy it on its own with az deployment mg create, after main.bicep (it needs the identity principal ID from the main deployment outputs).'
metadata owner = 'cluster-audit-functions maintainers'

targetScope = 'managementGroup'

@description('Required. Principal (object) ID of the identity to grant (output identityPrincipalId of main.bicep).')
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

resource managementGroup_roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(readerRoleDefinitionIds): {
    name: guid(managementGroup().id, principalId, role.value)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    }
  }
]

@description('The resource IDs of the role assignments.')
output roleAssignmentIds string[] = [
  for (role, i) in items(readerRoleDefinitionIds): managementGroup_roleAssignments[i].id
]

@description('The management group the roles were granted on.')
output managementGroupName string = managementGroup().name
