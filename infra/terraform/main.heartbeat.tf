# The heartbeat, so that silence is never mistaken for safety: a log search alert on Application
# Insights that fires when no successful audit run has been recorded for two schedule intervals, and
# the action group that tells on-call. The same as infra/bicep/modules/heartbeat-alert.bicep.

# The window, derived from the schedule. This block reads only var.audit_schedule and
# var.heartbeat_window_minutes: test/infra/heartbeat.test.ts evaluates it with terraform console.
locals {
  # Log search alerts accept these windows (window_duration), in minutes, with their ISO 8601 form.
  heartbeat_windows = [
    { minutes = 5, iso = "PT5M" },
    { minutes = 10, iso = "PT10M" },
    { minutes = 15, iso = "PT15M" },
    { minutes = 30, iso = "PT30M" },
    { minutes = 45, iso = "PT45M" },
    { minutes = 60, iso = "PT1H" },
    { minutes = 120, iso = "PT2H" },
    { minutes = 180, iso = "PT3H" },
    { minutes = 240, iso = "PT4H" },
    { minutes = 300, iso = "PT5H" },
    { minutes = 360, iso = "PT6H" },
    { minutes = 1440, iso = "P1D" },
    { minutes = 2880, iso = "P2D" },
  ]

  # NCRONTAB has six fields: {second} {minute} {hour} {day} {month} {day-of-week}. The interval is
  # derived for the regular forms: every N minutes (0 */N * * * *), every minute, hourly
  # (0 M * * * *), every N hours (0 M */N * * *) and daily (0 M H * * *). Other schedules need
  # heartbeat_window_minutes. The list is padded so that every index exists; a "fixed" field is a
  # plain value (no * / , -).
  heartbeat_schedule_field_count = length(regexall("\\S+", var.audit_schedule))
  heartbeat_schedule_fields      = concat(regexall("\\S+", var.audit_schedule), ["", "", "", "", "", ""])
  heartbeat_schedule_steps = [
    startswith(local.heartbeat_schedule_fields[1], "*/") ? substr(local.heartbeat_schedule_fields[1], 2, -1) : "",
    startswith(local.heartbeat_schedule_fields[2], "*/") ? substr(local.heartbeat_schedule_fields[2], 2, -1) : "",
  ]
  # [second, minute, hour, minute step, hour step]
  heartbeat_schedule_fixed = [
    for field in concat(slice(local.heartbeat_schedule_fields, 0, 3), local.heartbeat_schedule_steps) :
    field != "" && length(regexall("[*/,-]", field)) == 0
  ]
  heartbeat_schedule_is_regular = (
    local.heartbeat_schedule_field_count == 6 && local.heartbeat_schedule_fixed[0] &&
    local.heartbeat_schedule_fields[3] == "*" && local.heartbeat_schedule_fields[4] == "*" && local.heartbeat_schedule_fields[5] == "*"
  )
  heartbeat_schedule_interval_minutes = (
    !local.heartbeat_schedule_is_regular ? 0 :
    local.heartbeat_schedule_fields[1] == "*" && local.heartbeat_schedule_fields[2] == "*" ? 1 :
    local.heartbeat_schedule_fixed[3] && local.heartbeat_schedule_fields[2] == "*" ? tonumber(local.heartbeat_schedule_steps[0]) :
    local.heartbeat_schedule_fixed[1] && local.heartbeat_schedule_fields[2] == "*" ? 60 :
    local.heartbeat_schedule_fixed[1] && local.heartbeat_schedule_fixed[4] ? 60 * tonumber(local.heartbeat_schedule_steps[1]) :
    local.heartbeat_schedule_fixed[1] && local.heartbeat_schedule_fixed[2] ? 1440 : 0
  )

  # The smallest accepted window of at least two intervals; null when there is none (the alert's
  # precondition then stops the plan with an explanation).
  heartbeat_derived_windows = [for w in local.heartbeat_windows : w if w.minutes >= 2 * local.heartbeat_schedule_interval_minutes]
  heartbeat_window = (
    var.heartbeat_window_minutes != null ? one([for w in local.heartbeat_windows : w if w.minutes == var.heartbeat_window_minutes]) :
    local.heartbeat_schedule_interval_minutes > 0 && length(local.heartbeat_derived_windows) > 0 ? local.heartbeat_derived_windows[0] : null
  )

  # At most the interval: every 5 minutes, or every minute for schedules faster than that.
  heartbeat_evaluation_frequency = local.heartbeat_schedule_interval_minutes > 0 && local.heartbeat_schedule_interval_minutes < 5 ? "PT1M" : "PT5M"

  # A successful run is a run-summary trace (one per run, written through the Functions logger) whose
  # JSON says delivered = true: every sink accepted what it was given. The alert counts these lines
  # in the window and fires when there are none. It reads the classic Application Insights schema
  # (traces, timestamp, message), because its scope is the Application Insights component the
  # function writes to; the same rows are AppTraces (TimeGenerated, Message) in the workspace.
  heartbeat_query = <<-KQL
    let prefix = "cluster-audit run-summary ";
    traces
    | where message startswith prefix
    | extend summary = parse_json(substring(message, strlen(prefix)))
    | where tobool(summary.delivered) == true
    | project timestamp, runId = tostring(summary.runId), trigger = tostring(summary.trigger)
  KQL
}

