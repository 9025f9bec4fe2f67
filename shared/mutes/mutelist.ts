/**
 * The mutelist: entries that silence findings on purpose, each with an expiry,
 * an owner and a reason. Muted findings keep their lifecycle and are stored as
 * `muted`, never sent; an expired entry stops applying, and chat hears once that
 * the finding is live again. Parsing is strict: a malformed entry stops the run
 * with a message naming it, it is never silently dropped.
 */
import picomatch from "picomatch";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { DraftFinding } from "../engine/evaluate.js";
import type { MuteContext, MuteMatcher } from "../engine/mutes.js";
import type { MuteRecord } from "../model/finding.js";

export interface MuteEntry {
  readonly id: string;
  /** Rule IDs (or globs); `*` matches every rule. */
  readonly rules: readonly string[];
  /** Subscription or account ID globs; empty matches every scope. */
  readonly scopes: readonly string[];
  /** Cluster name globs; empty matches every cluster (and scope-level findings). */
  readonly clusters: readonly string[];
  /** Kubernetes namespaces of the Service or workload the finding is about. */
  readonly namespaces: readonly string[];
  /** Cluster tags that must all be present with these values. */
  readonly tags: Readonly<Record<string, string>>;
  readonly expires: Date;
  readonly owner: string;
  readonly reason: string;
  /** Where it came from: the file, or the mutes table. */
  readonly source: string;
}

const listOf = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const dateOf = z.union([z.date(), z.string().min(1)]).transform((v, ctx) => {
  const date = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T23:59:59.999Z` : v);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({
      code: "custom",
      message: `"${String(v).slice(0, 40)}" is not a date (use 2027-01-31 or an ISO date-time)`,
    });
    return z.NEVER;
  }
  return date;
});

const entrySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, "id: letters, digits, '.', '_' or '-', at most 100")
    .optional(),
  rule: listOf.optional(),
  rules: listOf.optional(),
  scope: listOf.optional(),
  cluster: listOf.optional(),
  namespace: listOf.optional(),
  tags: z.record(z.string(), z.string()).optional(),
  expires: dateOf,
  owner: z.string().trim().min(1, "owner: required"),
  reason: z.string().trim().min(3, "reason: required"),
});

const fileSchema = z.union([z.strictObject({ mutes: z.array(z.unknown()) }), z.array(z.unknown())]);

export class MutelistError extends Error {
  override readonly name = "MutelistError";
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid mutelist (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** Validates raw entries (from the file or the table); throws one error listing every problem, each naming its entry. */
export function validateEntries(raw: readonly unknown[], source: string): MuteEntry[] {
  const problems: string[] = [];
  const entries: MuteEntry[] = [];
  const ids = new Set<string>();
  raw.forEach((item, index) => {
    const named =
      typeof item === "object" && item !== null && typeof (item as { id?: unknown }).id === "string"
        ? `"${String((item as { id: string }).id).slice(0, 60)}"`
        : `#${index + 1}`;
    const where = `${source} entry ${named}`;
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join(".") || "entry";
        const top = issue.path[0];
        const missing =
          typeof top === "string" &&
          typeof item === "object" &&
          item !== null &&
          (item as Record<string, unknown>)[top] === undefined;
        const message = missing ? "required" : issue.message;
        problems.push(`${where}: ${message.startsWith(`${field}:`) ? message : `${field}: ${message}`}`);
      }
      return;
    }
    const e = parsed.data;
    if (e.rule && e.rules) problems.push(`${where}: give rule or rules, not both`);
    const rules = e.rules ?? e.rule;
    if (!rules) {
      problems.push(`${where}: rule: required (a rule ID, a list, or "*")`);
      return;
    }
    const id = e.id ?? `${source}#${index + 1}`;
    if (ids.has(id)) problems.push(`${where}: id "${id}" is used twice`);
    ids.add(id);
    entries.push({
      id,
      rules,
      scopes: e.scope ?? [],
      clusters: e.cluster ?? [],
      namespaces: e.namespace ?? [],
      tags: e.tags ?? {},
      expires: e.expires,
      owner: e.owner,
      reason: e.reason,
      source,
    });
  });
  if (problems.length > 0) throw new MutelistError(problems);
  return entries;
}

/** Parses a mutelist file's text: YAML (JSON is YAML too), `mutes: [...]` or a bare list. */
export function parseMutelist(text: string, source: string): MuteEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new MutelistError([
      `${source}: not YAML or JSON (${error instanceof Error ? error.message.split("\n")[0] : "parse error"})`,
    ]);
  }
  if (document === null || document === undefined) return [];
  const shape = fileSchema.safeParse(document);
  if (!shape.success) throw new MutelistError([`${source}: expected "mutes:" followed by a list of entries`]);
  return validateEntries(Array.isArray(shape.data) ? shape.data : shape.data.mutes, source);
}

const globs = (patterns: readonly string[]) => {
  const matchers = patterns.map((p) => picomatch(p, { nocase: true, dot: true }));
  return (value: string | null): boolean => matchers.length === 0 || (value !== null && matchers.some((m) => m(value)));
};

/** The namespace a finding is about: its Service (`namespace/name`) or workload, when the evidence names one. */
function namespaceOf(finding: DraftFinding): string | null {
  const service = finding.evidence.service;
  if (typeof service === "string" && service.includes("/")) return service.split("/")[0] ?? null;
  const namespace = finding.evidence.namespace;
  return typeof namespace === "string" ? namespace : null;
}

export interface MuteStatus {
  readonly active: readonly MuteEntry[];
  readonly expired: readonly MuteEntry[];
}

export function muteStatus(entries: readonly MuteEntry[], now: Date): MuteStatus {
  return {
    active: entries.filter((e) => e.expires.getTime() > now.getTime()),
    expired: entries.filter((e) => e.expires.getTime() <= now.getTime()),
  };
}

/** A pure matcher over validated entries; the engine hands it the finding's cluster tags. */
export function createMuteMatcher(
  entries: readonly MuteEntry[],
): MuteMatcher & { readonly entries: readonly MuteEntry[] } {
  const compiled = entries.map((entry) => ({
    entry,
    rule: globs(entry.rules),
    scope: globs(entry.scopes),
    cluster: globs(entry.clusters),
  }));
  const record = (entry: MuteEntry): MuteRecord => ({
    id: entry.id,
    owner: entry.owner,
    reason: entry.reason,
    expires: entry.expires.toISOString(),
  });
  return {
    entries,
    status(now: Date) {
      const { active, expired } = muteStatus(entries, now);
      return { active: active.length, expired: expired.map(record) };
    },
    match(finding: DraftFinding, { now, clusterTags }: MuteContext): MuteRecord | null {
      for (const { entry, rule, scope, cluster } of compiled) {
        if (entry.expires.getTime() <= now.getTime()) continue;
        if (!rule(finding.ruleId) || !scope(finding.scope) || !cluster(finding.clusterName)) continue;
        if (entry.namespaces.length > 0 && !entry.namespaces.includes(namespaceOf(finding) ?? "")) continue;
        if (!Object.entries(entry.tags).every(([k, v]) => clusterTags[k] === v)) continue;
        return record(entry);
      }
      return null;
    },
  };
}
