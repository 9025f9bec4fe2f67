metadata name = 'Audit heartbeat alert'
metadata description = 'A log search alert on Application Insights that fires when no successful audit run has been recorded for two schedule intervals, and the action group that tells on-call (email receivers and an optional webhook to a paging tool). Silence is never mistaken for safety.'
metadata owner = 'cluster-audit-functions maintainers'

@description('Required. Name of the alert rule.')
param name string

@description('Required. Name of the action group.')
param actionGroupName string

@description('Required. Short name of the action group, shown in the notifications: 1 to 12 characters.')
@minLength(1)
@maxLength(12)
param actionGroupShortName string

@description('Optional. Location of the alert rule (the action group is global).')
param location string = resourceGroup().location

@description('Optional. Tags of the alert rule and the action group.')
param tags object = {}

@description('Required. Name of the Application Insights component that receives the run summaries (traces whose message starts with "cluster-audit run-summary ").')
param appInsightsName string

@description('Required. AUDIT_SCHEDULE, the NCRONTAB schedule of the timer function: the window of the alert is twice its interval.')
param auditSchedule string

@description('Optional. Window of the alert, in minutes, when it cannot be derived from auditSchedule (or to override it). 0 = twice the interval of auditSchedule, rounded up to a window that log search alerts accept.')
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
param windowMinutes int = 0

@description('Optional. Severity of the alert, from 0 (critical) to 4 (verbose).')
@minValue(0)
@maxValue(4)
param severity int = 1

@description('Optional. Email addresses that receive the alert. Empty = no email.')
param emailAddresses string[] = []

@description('Optional. Webhook URL of an on-call tool (for example a PagerDuty, Opsgenie or incident.io integration URL), posted the common alert schema. Empty = no webhook.')
@secure()
param webhookUrl string = ''

@description('Optional. Properties added to the alert payload, for example the function app name.')
param customProperties object = {}

// ---- The window, derived from the schedule ----

// Log search alerts accept these windows (windowSize), in minutes, with their ISO 8601 form.
var allowedWindows = [
  { minutes: 5, iso: 'PT5M' }
  { minutes: 10, iso: 'PT10M' }
  { minutes: 15, iso: 'PT15M' }
  { minutes: 30, iso: 'PT30M' }
  { minutes: 45, iso: 'PT45M' }
  { minutes: 60, iso: 'PT1H' }
  { minutes: 120, iso: 'PT2H' }
  { minutes: 180, iso: 'PT3H' }
  { minutes: 240, iso: 'PT4H' }
  { minutes: 300, iso: 'PT5H' }
  { minutes: 360, iso: 'PT6H' }
  { minutes: 1440, iso: 'P1D' }
  { minutes: 2880, iso: 'P2D' }
]

// NCRONTAB has six fields: {second} {minute} {hour} {day} {month} {day-of-week}. The interval is
// derived for the regular forms: every N minutes (0 */N * * * *), every minute, hourly (0 M * * * *),
// every N hours (0 M */N * * *) and daily (0 M H * * *). Other schedules need windowMinutes.
// The list is padded so that every index exists; a "fixed" field is a plain value (no * / , -).
// main.heartbeat.tf derives the same values; test/infra/heartbeat.test.ts checks both.
var scheduleFieldCount = length(filter(split(auditSchedule, ' '), field => !empty(field)))
var scheduleFields = concat(filter(split(auditSchedule, ' '), field => !empty(field)), ['', '', '', '', '', ''])
var scheduleSteps = [
  startsWith(scheduleFields[1], '*/') ? substring(scheduleFields[1], 2) : ''
  startsWith(scheduleFields[2], '*/') ? substring(scheduleFields[2], 2) : ''
]
// [second, minute, hour, minute step, hour step]
var scheduleFixed = map(concat(take(scheduleFields, 3), scheduleSteps), field => !empty(field) && !contains(field, '*') && !contains(field, '/') && !contains(field, ',') && !contains(field, '-'))
var scheduleIsRegular = scheduleFieldCount == 6 && scheduleFixed[0] && scheduleFields[3] == '*' && scheduleFields[4] == '*' && scheduleFields[5] == '*'
var scheduleIntervalMinutes = !scheduleIsRegular
  ? 0
  : scheduleFields[1] == '*' && scheduleFields[2] == '*'
      ? 1
      : scheduleFixed[3] && scheduleFields[2] == '*'
          ? int(scheduleSteps[0])
          : scheduleFixed[1] && scheduleFields[2] == '*'
              ? 60
              : scheduleFixed[1] && scheduleFixed[4]
                  ? 60 * int(scheduleSteps[1])
                  : scheduleFixed[1] && scheduleFixed[2] ? 1440 : 0

