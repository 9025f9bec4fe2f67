import type { InvocationContext } from "@azure/functions";
import type { Logger } from "../engine/ports.js";
import { type RunReport, runSummaryEvent, summarizeRun } from "../engine/run-audit.js";

/** The engine's logger on the invocation's log, so every line carries the invocation context. */
export const loggerOf = (context: InvocationContext): Logger => ({
  info: (m) => context.log(m),
  warn: (m) => context.warn(m),
  error: (m) => context.error(m),
});

/** The run's two lines: the structured heartbeat event and the human summary; fails the invocation when output did not land. */
export function concludeRun(report: RunReport, context: InvocationContext): void {
  context.log(runSummaryEvent(report));
  const summary = summarizeRun(report);
  if (report.run.delivered) {
    context.log(summary);
    return;
  }
  context.error(summary);
  // Fail the invocation so monitoring sees it; undelivered chat alerts stay owed in the table.
  throw new Error(`audit run ${report.run.id} did not deliver all output`);
}