locals {
  # Only whether a URL was given is used for planning; the URL itself stays sensitive.
  heartbeat_webhook_given = nonsensitive(var.heartbeat_alert_webhook_url != null)
}

resource "azurerm_monitor_action_group" "heartbeat" {
  name                = local.names.action_group
  resource_group_name = var.resource_group_name
  short_name          = substr("audit-${var.name_prefix}", 0, 12)
  enabled             = true
  tags                = var.tags

  dynamic "email_receiver" {
    for_each = var.heartbeat_alert_email_addresses
    content {
      name                    = "email-${email_receiver.key}"
      email_address           = email_receiver.value
      use_common_alert_schema = true
    }
  }

  # The integration URL of the on-call tool. azurerm keeps it in the state (it has no write-only
  # argument for it), marked sensitive in plans.
  dynamic "webhook_receiver" {
    for_each = local.heartbeat_webhook_given ? ["on-call-webhook"] : []
    content {
      name                    = webhook_receiver.value
      service_uri             = var.heartbeat_alert_webhook_url
      use_common_alert_schema = true
    }
  }
}

# No managed identity: the rule only reads the component it is scoped to, and needs no role.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "heartbeat" {
  name                    = local.names.heartbeat_alert
  resource_group_name     = var.resource_group_name
  location                = var.location
  display_name            = "cluster-audit: no successful run in ${local.heartbeat_window.iso}"
  description             = "No cluster-audit run recorded delivered = true in the last ${local.heartbeat_window.iso} (twice the interval of AUDIT_SCHEDULE \"${var.audit_schedule}\"). The audit is stopped, failing, or cannot deliver its findings: until it runs again, no news is not good news. See infra/README.md, \"Heartbeat alert\"."
  severity                = var.heartbeat_alert_severity
  enabled                 = true
  scopes                  = [azurerm_application_insights.this.id]
  evaluation_frequency    = local.heartbeat_evaluation_frequency
  window_duration         = local.heartbeat_window.iso
  auto_mitigation_enabled = true
  tags                    = var.tags

  criteria {
    query                   = local.heartbeat_query
    time_aggregation_method = "Count"
    operator                = "LessThan"
    threshold               = 1

    failing_periods {
      number_of_evaluation_periods             = 1
      minimum_failing_periods_to_trigger_alert = 1
    }
  }

  action {
    action_groups = [azurerm_monitor_action_group.heartbeat.id]
    custom_properties = {
      functionApp   = local.names.function_app
      auditSchedule = var.audit_schedule
    }
  }

  lifecycle {
    precondition {
      condition     = local.heartbeat_window != null
      error_message = "The heartbeat window cannot be derived from audit_schedule \"${var.audit_schedule}\" (a regular schedule runs every N minutes, hourly, every N hours or daily, at most every day): set heartbeat_window_minutes to about twice its longest gap between runs."
    }
  }
}
