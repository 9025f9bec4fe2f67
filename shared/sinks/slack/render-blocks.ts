import type { Notification, RunInfo } from "../../engine/ports.js";
import {
  type ClusterGroup,
  cleanText,
  decidedNote,
  headline,
  type MessagePlan,
  notificationLabel,
  overflowLine,
  runLine,
  scopeLabel,
} from "../digest.js";

/** Block Kit limits: 50 blocks, 3000 chars per section text, 2000 per field, 10 fields, 150 per header; ~13k chars in all. */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, field: 2000, fields: 10, header: 150, message: 11_000 };

type PlainText = { type: "plain_text"; text: string; emoji: false };
export type SlackBlock =
  | { type: "header"; text: PlainText }
  | { type: "context"; elements: PlainText[] }
  | { type: "section"; text: PlainText; fields?: PlainText[] }
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
 * so names an attacker chose (pods, images, tags) stay inert text.
 */
const plain = (text: string, max: number = SLACK_LIMITS.field): PlainText => ({
  type: "plain_text",
  text: cleanText(text, max) || "-",
  emoji: false,
});

const findingLine = (n: Notification, run: RunInfo): string =>
  `${notificationLabel(n)}${decidedNote(n, run)} · ${n.finding.ruleId}: ${n.finding.detail}`;

/** A cluster's notifications as sections of at most 10 fields, each with the notifications it shows. */
function groupSections(group: ClusterGroup, run: RunInfo): { block: SlackBlock; shows: readonly Notification[] }[] {
  const sections: { block: SlackBlock; shows: readonly Notification[] }[] = [];
  for (let i = 0; i < group.notifications.length; i += SLACK_LIMITS.fields) {
    const shows = group.notifications.slice(i, i + SLACK_LIMITS.fields);
    sections.push({
      block: {
        type: "section",
        text: plain(
          i === 0 ? `Cluster ${group.label}` : `Cluster ${group.label} (continued)`,
          SLACK_LIMITS.sectionText,
        ),
        fields: shows.map((n) => plain(findingLine(n, run), 600)),
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

function criticalMessage(n: Notification, run: RunInfo): RenderedMessage<SlackMessage> {
  const title = `cluster-audit: CRITICAL ${n.finding.ruleId} on ${n.finding.clusterName ?? n.finding.scope}`;
  const blocks: SlackBlock[] = [
    { type: "header", text: plain(title, SLACK_LIMITS.header) },
    { type: "context", elements: [plain(runLine(run), 300)] },
    {
      type: "section",
      text: plain(
        `${notificationLabel(n)}${decidedNote(n, run)} · ${n.finding.ruleId} · ${n.finding.title}`,
        SLACK_LIMITS.sectionText,
      ),
      fields: [
        plain(`Cluster: ${n.finding.clusterName ?? "(whole scope)"}`),
        plain(scopeLabel(n.finding)),
        plain(n.finding.detail),
      ],
    },
  ];
  return { payload: message(title, blocks, [n.finding.ruleId]), carries: [n] };
}

/** Pure: the run's plan to Slack messages, every one within Block Kit limits. */
export function renderSlackMessages(plan: MessagePlan, run: RunInfo, store: string): RenderedMessage<SlackMessage>[] {
  const messages = plan.criticals.map((n) => criticalMessage(n, run));
  const all = plan.digest.flatMap((g) => g.notifications);
  if (all.length === 0) return messages;
  const title = headline([...plan.criticals, ...all]);
  const head: SlackBlock[] = [
    { type: "header", text: plain(title, SLACK_LIMITS.header) },
    { type: "context", elements: [plain(runLine(run), 300)] },
  ];
  const body: SlackBlock[] = [];
  const shown: Notification[] = [];
  const reserve = 2; // divider + overflow line
  let full = false;
  for (const group of plan.digest) {
    for (const section of groupSections(group, run)) {
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
      { type: "section", text: plain(overflowLine(rest, store), SLACK_LIMITS.sectionText) },
    );
  const ruleIds = [...new Set(all.map((n) => n.finding.ruleId))];
  messages.push({ payload: message(title, [...head, ...body], ruleIds), carries: all });
  return messages;
}
