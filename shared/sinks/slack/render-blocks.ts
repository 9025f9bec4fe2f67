import type { Notification, RunInfo } from "../../engine/ports.js";
import {
  type AloneMessage,
  type ClusterGroup,
  cleanText,
  decidedNote,
  evidenceFacts,
  headline,
  type MessagePlan,
  notificationLabel,
  overflowLine,
  type RenderContext,
  runLine,
  scopeLabel,
} from "../digest.js";
import { findingLinks } from "../links.js";

/** Block Kit limits: 50 blocks, 3000 chars per section text, 2000 per field, 10 fields, 150 per header; ~13k chars in all. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  actions: 25,
  message: 11_000,
};

type PlainText = { type: "plain_text"; text: string; emoji: false };
type LinkButton = { type: "button"; text: PlainText; url: string; action_id: string };
export type SlackBlock =
  | { type: "header"; text: PlainText }
  | { type: "context"; elements: PlainText[] }
  | { type: "section"; text: PlainText; fields?: PlainText[]; accessory?: LinkButton }
  | { type: "actions"; elements: LinkButton[] }
  | { type: "divider" };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

export interface RenderedMessage<M> {
  readonly payload: M;
  /** Every notification this message delivers, those summarised in its overflow line included. */
  readonly carries: readonly Notification[];
}

/** mrkdwn control characters; `&` first. Used for the fallback `text`, which Slack may show as mrkdwn. */
export const slackEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Every value goes out as plain_text: Slack renders no mentions, links or formatting there,
 * so names an attacker chose (pods, images, tags) stay inert text. Links exist only as
 * buttons whose URLs we built from validated IDs.
 */
const plain = (text: string, max: number = SLACK_LIMITS.field): PlainText => ({
  type: "plain_text",
  text: cleanText(text, max) || "-",
  emoji: false,
});

const button = (label: string, url: string, index: number): LinkButton => ({
  type: "button",
  text: plain(label, SLACK_LIMITS.buttonText),
  url,
  action_id: `open-${index}`,
});

const findingLine = (n: Notification, run: RunInfo): string =>
  `${notificationLabel(n)}${decidedNote(n, run)} · ${n.finding.ruleId}: ${n.finding.detail}`;

/** A cluster's notifications as sections of at most 10 fields, each with the notifications it shows. */
function groupSections(
  group: ClusterGroup,
  run: RunInfo,
  context: RenderContext,
): { block: SlackBlock; shows: readonly Notification[] }[] {
  const first = group.notifications[0];
  const clusterLink = first ? findingLinks(first.finding, context.azureCloud)[0] : undefined;
  const sections: { block: SlackBlock; shows: readonly Notification[] }[] = [];
  for (let i = 0; i < group.notifications.length; i += SLACK_LIMITS.fields) {
    const shows = group.notifications.slice(i, i + SLACK_LIMITS.fields);
    const heading = `${i === 0 ? "Cluster" : "Cluster (continued)"} ${group.label}${i === 0 && group.chain ? ` · ${group.chain}` : ""}`;
    sections.push({
      block: {
        type: "section",
        text: plain(heading, SLACK_LIMITS.sectionText),
        fields: shows.map((n) => plain(findingLine(n, run), 600)),
        ...(i === 0 && clusterLink ? { accessory: button("Open cluster", clusterLink.url, 0) } : {}),
      },
      shows,
    });
  }
  return sections;
}

const sizeOf = (blocks: readonly SlackBlock[]): number => JSON.stringify(blocks).length;

function message(title: string, blocks: SlackBlock[], ruleIds: readonly string[]): SlackMessage {
  return {
    // Notification text: our own words and rule IDs only.
    text: slackEscape(`${title}${ruleIds.length > 0 ? ` (${ruleIds.join(", ")})` : ""}`).slice(0, 3000),
    unfurl_links: false,
    unfurl_media: false,
    blocks,
  };
}

