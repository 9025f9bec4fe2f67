import { app, type InvocationContext, type Timer } from "@azure/functions";
import { DEFAULT_SCHEDULE, loadSettings } from "../shared/config/settings.js";
import { composeAudit } from "../shared/engine/compose.js";
import { runAudit, summarizeRun } from "../shared/engine/run-audit.js";
import { ConfigError } from "../shared/errors.js";

/** Timer entry point: validate settings, compose, run, log one summary line. */
export async function auditTimer(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn("audit timer is running late");
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) context.error(error.message);
    throw error;
  }
  const deps = await composeAudit(settings, {
    log: { info: (m) => context.log(m), warn: (m) => context.warn(m), error: (m) => context.error(m) },
  }).catch((error: unknown) => {
    if (error instanceof ConfigError) context.error(error.message);
    throw error;
  });
  const report = await runAudit(deps, { trigger: "timer", notify: true });
  const summary = summarizeRun(report);
  if (report.run.delivered) {
    context.log(summary);
    return;
  }
  context.error(summary);
  // Fail the invocation so monitoring sees it; undelivered chat alerts stay pending in the table.
  throw new Error(`audit run ${report.run.id} did not deliver all output`);
}

app.timer("auditTimer", {
  // NCRONTAB, UTC. Read at registration; an invalid value fails the first run with a clear message.
  schedule: process.env.AUDIT_SCHEDULE?.trim() || DEFAULT_SCHEDULE,
  runOnStartup: false,
  useMonitor: true,
  handler: auditTimer,
});