// The smallest accepted window of at least two intervals.
var derivedWindows = filter(allowedWindows, candidate => candidate.minutes >= 2 * scheduleIntervalMinutes)
var heartbeatWindow = windowMinutes > 0
  ? filter(allowedWindows, candidate => candidate.minutes == windowMinutes)[0]
  : scheduleIntervalMinutes == 0
      ? fail('The heartbeat window cannot be derived from AUDIT_SCHEDULE "${auditSchedule}": set heartbeatWindowMinutes to about twice its longest gap between runs.')
      : empty(derivedWindows)
          ? fail('AUDIT_SCHEDULE "${auditSchedule}" runs less often than every day: a log search alert looks back at most two days.')
          : derivedWindows[0]

// At most the interval: every 5 minutes, or every minute for schedules faster than that.
var evaluationFrequency = scheduleIntervalMinutes > 0 && scheduleIntervalMinutes < 5 ? 'PT1M' : 'PT5M'

// ---- The query ----

// A successful run is a run-summary trace (one per run, written through the Functions logger) whose
// JSON says delivered = true: every sink accepted what it was given. The alert counts these lines in
// the window and fires when there are none. It reads the classic Application Insights schema
// (traces, timestamp, message), because its scope is the Application Insights component the function
// writes to; the same rows are AppTraces (TimeGenerated, Message) in the workspace.
var query = '''
let prefix = "cluster-audit run-summary ";
traces
| where message startswith prefix
| extend summary = parse_json(substring(message, strlen(prefix)))
| where tobool(summary.delivered) == true
| project timestamp, runId = tostring(summary.runId), trigger = tostring(summary.trigger)
'''

// ============= //
//   Resources   //
// ============= //

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    emailReceivers: [
      for (emailAddress, i) in emailAddresses: {
        name: 'email-${i}'
        emailAddress: emailAddress
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: empty(webhookUrl)
      ? []
      : [
          {
            name: 'on-call-webhook'
            serviceUri: webhookUrl
            useCommonAlertSchema: true
          }
        ]
  }
}

// No managed identity: the rule only reads the component it is scoped to, and needs no role.
resource heartbeatAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'cluster-audit: no successful run in ${heartbeatWindow.iso}'
    description: 'No cluster-audit run recorded delivered = true in the last ${heartbeatWindow.iso} (twice the interval of AUDIT_SCHEDULE "${auditSchedule}"). The audit is stopped, failing, or cannot deliver its findings: until it runs again, no news is not good news. See infra/README.md, "Heartbeat alert".'
    severity: severity
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: evaluationFrequency
    windowSize: heartbeatWindow.iso
    criteria: {
      allOf: [
        {
          query: query
          timeAggregation: 'Count'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
      customProperties: customProperties
    }
  }
}

// =========== //
//   Outputs   //
// =========== //

@description('The resource ID of the alert rule.')
output resourceId string = heartbeatAlert.id

@description('The name of the alert rule.')
output name string = heartbeatAlert.name

@description('The resource ID of the action group.')
output actionGroupResourceId string = actionGroup.id

@description('The window of the alert (ISO 8601): twice the schedule interval, rounded up to an accepted window.')
output windowSize string = heartbeatWindow.iso

@description('How often the alert is evaluated (ISO 8601).')
output evaluationFrequency string = evaluationFrequency
