import type { RunInfo } from "../../engine/ports.js";
import type { Finding } from "../../model/finding.js";
import { chatLabel, cleanText, headline, orderForChat, runLine, scopeLabel } from "../digest.js";

/** Teams Workflows take about 28 KB per message; keep a margin for the envelope. */
const MAX_MESSAGE_BYTES = 26_000;

export interface TeamsMessage {
  type: "message";
  attachments: [{ contentType: "application/vnd.microsoft.card.adaptive"; contentUrl: null; content: AdaptiveCard }];
}

export interface AdaptiveCard {
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json";
  type: "AdaptiveCard";
  version: "1.4";
  msteams: { width: "Full" };
  body: CardElement[];
}

type TextBlock = {
  type: "TextBlock";
  text: string;
  wrap: true;
  weight?: "Bolder";
  size?: "Medium";
  isSubtle?: true;
  color?: "Attention" | "Good" | "Warning";
};
type FactSet = { type: "FactSet"; facts: { title: string; value: string }[] };
type Container = { type: "Container"; separator: true; spacing: "Medium"; items: (TextBlock | FactSet)[] };
type CardElement = TextBlock | Container;

/**
 * Untrusted text in a TextBlock or fact: backslash-escape what the card markdown acts
 * on (emphasis, links, code), the `.`, `:` and `@` inside tokens that autolinking
 * needs, and list or heading markers at the start. Intraword `_` stays as it is
 * (CommonMark gives it no meaning), so names like aks_prod_1 read unchanged.
 * Whitespace is already collapsed, so no other line can start inside the value.
 */
export const teamsEscape = (value: string, max = 1000): string =>
  cleanText(value, max)
    .replace(/[\\`*[\]()~<>|]/g, (c) => `\\${c}`)
    .replace(/_/g, (c, offset: number, whole: string) =>
      /[A-Za-z0-9]/.test(whole[offset - 1] ?? "") && /[A-Za-z0-9]/.test(whole[offset + 1] ?? "") ? c : `\\${c}`,
    )
    .replace(/[.@](?=[A-Za-z0-9])|:(?=\/)/g, (c) => `\\${c}`)
    .replace(/^[-+#]/, (c) => `\\${c}`);

function findingContainer(f: Finding): Container {
  const label = chatLabel(f);
  return {
    type: "Container",
    separator: true,
    spacing: "Medium",
    items: [
      {
        type: "TextBlock",
        // Trusted: severity, rule ID and state come from our own metadata.
        text: `**${label}** · ${f.ruleId} · ${f.state}`,
        wrap: true,
        color:
          f.state === "resolved"
            ? "Good"
            : f.severity === "critical" || f.severity === "high"
              ? "Attention"
              : "Warning",
      },
      {
        type: "FactSet",
        facts: [
          { title: "Cluster", value: teamsEscape(f.clusterName ?? "(whole scope)", 300) },
          { title: "Scope", value: teamsEscape(scopeLabel(f), 300) },
          { title: "Rule", value: teamsEscape(f.title, 300) },
          { title: "Detail", value: teamsEscape(f.detail, 1500) },
        ],
      },
    ],
  };
}

function envelope(body: CardElement[]): TeamsMessage {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body,
        },
      },
    ],
  };
}

export const messageBytes = (message: TeamsMessage): number => Buffer.byteLength(JSON.stringify(message), "utf8");

/** Pure: findings to one or more Workflows messages (Adaptive Card 1.4), each under the size limit. */
export function renderTeamsMessages(findings: readonly Finding[], run: RunInfo): TeamsMessage[] {
  const ordered = orderForChat(findings);
  const title = headline(ordered);
  const header = (part: number, parts: number): CardElement[] => [
    // Trusted: counts, run ID, trigger and time are ours.
    { type: "TextBlock", text: title, wrap: true, weight: "Bolder", size: "Medium" },
    { type: "TextBlock", text: runLine(run, part, parts), wrap: true, isSubtle: true },
  ];
  const pages: Container[][] = [];
  let current: Container[] = [];
  for (const f of ordered) {
    const container = findingContainer(f);
    if (current.length > 0 && messageBytes(envelope([...header(99, 99), ...current, container])) > MAX_MESSAGE_BYTES) {
      pages.push(current);
      current = [];
    }
    current.push(container);
  }
  if (current.length > 0 || pages.length === 0) pages.push(current);
  return pages.map((page, index) => envelope([...header(index + 1, pages.length), ...page]));
}
