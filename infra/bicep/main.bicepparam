// Example parameters for main.bicep. Copy and adjust, or set the environment variables below.
// Secrets (the webhook URLs) are read from the environment so that they never sit in a file.
//
//   export AUDIT_TEAMS_WEBHOOK_URL='https://....logic.azure.com/workflows/...'
//   az deployment group create -g rg-cluster-audit -f infra/bicep/main.bicep -p infra/bicep/main.bicepparam
using 'main.bicep'

param namePrefix = readEnvironmentVariable('AUDIT_NAME_PREFIX', 'caudit')

param tags = {
  workload: 'cluster-audit-functions'
  'azd-env-name': readEnvironmentVariable('AZURE_ENV_NAME', 'cluster-audit')
}

// Audited scope: Reader and Log Analytics Reader are granted on these subscriptions.
// Leave the default (the subscription of the deployment) or list several:
// param auditReaderSubscriptionIds = [
//   '11111111-1111-1111-1111-111111111111'
//   '22222222-2222-2222-2222-222222222222'
// ]

param auditSchedule = '0 */15 * * * *'
param notifyMinSeverity = 'high'

// Chat webhooks, stored in Key Vault and referenced by the app settings. Empty = that channel stays off.
param teamsWebhookUrl = readEnvironmentVariable('AUDIT_TEAMS_WEBHOOK_URL', '')
param slackWebhookUrl = readEnvironmentVariable('AUDIT_SLACK_WEBHOOK_URL', '')

// Heartbeat alert: who hears that no audit run has succeeded for two schedule intervals. The webhook
// (an on-call tool's integration URL) is read from the environment, like the chat webhooks.
param heartbeatAlertEmailAddresses = []
// param heartbeatAlertEmailAddresses = [
//   'oncall@example.com'
// ]
param heartbeatAlertWebhookUrl = readEnvironmentVariable('ONCALL_WEBHOOK_URL', '')

// AWS through federation (see infra/README.md, "AWS federation"). Both empty = Azure only.
param awsWebIdentityAudience = readEnvironmentVariable('AUDIT_AWS_WEB_IDENTITY_AUDIENCE', '')
param awsRoleArns = []
// param awsRoleArns = [
//   'arn:aws:iam::111111111111:role/cluster-audit-reader'
//   'arn:aws:iam::222222222222:role/cluster-audit-reader'
// ]
// param awsRegions = [
//   'eu-west-1'
//   'us-east-1'
// ]
