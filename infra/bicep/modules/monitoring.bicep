metadata name = 'Audit monitoring'
metadata description = 'A Log Analytics workspace for the function app itself and a workspace-based Application Insights component that accepts Entra ID-authenticated telemetry only (local auth disabled).'
metadata owner = 'cluster-audit-functions maintainers'

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param appInsightsName string

@description('Optional. Location of both resources.')
param location string = resourceGroup().location

@description('Optional. Tags of both resources.')
param tags object = {}

@description('Optional. Retention of the workspace, in days.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

@description('The name of the Application Insights component.')
output appInsightsName string = appInsights.name

@description('The resource ID of the Application Insights component.')
output appInsightsResourceId string = appInsights.id

@description('The name of the Log Analytics workspace.')
output logAnalyticsWorkspaceName string = workspace.name

@description('The resource ID of the Log Analytics workspace.')
output logAnalyticsWorkspaceResourceId string = workspace.id
