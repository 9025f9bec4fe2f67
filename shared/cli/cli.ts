import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Environment, loadSettings } from "../config/settings.js";
import { composeAudit } from "../engine/compose.js";
import type { Logger } from "../engine/ports.js";
import { type RunReport, runAudit } from "../engine/run-audit.js";
import { ConfigError, describeError } from "../errors.js";
import { repoRoot } from "../paths.js";
import { cleanText } from "../sinks/digest.js";
import { renderGpuCsv } from "./render-gpu-csv.js";
import { renderHtml } from "./render-html.js";
import { renderMutes } from "./render-mutes.js";
import { renderOcsf } from "./render-ocsf.js";
import { renderCsv, renderTable } from "./render-report.js";

export const USAGE =
  "usage: npm run audit -- [--output table|json|csv|ocsf|gpu-csv|html] [--out FILE] [--no-notify]\n       npm run audit -- --mutes   (list the mutelist entries, active and expired)";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
}

export const EXIT = { ok: 0, deliveryFailed: 1, badConfig: 2, crashed: 3 } as const;

const OUTPUTS = ["table", "json", "csv", "ocsf", "gpu-csv", "html"] as const;
type OutputFormat = (typeof OUTPUTS)[number];

function render(report: RunReport, format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "csv") return renderCsv(report);
  if (format === "ocsf") return renderOcsf(report);
  // The FinOps GPU anomalies of the run, and the self-contained HTML report.
  if (format === "gpu-csv") return renderGpuCsv(report);
  if (format === "html") return renderHtml(report);
  return renderTable(report);
}

/** One full sweep, exactly what the timer function runs; returns the exit code. */
export async function runCli(argv: readonly string[], env: Environment, io: CliIo): Promise<number> {
  let values: {
    output?: string | undefined;
    out?: string | undefined;
    "no-notify"?: boolean | undefined;
    mutes?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        output: { type: "string" },
        out: { type: "string" },
        "no-notify": { type: "boolean" },
        mutes: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${describeError(error)}\n${USAGE}\n`);
    return EXIT.badConfig;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const format = OUTPUTS.find((o) => o === (values.output ?? "table"));
  if (!format) {
    io.stderr(`unknown --output ${JSON.stringify(values.output)} (expected ${OUTPUTS.join(", ")})\n${USAGE}\n`);
    return EXIT.badConfig;
  }

  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(env, { localStoreDirectory: join(repoRoot(), ".cache", "store") });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return EXIT.badConfig;
    }
    throw error;
  }

  const log: Logger = {
    info: (m) => io.stderr(`${m}\n`),
    warn: (m) => io.stderr(`warning: ${m}\n`),
    error: (m) => io.stderr(`error: ${m}\n`),
  };
  if (settings.table.kind === "local")
    io.stderr(
      `findings store: local files in ${settings.table.directory} (set AUDIT_TABLE_ENDPOINT to use Azure Table Storage)\n`,
    );
  let report: RunReport;
  try {
    const deps = await composeAudit(settings, {
      log,
      ...(io.isTty ? { progress: (m: string) => io.stderr(`… ${m}\n`) } : {}),
    });
    if (values.mutes) {
      io.stdout(renderMutes(deps.muteEntries, new Date()));
      return EXIT.ok;
    }
    report = await runAudit(deps, { trigger: "cli", notify: !values["no-notify"] });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return EXIT.badConfig;
    }
    io.stderr(`audit failed: ${describeError(error)}\n`);
    return EXIT.crashed;
  }
  for (const mute of report.run.mutes?.expired ?? [])
    io.stderr(
      `mute ${mute.id} (owner ${cleanText(mute.owner, 80)}) expired on ${mute.expires}: the findings it covered are live again\n`,
    );
  const text = render(report, format);
  if (values.out) {
    await writeFile(values.out, text, "utf8");
    io.stderr(`report written to ${values.out}\n`);
  } else {
    io.stdout(text);
  }
  for (const s of report.run.sinks.filter((r) => !r.ok))
    io.stderr(`error: ${s.sink} (${s.target}) failed: ${s.error ?? "unknown"}\n`);
  return report.run.delivered ? EXIT.ok : EXIT.deliveryFailed;
}
