import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runKql } from "../../shared/fakes/kql/interpreter.js";
import { analyzeKql } from "../../shared/fakes/kql/language-service.js";
import type { KqlSchema } from "../../shared/fakes/kql/schema.js";
import type { KqlTableData } from "../../shared/fakes/kql/types.js";
import {
  allBlocks,
  type HclBlock,
  loadBicepSources,
  loadTerraformSources,
  matchBracket,
  OFFLINE_TERRAFORM,
  parseHcl,
  REPO_ROOT,
  type Source,
} from "./infra-text.js";
import { terraformVariable } from "./name-checks.js";

// The heartbeat: an alert in both trees that fires when no successful run has been recorded for two
// schedule intervals. The code writes one trace per run through the Functions logger:
//   cluster-audit run-summary {"runId":…,"trigger":…,"delivered":true|false,…}
// and the alert counts the delivered ones in its window.

const bicepSources = loadBicepSources();
const terraformSources = loadTerraformSources();

function bicep(suffix: string): Source {
  const source = bicepSources.find((s) => s.path.endsWith(suffix));
  if (!source) throw new Error(`No Bicep file ending in ${suffix}`);
  return source;
}

function terraform(path: string): Source {
  const source = terraformSources.find((s) => s.path === path);
  if (!source) throw new Error(`No Terraform file ${path}`);
  return source;
}

const bicepModule = bicep("modules/heartbeat-alert.bicep");
const terraformFile = terraform("infra/terraform/main.heartbeat.tf");

function resourceBlock(type: string, name: string): HclBlock {
  const found = terraformSources
    .flatMap((source) => allBlocks(parseHcl(source)))
    .filter((b) => b.type === "resource" && b.labels[0] === type && b.labels[1] === name);
  expect(found, `resource "${type}" "${name}"`).toHaveLength(1);
  const [block] = found;
  if (!block) throw new Error(`No resource ${type}.${name}`);
  return block;
}

function attribute(block: HclBlock, name: string): string | undefined {
  return block.body.attributes.find((a) => a.name === name)?.expr;
}

/** Removes the common indentation, as Terraform does for `<<-` heredocs. */
function dedent(text: string): string {
  const lines = text.split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join("\n");
}

const bicepQuery = (/^var query = '''\n([\s\S]*?)'''$/m.exec(bicepModule.text)?.[1] ?? "").trim();
const terraformQuery = dedent(
  /heartbeat_query = <<-KQL\n([\s\S]*?)\n\s*KQL\n/.exec(terraformFile.text)?.[1] ?? "",
).trim();

// ---------------------------------------------------------------------------
// The query
// ---------------------------------------------------------------------------

/**
 * Application Insights' classic `traces` table, as a log search alert scoped to the component sees it
 * (https://learn.microsoft.com/azure/azure-monitor/app/data-model-complete; the workspace-based
 * equivalent is AppTraces with TimeGenerated and Message).
 */
const tracesSchema: KqlSchema = {
  tables: {
    traces: {
      timestamp: "datetime",
      message: "string",
      severityLevel: "int",
      itemType: "string",
      customDimensions: "dynamic",
      operation_Name: "string",
      operation_Id: "string",
      cloud_RoleName: "string",
      itemCount: "int",
    },
  },
  tableNamesCaseInsensitive: false,
};

const NOW = new Date("2026-03-02T12:00:00Z");
const minutesAgo = (minutes: number): Date => new Date(NOW.getTime() - minutes * 60_000);

const runSummary = (minutes: number, runId: string, delivered: unknown): Record<string, unknown> => ({
  timestamp: minutesAgo(minutes),
  message: `cluster-audit run-summary ${JSON.stringify({
    runId,
    trigger: "timer",
    startedAt: minutesAgo(minutes + 1).toISOString(),
    finishedAt: minutesAgo(minutes).toISOString(),
    durationMs: 60_000,
    delivered,
    counts: { fail: 1, pass: 40 },
    coverage: 12,
    gaps: 0,
    sinks: [{ sink: "table", ok: true }],
  })}`,
  severityLevel: 1,
  itemType: "trace",
  customDimensions: { Category: "Function.auditTimer.User" },
  operation_Name: "auditTimer",
  operation_Id: runId,
  cloud_RoleName: "func-caudit",
  itemCount: 1,
});