/** An attack path, or one critical alert: the story, the evidence, and links to the resources. */
function aloneMessage(alone: AloneMessage, run: RunInfo, context: RenderContext): RenderedMessage<SlackMessage> {
  const { group } = alone;
  const [lead] = group.notifications;
  const cluster = lead?.finding.clusterName ?? lead?.finding.scope ?? "";
  const title =
    alone.kind === "attack-path"
      ? `cluster-audit: ATTACK PATH on ${cluster}`
      : `cluster-audit: CRITICAL ${lead?.finding.ruleId ?? ""} on ${cluster}`;
  const blocks: SlackBlock[] = [
    { type: "header", text: plain(title, SLACK_LIMITS.header) },
    { type: "context", elements: [plain(runLine(run), 300)] },
  ];
  if (group.chain) blocks.push({ type: "section", text: plain(group.chain, SLACK_LIMITS.sectionText) });
  const links = new Map<string, string>();
  let shown = 0;
  for (const n of group.notifications) {
    const section: SlackBlock = {
      type: "section",
      text: plain(
        `${notificationLabel(n)}${decidedNote(n, run)} · ${n.finding.ruleId} · ${n.finding.title}`,
        SLACK_LIMITS.sectionText,
      ),
      fields: [
        plain(`Cluster: ${n.finding.clusterName ?? "(whole scope)"}`),
        plain(scopeLabel(n.finding)),
        plain(n.finding.detail, 900),
        ...evidenceFacts(n.finding, 7).map((f) => plain(`${f.title}: ${f.value}`, 200)),
      ].slice(0, SLACK_LIMITS.fields),
    };
    // Room is kept for the overflow line and the link buttons.
    if (blocks.length + 3 > SLACK_LIMITS.blocks || sizeOf([...blocks, section]) + 2500 > SLACK_LIMITS.message) break;
    blocks.push(section);
    shown += 1;
    for (const link of findingLinks(n.finding, context.azureCloud)) links.set(link.url, link.label);
  }
  const rest = group.notifications.length - shown;
  if (rest > 0)
    blocks.push({
      type: "context",
      elements: [plain(`${rest} more on this cluster in the findings table (${context.store}).`, 300)],
    });
  if (links.size > 0)
    blocks.push({
      type: "actions",
      elements: [...links].slice(0, 5).map(([url, label], i) => button(label, url, i)),
    });
  return {
    payload: message(title, blocks, [...new Set(group.notifications.map((n) => n.finding.ruleId))]),
    carries: group.notifications,
  };
}

/** Pure: the run's plan to Slack messages, every one within Block Kit limits. */
export function renderSlackMessages(
  plan: MessagePlan,
  run: RunInfo,
  context: RenderContext,
): RenderedMessage<SlackMessage>[] {
  const messages = plan.alone.map((a) => aloneMessage(a, run, context));
  const all = plan.digest.flatMap((g) => g.notifications);
  if (all.length === 0) return messages;
  const title = headline([...plan.alone.flatMap((a) => a.group.notifications), ...all]);
  const head: SlackBlock[] = [
    { type: "header", text: plain(title, SLACK_LIMITS.header) },
    { type: "context", elements: [plain(runLine(run), 300)] },
  ];
  const body: SlackBlock[] = [];
  const shown: Notification[] = [];
  const reserve = 2; // divider + overflow line
  let full = false;
  for (const group of plan.digest) {
    for (const section of groupSections(group, run, context)) {
      const fitsBlocks = head.length + body.length + 1 + reserve <= SLACK_LIMITS.blocks;
      const fitsChars = sizeOf([...head, ...body, section.block]) + 3200 <= SLACK_LIMITS.message;
      if (!fitsBlocks || !fitsChars) {
        full = true;
        break;
      }
      body.push(section.block);
      shown.push(...section.shows);
    }
    if (full) break;
  }
  const shownSet = new Set(shown);
  const rest = all.filter((n) => !shownSet.has(n));
  if (rest.length > 0)
    body.push(
      { type: "divider" },
      { type: "section", text: plain(overflowLine(rest, context.store), SLACK_LIMITS.sectionText) },
    );
  const ruleIds = [...new Set(all.map((n) => n.finding.ruleId))];
  messages.push({ payload: message(title, [...head, ...body], ruleIds), carries: all });
  return messages;
}
