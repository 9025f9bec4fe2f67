import { app, type InvocationContext, type Timer } from "@azure/functions";
import { DEFAULT_SCHEDULE, loadSettings } from "../shared/config/settings.js";
import { composeAudit } from "../shared/engine/compose.js";
import { runAudit } from "../shared/engine/run-audit.js";
import { ConfigError } from "../shared/errors.js";
import { composeFanOut } from "../shared/fanout/compose-fanout.js";
import { planSweep } from "../shared/fanout/orchestrator.js";
import { concludeRun, loggerOf } from "../shared/hosting/run-context.js";

/** Timer entry point: validate settings, then run the sweep in-process or fan it out over the scope queue. */
export async function auditTimer(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn("audit timer is running late");
  const log = loggerOf(context);
  const reportConfig = (error: unknown): never => {
    if (error instanceof ConfigError) context.error(error.message);
    throw error;
  };
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    return reportConfig(error);
  }
  const fanOut = settings.fanOut.minScopes === null ? null : await composeFanOut(settings, { log });
  const plan = fanOut ? await planSweep(fanOut, "timer") : { mode: "in-process" as const, settings };
  // Fanned out: the queue workers audit, and the finishing step notifies and logs the run's summary.
  if (plan.mode === "fan-out") return;
  const deps = await composeAudit(plan.settings, { log }).catch(reportConfig);
  concludeRun(await runAudit(deps, { trigger: "timer", notify: true }), context);
}

app.timer("auditTimer", {
  // NCRONTAB, UTC. Read at registration; an invalid value fails the first run with a clear message.
  schedule: process.env.AUDIT_SCHEDULE?.trim() || DEFAULT_SCHEDULE,
  runOnStartup: false,
  useMonitor: true,
  handler: auditTimer,
});