/** The alert's evaluation: the service limits the query to the window, the rule fires on a count < 1. */
function evaluate(rows: readonly Record<string, unknown>[], windowMinutes: number): { count: number; fires: boolean } {
  const inWindow = rows.filter((row) => (row.timestamp as Date).getTime() > minutesAgo(windowMinutes).getTime());
  const traces: KqlTableData = { columns: tracesSchema.tables.traces ?? {}, rows: inWindow };
  const result = runKql(bicepQuery, { traces }, { now: NOW });
  return { count: result.rows.length, fires: result.rows.length < 1 };
}

describe("the heartbeat query", () => {
  it("is the same query in Bicep and Terraform", () => {
    expect(bicepQuery).toContain("traces");
    expect(bicepQuery).toBe(terraformQuery);
  });

  it("binds cleanly against Application Insights' traces table (timestamp, message)", () => {
    const analysis = analyzeKql(bicepQuery, tracesSchema);
    expect(analysis.diagnostics.filter((d) => d.severity === "Error")).toEqual([]);
    expect(analysis.resultColumns).toEqual([
      { name: "timestamp", type: "datetime" },
      { name: "runId", type: "string" },
      { name: "trigger", type: "string" },
    ]);
    // Against the workspace table it would not bind: the alert is scoped to the component on purpose.
    const workspace: KqlSchema = {
      tables: {
        AppTraces: { TimeGenerated: "datetime", Message: "string", SeverityLevel: "int", Properties: "dynamic" },
      },
      tableNamesCaseInsensitive: false,
    };
    expect(analyzeKql(bicepQuery, workspace, { errorsOnly: true }).diagnostics.length).toBeGreaterThan(0);
  });

  it("counts only run summaries whose JSON says delivered = true", () => {
    const rows = [
      runSummary(5, "r-ok", true),
      runSummary(6, "r-failed-sink", false),
      runSummary(7, "r-string", "true"),
      runSummary(8, "r-missing", undefined),
      { ...runSummary(9, "r-other", true), message: 'audit run r-other {"delivered":true}' },
      { ...runSummary(10, "r-inside", true), message: 'note: cluster-audit run-summary {"delivered":true}' },
      { ...runSummary(11, "r-broken", true), message: "cluster-audit run-summary {not json" },
    ];
    const traces: KqlTableData = { columns: tracesSchema.tables.traces ?? {}, rows };
    const result = runKql(bicepQuery, { traces }, { now: NOW });
    const runIds = result.rows.map((row) => row[1]);
    // "true" as a JSON string converts with tobool() too: the code writes a boolean, and a string
    // "true" is not a failure worth paging for.
    expect(runIds.sort()).toEqual(["r-ok", "r-string"]);
  });

  it("fires after two schedule intervals without a successful run, and not before", () => {
    const window = 30; // the default schedule, every 15 minutes
    expect(evaluate([runSummary(14, "r1", true), runSummary(29, "r0", true)], window)).toEqual({
      count: 2,
      fires: false,
    });
    // One missed run: the run before it is still in the window.
    expect(evaluate([runSummary(29, "r0", true)], window).fires).toBe(false);
    // Two intervals of runs that could not deliver: the audit ran, but nobody heard of its findings.
    expect(
      evaluate([runSummary(1, "r2", false), runSummary(16, "r1", false), runSummary(31, "r0", true)], window),
    ).toEqual({
      count: 0,
      fires: true,
    });
    // Stopped: nothing at all.
    expect(evaluate([], window).fires).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// The window follows the schedule
// ---------------------------------------------------------------------------

/** Expected window and evaluation frequency for schedules (null: not derivable, the input is needed). */
const SCHEDULES: readonly {
  schedule: string;
  override?: number;
  interval: number;
  window: string | null;
  frequency: string;
}[] = [
  { schedule: "0 */15 * * * *", interval: 15, window: "PT30M", frequency: "PT5M" },
  { schedule: "0  */15 *  * * *", interval: 15, window: "PT30M", frequency: "PT5M" },
  { schedule: "0 */5 * * * *", interval: 5, window: "PT10M", frequency: "PT5M" },
  { schedule: "0 */10 * * * *", interval: 10, window: "PT30M", frequency: "PT5M" },
  { schedule: "0 */20 * * * *", interval: 20, window: "PT45M", frequency: "PT5M" },
  { schedule: "30 */30 * * * *", interval: 30, window: "PT1H", frequency: "PT5M" },
  { schedule: "0 * * * * *", interval: 1, window: "PT5M", frequency: "PT1M" },
  { schedule: "0 */2 * * * *", interval: 2, window: "PT5M", frequency: "PT1M" },
  { schedule: "0 0 * * * *", interval: 60, window: "PT2H", frequency: "PT5M" },
  { schedule: "0 30 */2 * * *", interval: 120, window: "PT4H", frequency: "PT5M" },
  { schedule: "0 0 */6 * * *", interval: 360, window: "P1D", frequency: "PT5M" },
  { schedule: "0 15 3 * * *", interval: 1440, window: "P2D", frequency: "PT5M" },
  { schedule: "0 0 */30 * * *", interval: 1800, window: null, frequency: "PT5M" },
  { schedule: "*/30 * * * * *", interval: 0, window: null, frequency: "PT5M" },
  { schedule: "0 */15 8-18 * * 1-5", interval: 0, window: null, frequency: "PT5M" },
  { schedule: "0 0,30 * * * *", interval: 0, window: null, frequency: "PT5M" },
  { schedule: "0 0,30 * * * *", override: 60, interval: 0, window: "PT1H", frequency: "PT5M" },
  { schedule: "0 */15 * * * *", override: 45, interval: 15, window: "PT45M", frequency: "PT5M" },
];

/** The `locals { ... }` block of main.heartbeat.tf that derives the window. */
function windowLocalsBlock(): string {
  const start = terraformFile.masked.indexOf("locals {");
  if (start === -1) throw new Error("main.heartbeat.tf has no locals block");
  return terraformFile.text.slice(start, matchBracket(terraformFile.masked, start + "locals ".length) + 1);
}

const terraformOnPath = (() => {
  // CHECKPOINT_DISABLE: `terraform version` otherwise asks checkpoint-api.hashicorp.com for upgrades.
  const probe = spawnSync("terraform", ["version"], { encoding: "utf8", timeout: 20_000, env: OFFLINE_TERRAFORM });
  return probe.error === undefined && probe.status === 0;
})();

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Evaluates the Terraform derivation for one schedule with `terraform console` (no provider needed). */
function terraformDerivation(dir: string, schedule: string, override?: number): Promise<unknown> {
  const args = ["console", `-var=audit_schedule=${schedule}`];
  if (override !== undefined) args.push(`-var=heartbeat_window_minutes=${override}`);
  return new Promise((resolve, reject) => {
    const child = spawn("terraform", args, {
      cwd: dir,
      env: OFFLINE_TERRAFORM,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith('"'));
      if (code !== 0 || !line)
        reject(new Error(`terraform console for "${schedule}" exited ${code}: ${stderr}${stdout}`));
      else resolve(JSON.parse(JSON.parse(line) as string));
    });
    child.stdin.end(
      "jsonencode({ interval = local.heartbeat_schedule_interval_minutes, window = try(local.heartbeat_window.iso, null), frequency = local.heartbeat_evaluation_frequency })\n",
    );
  });
}

describe("the heartbeat window follows AUDIT_SCHEDULE", () => {
  it.skipIf(!terraformOnPath)(
    "is twice the schedule interval, rounded up to an accepted window (Terraform, evaluated)",
    async () => {
      const config = [
        'variable "audit_schedule" {\n  type = string\n}',
        'variable "heartbeat_window_minutes" {\n  type    = number\n  default = null\n}',
        windowLocalsBlock(),
      ].join("\n\n");
      // One directory per run: terraform console takes a lock on its working directory.
      const results = await Promise.all(
        SCHEDULES.map((c) => {
          const dir = mkdtempSync(join(tmpdir(), "heartbeat-window-"));
          scratch.push(dir);
          writeFileSync(join(dir, "main.tf"), config);
          return terraformDerivation(dir, c.schedule, c.override);
        }),
      );
      SCHEDULES.forEach((c, i) => {
        expect(results[i], `${c.schedule}${c.override ? ` (override ${c.override})` : ""}`).toEqual({
          interval: c.interval,
          window: c.window,
          frequency: c.frequency,
        });
      });
    },
    60_000,
  );

  it("uses the same windows, field rules and frequency in Bicep as in Terraform", () => {
    const table = (code: string): string[] =>
      [...code.matchAll(/\{\s*minutes\s*[:=]\s*(\d+)\s*,?\s*iso\s*[:=]\s*['"](P[0-9A-Z]+)['"]\s*\}/g)].map(
        (m) => `${m[1]}=${m[2]}`,
      );
    const bicepTable = table(bicepModule.code);
    expect(bicepTable).toHaveLength(13);
    expect(bicepTable).toEqual(table(terraformFile.code));
    const minutes = bicepTable.map((entry) => Number(entry.split("=")[0]));

    // The override accepts exactly those windows (0 / null = derived) in both trees.
    const allowed = (source: Source, param: string): number[] => {
      const at = source.code.search(new RegExp(`^param ${param} int`, "m"));
      const decorators = source.code.slice(source.code.lastIndexOf("@allowed([", at), at);
      return [...decorators.matchAll(/^\s+(\d+)$/gm)].map((m) => Number(m[1]));
    };
    expect(allowed(bicepModule, "windowMinutes")).toEqual([0, ...minutes]);
    expect(allowed(bicep("infra/bicep/main.bicep"), "heartbeatWindowMinutes")).toEqual([0, ...minutes]);
    const validation =
      terraformVariable(terraformSources, "heartbeat_window_minutes").body.blocks[0]?.body.attributes[0]?.expr ?? "";
    expect(/contains\(\[([\d, ]+)\]/.exec(validation)?.[1]?.split(", ").map(Number)).toEqual(minutes);

    // The same field rules, branch by branch, in the same order.
    const bicepBranches = [
      /var scheduleFieldCount = length\(filter\(split\(auditSchedule, ' '\), field => !empty\(field\)\)\)/,
      /startsWith\(scheduleFields\[1\], '\*\/'\) \? substring\(scheduleFields\[1\], 2\) : ''/,
      /startsWith\(scheduleFields\[2\], '\*\/'\) \? substring\(scheduleFields\[2\], 2\) : ''/,
      /map\(concat\(take\(scheduleFields, 3\), scheduleSteps\), field => !empty\(field\) && !contains\(field, '\*'\) && !contains\(field, '\/'\) && !contains\(field, ','\) && !contains\(field, '-'\)\)/,
      /scheduleFieldCount == 6 && scheduleFixed\[0\] && scheduleFields\[3\] == '\*' && scheduleFields\[4\] == '\*' && scheduleFields\[5\] == '\*'/,
      /!scheduleIsRegular\s+\? 0\s+: scheduleFields\[1\] == '\*' && scheduleFields\[2\] == '\*'\s+\? 1\s+: scheduleFixed\[3\] && scheduleFields\[2\] == '\*'\s+\? int\(scheduleSteps\[0\]\)\s+: scheduleFixed\[1\] && scheduleFields\[2\] == '\*'\s+\? 60\s+: scheduleFixed\[1\] && scheduleFixed\[4\]\s+\? 60 \* int\(scheduleSteps\[1\]\)\s+: scheduleFixed\[1\] && scheduleFixed\[2\] \? 1440 : 0/,
      /filter\(allowedWindows, candidate => candidate\.minutes >= 2 \* scheduleIntervalMinutes\)/,
      /var evaluationFrequency = scheduleIntervalMinutes > 0 && scheduleIntervalMinutes < 5 \? 'PT1M' : 'PT5M'/,
    ];
    const terraformBranches = [
      /heartbeat_schedule_field_count = length\(regexall\("\\\\S\+", var\.audit_schedule\)\)/,
      /startswith\(local\.heartbeat_schedule_fields\[1\], "\*\/"\) \? substr\(local\.heartbeat_schedule_fields\[1\], 2, -1\) : ""/,
      /startswith\(local\.heartbeat_schedule_fields\[2\], "\*\/"\) \? substr\(local\.heartbeat_schedule_fields\[2\], 2, -1\) : ""/,
      /for field in concat\(slice\(local\.heartbeat_schedule_fields, 0, 3\), local\.heartbeat_schedule_steps\) :\s+field != "" && length\(regexall\("\[\*\/,-\]", field\)\) == 0/,
      /local\.heartbeat_schedule_field_count == 6 && local\.heartbeat_schedule_fixed\[0\] &&\s+local\.heartbeat_schedule_fields\[3\] == "\*" && local\.heartbeat_schedule_fields\[4\] == "\*" && local\.heartbeat_schedule_fields\[5\] == "\*"/,
      /!local\.heartbeat_schedule_is_regular \? 0 :\s+local\.heartbeat_schedule_fields\[1\] == "\*" && local\.heartbeat_schedule_fields\[2\] == "\*" \? 1 :\s+local\.heartbeat_schedule_fixed\[3\] && local\.heartbeat_schedule_fields\[2\] == "\*" \? tonumber\(local\.heartbeat_schedule_steps\[0\]\) :\s+local\.heartbeat_schedule_fixed\[1\] && local\.heartbeat_schedule_fields\[2\] == "\*" \? 60 :\s+local\.heartbeat_schedule_fixed\[1\] && local\.heartbeat_schedule_fixed\[4\] \? 60 \* tonumber\(local\.heartbeat_schedule_steps\[1\]\) :\s+local\.heartbeat_schedule_fixed\[1\] && local\.heartbeat_schedule_fixed\[2\] \? 1440 : 0/,
      /\[for w in local\.heartbeat_windows : w if w\.minutes >= 2 \* local\.heartbeat_schedule_interval_minutes\]/,
      /heartbeat_evaluation_frequency = local\.heartbeat_schedule_interval_minutes > 0 && local\.heartbeat_schedule_interval_minutes < 5 \? "PT1M" : "PT5M"/,
    ];
    for (const branch of bicepBranches) expect(bicepModule.code).toMatch(branch);
    for (const branch of terraformBranches) expect(terraformFile.code).toMatch(branch);

    // A schedule it cannot follow stops the deployment with an explanation, never a silent default.
    expect(bicepModule.code).toMatch(/scheduleIntervalMinutes == 0\s+\? fail\('The heartbeat window cannot be derived/);
    expect(bicepModule.code).toMatch(/empty\(derivedWindows\)\s+\? fail\(/);
    const alert = resourceBlock("azurerm_monitor_scheduled_query_rules_alert_v2", "heartbeat");
    const precondition = alert.body.blocks
      .find((b) => b.type === "lifecycle")
      ?.body.blocks.find((b) => b.type === "precondition");
    expect(precondition && attribute(precondition, "condition")).toBe("local.heartbeat_window != null");
    // The derivation reads the schedule the app runs on.
    expect(bicep("infra/bicep/main.bicep").code).toMatch(
      /module heartbeatAlert 'modules\/heartbeat-alert\.bicep' = \{[\s\S]*?auditSchedule: auditSchedule/,
    );
  });
});

// ---------------------------------------------------------------------------
// The alert rule and the action group
// ---------------------------------------------------------------------------

describe("the heartbeat alert rule", () => {
  it("is a log search alert on Application Insights that fires on a count of 0 (Bicep)", () => {
    const code = bicepModule.code;
    const open = code.indexOf("resource heartbeatAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {");
    expect(open).toBeGreaterThan(-1);
    const body = code.slice(open, matchBracket(bicepModule.masked, code.indexOf("{", open)) + 1);
    expect(body).toMatch(/kind: 'LogAlert'/);
    expect(body).toMatch(/scopes: \[\s+appInsights\.id\s+\]/);
    expect(body).toMatch(/evaluationFrequency: evaluationFrequency/);
    expect(body).toMatch(/windowSize: heartbeatWindow\.iso/);
    expect(body).toMatch(
      /query: query\s+timeAggregation: 'Count'\s+operator: 'LessThan'\s+threshold: 1\s+failingPeriods: \{\s+numberOfEvaluationPeriods: 1\s+minFailingPeriodsToAlert: 1\s+\}/,
    );
    expect(body).toMatch(/autoMitigate: true/);
    expect(body).toMatch(/actionGroups: \[\s+actionGroup\.id\s+\]/);
    expect(body).not.toMatch(/identity/);
    expect(code).toMatch(
      /resource appInsights 'Microsoft\.Insights\/components@2020-02-02' existing = \{\s+name: appInsightsName/,
    );
    expect(bicep("infra/bicep/main.bicep").code).toMatch(/appInsightsName: monitoring\.outputs\.appInsightsName/);
  });

  it("is the same alert in Terraform", () => {
    const alert = resourceBlock("azurerm_monitor_scheduled_query_rules_alert_v2", "heartbeat");
    expect(attribute(alert, "scopes")).toBe("[azurerm_application_insights.this.id]");
    expect(attribute(alert, "evaluation_frequency")).toBe("local.heartbeat_evaluation_frequency");
    expect(attribute(alert, "window_duration")).toBe("local.heartbeat_window.iso");
    expect(attribute(alert, "auto_mitigation_enabled")).toBe("true");
    expect(attribute(alert, "enabled")).toBe("true");
    const criteria = alert.body.blocks.find((b) => b.type === "criteria");
    if (!criteria) throw new Error("no criteria");
    expect(attribute(criteria, "query")).toBe("local.heartbeat_query");
    expect(attribute(criteria, "time_aggregation_method")).toBe('"Count"');
    expect(attribute(criteria, "operator")).toBe('"LessThan"');
    expect(attribute(criteria, "threshold")).toBe("1");
    const failing = criteria.body.blocks.find((b) => b.type === "failing_periods");
    expect(failing && attribute(failing, "number_of_evaluation_periods")).toBe("1");
    expect(failing && attribute(failing, "minimum_failing_periods_to_trigger_alert")).toBe("1");
    const action = alert.body.blocks.find((b) => b.type === "action");
    expect(action && attribute(action, "action_groups")).toBe("[azurerm_monitor_action_group.heartbeat.id]");
    // No identity, hence no role to grant.
    expect(alert.body.blocks.map((b) => b.type)).not.toContain("identity");
  });

  it("tells on-call through an action group: email receivers from a list, an optional webhook", () => {
    const code = bicepModule.code;
    expect(code).toMatch(
      /resource actionGroup 'Microsoft\.Insights\/actionGroups@2023-01-01' = \{\s+name: actionGroupName\s+location: 'Global'/,
    );
    expect(code).toMatch(
      /emailReceivers: \[\s+for \(emailAddress, i\) in emailAddresses: \{\s+name: 'email-\$\{i\}'\s+emailAddress: emailAddress/,
    );
    expect(code).toMatch(
      /webhookReceivers: empty\(webhookUrl\)\s+\? \[\]\s+: \[\s+\{\s+name: 'on-call-webhook'\s+serviceUri: webhookUrl/,
    );
    expect(code).toMatch(/@secure\(\)\s+param webhookUrl string = ''/);
    const main = bicep("infra/bicep/main.bicep").code;
    expect(main).toMatch(/param heartbeatAlertEmailAddresses string\[\] = \[\]/);
    expect(main).toMatch(/@secure\(\)\s+param heartbeatAlertWebhookUrl string = ''/);

    const group = resourceBlock("azurerm_monitor_action_group", "heartbeat");
    const dynamics = group.body.blocks.filter((b) => b.type === "dynamic");
    const email = dynamics.find((b) => b.labels[0] === "email_receiver");
    const webhook = dynamics.find((b) => b.labels[0] === "webhook_receiver");
    expect(email && attribute(email, "for_each")).toBe("var.heartbeat_alert_email_addresses");
    expect(webhook && attribute(webhook, "for_each")).toBe('local.heartbeat_webhook_given ? ["on-call-webhook"] : []');
    const webhookContent = webhook?.body.blocks.find((b) => b.type === "content");
    expect(webhookContent && attribute(webhookContent, "service_uri")).toBe("var.heartbeat_alert_webhook_url");
    const variable = terraformVariable(terraformSources, "heartbeat_alert_webhook_url");
    expect(attribute(variable, "sensitive")).toBe("true");
    expect(attribute(terraformVariable(terraformSources, "heartbeat_alert_email_addresses"), "default")).toBe("[]");
  });

  it("documents how on-call hears of the alert and how to test it", () => {
    const readme = readFileSync(join(REPO_ROOT, "infra", "README.md"), "utf8");
    const start = readme.indexOf("## Heartbeat alert");
    expect(start).toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    for (const needle of [
      "heartbeatAlertEmailAddresses",
      "heartbeat_alert_email_addresses",
      "heartbeatAlertWebhookUrl",
      "heartbeat_alert_webhook_url",
      "az functionapp stop",
      "cluster-audit run-summary ",
      "heartbeatWindowMinutes",
    ]) {
      expect(section, needle).toContain(needle);
    }
    // The query in the README is the one deployed.
    const documented = /```kusto\n([\s\S]*?)\n\s*```/.exec(section)?.[1] ?? "";
    expect(dedent(documented).trim()).toBe(bicepQuery);
  });
});
