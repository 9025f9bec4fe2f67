import type { CapturedPost } from "../../shared/fakes/webhook-capture.js";
import { ALL_RULES } from "../../shared/rules/index.js";

const RULE_IDS = new Set(ALL_RULES.map((r) => r.metadata.id));

export type DeliveredKind = "new" | "escalated" | "resolved" | "unmuted" | "reminder";

/** One finding line a person would read in a captured Slack or Teams message. */
export interface DeliveredItem {
  readonly channel: "slack" | "teams";
  readonly kind: DeliveredKind;
  readonly ruleId: string;
  /** The cluster name, or `scope:<id>` for a finding on a whole subscription or account. */
  readonly cluster: string;
}

const kindOf = (label: string): DeliveredKind | null => {
  if (/^resolved\b/.test(label)) return "resolved";
  if (/^escalated\b/.test(label)) return "escalated";
  if (/REMINDER/.test(label)) return "reminder";
  if (/mute expired/.test(label)) return "unmuted";
  if (/\b(NEW|NOT AUDITED)\b/.test(label)) return "new";
  return null;
};

type Texts = { text?: string; title?: string; value?: string }[];

function slackTexts(body: unknown): string[] {
  const blocks = (body as { blocks?: { text?: { text: string }; fields?: { text: string }[] }[] }).blocks ?? [];
  return blocks.flatMap((b) => [b.text?.text, ...(b.fields ?? []).map((f) => f.text)]).filter((t): t is string => !!t);
}

function teamsTexts(body: unknown): string[] {
  const content = (body as { attachments?: { content?: { body?: unknown[] } }[] }).attachments?.[0]?.content;
  const out: string[] = [];
  const walk = (elements: unknown[]): void => {
    for (const e of elements as { type: string; text?: string; items?: unknown[]; facts?: Texts }[]) {
      if (e.text) out.push(e.text);
      for (const f of e.facts ?? []) out.push(`${f.title} · ${f.value}`.replace(/\\(.)/g, "$1"));
      if (e.items) walk(e.items);
    }
  };
  walk(content?.body ?? []);
  return out.map((t) => t.replace(/\\(.)/g, "$1"));
}

/**
 * Parses what a captured message tells on-call: for each finding line, its kind
 * (from our own label), rule and cluster. Lines look like
 * "<label> · <rule>: <detail naming 'cluster X'>" in digests, and a critical
 * message names its cluster in a "Cluster" field.
 */
export function deliveredItems(post: CapturedPost): DeliveredItem[] {
  const texts = post.channel === "slack" ? slackTexts(post.body) : teamsTexts(post.body);
  const items: DeliveredItem[] = [];
  const criticalCluster = texts
    .map((t) => /^Cluster:? ([\w.-]+)$/.exec(t.replace(/^Cluster · /, "Cluster: "))?.[1])
    .find((c) => c !== undefined);
  for (const text of texts) {
    const line = /^(?:\*\*)?(.+?)(?:\*\*)? · ([a-z0-9-]+)(?:(?::| ·) (.*))?$/.exec(text);
    if (!line) continue;
    const kind = kindOf(line[1] ?? "");
    // Only our own labels and rule IDs make a finding line; evidence facts never do.
    if (!kind || !RULE_IDS.has(line[2] ?? "")) continue;
    const rest = line[3] ?? "";
    const scope = /\b(?:subscription|account) ([\w.-]+)/.exec(rest)?.[1];
    const cluster =
      /\bcluster ([\w.-]+)/i.exec(rest)?.[1] ?? criticalCluster ?? (scope === undefined ? undefined : `scope:${scope}`);
    if (cluster) items.push({ channel: post.channel, kind, ruleId: line[2] ?? "", cluster });
  }
  return items;
}
