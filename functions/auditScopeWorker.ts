import { app, type InvocationContext } from "@azure/functions";
import { loadSettings } from "../shared/config/settings.js";
import { ConfigError } from "../shared/errors.js";
import { composeFanOut } from "../shared/fanout/compose-fanout.js";
import { parseFanOutMessage } from "../shared/fanout/messages.js";
import { finishSweep, runScope } from "../shared/fanout/orchestrator.js";
import { concludeRun, loggerOf } from "../shared/hosting/run-context.js";

/** host.json `extensions.queues.maxDequeueCount`, which the host applies before it poisons a message. */
export const MAX_DEQUEUE_COUNT = 5;

/**
 * Queue entry point of the fan-out: audits one scope, or runs a sweep's finishing step.
 * A message that fails its last try leaves a failed report first, so the sweep reports the
 * scope as a blind spot instead of going quiet; then the host moves it to the poison queue.
 */
export async function auditScopeWorker(message: unknown, context: InvocationContext): Promise<void> {
  const log = loggerOf(context);
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) context.error(error.message);
    throw error;
  }
  const deps = await composeFanOut(settings, { log });
  if (!deps) throw new Error("AUDIT_QUEUE_ENDPOINT is not set: this app does not fan out, yet a scope message arrived");
  const parsed = parseFanOutMessage(message);
  if (parsed.kind === "scope") {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    await runScope(deps, parsed, { dequeueCount, maxDequeueCount: MAX_DEQUEUE_COUNT });
    return;
  }
  const report = await finishSweep(deps, parsed);
  if (report) concludeRun(report, context);
}

app.storageQueue("auditScopeWorker", {
  queueName: "%AUDIT_QUEUE_NAME%",
  connection: "AzureWebJobsStorage",
  handler: auditScopeWorker,
});
