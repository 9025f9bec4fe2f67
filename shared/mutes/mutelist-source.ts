import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import type { Settings } from "../config/settings.js";
import { describeError, redact, statusOf } from "../errors.js";
import type { EntityTable } from "../store/entity-table.js";
import { type MuteEntry, MutelistError, parseMutelist, validateEntries } from "./mutelist.js";

const BLOB_HOSTS = /\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/i;

export interface MutelistSources {
  readonly azureCredential: () => TokenCredential;
  readonly tables: (name: string) => Promise<EntityTable>;
  readonly fetch?: typeof fetch;
  /** A mutes table that cannot be read is not a configuration error: the run goes on with the file's entries. */
  readonly warn?: (message: string) => void;
}

/**
 * Our storage token goes only to Azure Storage blob hosts or the host of the
 * findings table, and never with a SAS URL (that carries its own authority).
 */
function mayUseStorageToken(url: URL, settings: Settings): boolean {
  if (url.searchParams.has("sig")) return false;
  if (BLOB_HOSTS.test(url.hostname)) return true;
  return settings.table.kind === "endpoint" && new URL(settings.table.endpoint).hostname === url.hostname;
}

async function fromUrl(raw: string, settings: Settings, sources: MutelistSources): Promise<string> {
  const url = new URL(raw);
  const headers: Record<string, string> = { "x-ms-version": "2023-11-03" };
  if (mayUseStorageToken(url, settings)) {
    // Azure Storage takes this audience in every cloud.
    const token = await sources.azureCredential().getToken("https://storage.azure.com/.default");
    if (token) headers.authorization = `Bearer ${token.token}`;
  }
  const response = await (sources.fetch ?? fetch)(url, {
    headers,
    redirect: "error",
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok)
    throw new MutelistError([
      `AUDIT_MUTELIST: ${url.host}${url.pathname} answered HTTP ${response.status} (${redact((await response.text().catch(() => "")).slice(0, 120))})`,
    ]);
  return response.text();
}

/** The mutes table: one row per entry (RowKey = id), the same fields as the file, `tags` as JSON. */
async function fromTable(table: EntityTable): Promise<MuteEntry[]> {
  const raw: unknown[] = [];
  await table.ensureExists();
  for await (const row of table.list()) {
    const list = (value: unknown) =>
      typeof value === "string" && value.trim() !== "" ? value.split(",").map((v) => v.trim()) : undefined;
    let tags: unknown;
    if (typeof row.tags === "string" && row.tags.trim() !== "") {
      try {
        tags = JSON.parse(row.tags);
      } catch {
        tags = row.tags;
      }
    }
    const entry: Record<string, unknown> = {
      id: row.rowKey,
      rule: list(row.rule),
      scope: list(row.scope),
      cluster: list(row.cluster),
      namespace: list(row.namespace),
      tags,
      expires: row.expires,
      owner: row.owner,
      reason: row.reason,
    };
    raw.push(Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)));
  }
  return validateEntries(raw, `mutes table ${table.name}`);
}

/** Every mutelist entry in force or expired, from the file or URL and from the mutes table. */
export async function loadMutes(settings: Settings, sources: MutelistSources): Promise<MuteEntry[]> {
  const entries: MuteEntry[] = [];
  const problems: string[] = [];
  if (settings.mutelist) {
    try {
      const isUrl = /^https:\/\//i.test(settings.mutelist);
      const text = isUrl
        ? await fromUrl(settings.mutelist, settings, sources)
        : await readFile(settings.mutelist, "utf8");
      entries.push(
        ...parseMutelist(
          text,
          isUrl
            ? `AUDIT_MUTELIST ${new URL(settings.mutelist).pathname}`
            : `AUDIT_MUTELIST ${basename(settings.mutelist)}`,
        ),
      );
    } catch (error) {
      if (error instanceof MutelistError) problems.push(...error.problems);
      else problems.push(`AUDIT_MUTELIST: could not be read: ${describeError(error)}`);
    }
  }
  try {
    entries.push(...(await fromTable(await sources.tables(settings.mutesTable))));
  } catch (error) {
    if (error instanceof MutelistError) problems.push(...error.problems);
    else if (statusOf(error) !== 404)
      sources.warn?.(
        `mutes table ${settings.mutesTable} could not be read, only the mutelist file applies: ${describeError(error)}`,
      );
  }
  const ids = new Map<string, string>();
  for (const e of entries) {
    const seen = ids.get(e.id);
    if (seen) problems.push(`mute id "${e.id}" appears in ${seen} and ${e.source}`);
    ids.set(e.id, e.source);
  }
  if (problems.length > 0) throw new MutelistError(problems);
  return entries;
}
