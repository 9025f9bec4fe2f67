import type { RunInfo } from "../../engine/ports.js";
import type { Finding } from "../../model/finding.js";
import { chatLabel, cleanText, headline, orderForChat, runLine, scopeLabel } from "../digest.js";

/** Block Kit limits: 50 blocks, 3000 chars per section text, 2000 per field, ~13k chars per message. */
const MAX_BLOCKS = 50;
const MAX_MESSAGE_CHARS = 11_000;

type PlainText = { type: "plain_text"; text: string; emoji: false };
type Mrkdwn = { type: "mrkdwn"; text: string; verbatim: true };
export type SlackBlock =
  | { type: "header"; text: PlainText }
  | { type: "context"; elements: (PlainText | Mrkdwn)[] }
  | { type: "section"; text: Mrkdwn; fields: PlainText[] }
  | { type: "divider" };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/** mrkdwn control characters; `&` first. Only our own strings reach mrkdwn anyway. */
export const slackEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Untrusted values go out as plain_text: Slack renders no mentions, links or formatting there. */
const plain = (text: string, max = 1900): PlainText => ({
  type: "plain_text",
  text: cleanText(text, max) || "-",
  emoji: false,
});

function findingBlock(f: Finding): SlackBlock {
  // Only trusted strings here: severity, rule ID (our metadata) and state.
  const label = chatLabel(f);
  return {
    type: "section",
    text: { type: "mrkdwn", text: slackEscape(`*${label}* · \`${f.ruleId}\` · ${f.state}`), verbatim: true },
    fields: [
      plain(`Cluster: ${f.clusterName ?? "(whole scope)"}`),
      plain(scopeLabel(f)),
      plain(f.title),
      plain(f.detail),
    ],
  };
}

const sizeOf = (blocks: readonly SlackBlock[]): number => JSON.stringify(blocks).length;

/** Pure: findings to one or more Slack messages, each within Block Kit limits. */
export function renderSlackMessages(findings: readonly Finding[], run: RunInfo): SlackMessage[] {
  const ordered = orderForChat(findings);
  const pages: SlackBlock[][] = [];
  let current: SlackBlock[] = [];
  for (const f of ordered) {
    const block = findingBlock(f);
    if (
      current.length + 3 > MAX_BLOCKS ||
      (current.length > 0 && sizeOf(current) + sizeOf([block]) > MAX_MESSAGE_CHARS)
    ) {
      pages.push(current);
      current = [];
    }
    current.push(block);
  }
  if (current.length > 0 || pages.length === 0) pages.push(current);
  const title = headline(ordered);
  const ruleIds = [...new Set(ordered.map((f) => f.ruleId))].join(", ");
  return pages.map((page, index) => ({
    text: slackEscape(`${title}${ruleIds ? ` (${ruleIds})` : ""}`),
    unfurl_links: false,
    unfurl_media: false,
    blocks: [
      { type: "header", text: plain(title, 150) },
      { type: "context", elements: [plain(runLine(run, index + 1, pages.length), 300)] },
      ...page,
    ],
  }));
}
