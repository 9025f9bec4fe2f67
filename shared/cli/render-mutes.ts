import Table from "cli-table3";
import { type MuteEntry, muteStatus } from "../mutes/mutelist.js";
import { cleanText } from "../sinks/digest.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what we remove
const cell = (value: string, max: number): string => cleanText(value, max).replace(/\u001b/g, "") || "-";

/** The mutelist as a terminal table: active entries first, then the expired ones that no longer apply. */
export function renderMutes(entries: readonly MuteEntry[], now: Date): string {
  const { active, expired } = muteStatus(entries, now);
  const table = new Table({
    head: ["status", "id", "rule", "scope", "cluster", "namespace/tags", "expires", "owner", "reason"],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [9, 18, 20, 16, 14, 16, 12, 18, 30],
  });
  for (const [status, list] of [
    ["active", active],
    ["EXPIRED", expired],
  ] as const)
    for (const e of list)
      table.push([
        status,
        cell(e.id, 60),
        cell(e.rules.join(", "), 80),
        cell(e.scopes.join(", ") || "*", 80),
        cell(e.clusters.join(", ") || "*", 80),
        cell([...e.namespaces, ...Object.entries(e.tags).map(([k, v]) => `${k}=${v}`)].join(", ") || "-", 80),
        e.expires.toISOString().slice(0, 10),
        cell(e.owner, 60),
        cell(e.reason, 200),
      ]);
  return `${entries.length === 0 ? "No mutelist entries (AUDIT_MUTELIST, AUDIT_MUTES_TABLE)." : table.toString()}\n${active.length} active, ${expired.length} expired.\n`;
}
