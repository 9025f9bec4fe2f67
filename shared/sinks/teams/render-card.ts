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
import { findingLinks, type ResourceLink } from "../links.js";
import type { RenderedMessage } from "../slack/render-blocks.js";

/** Teams Workflows take about 28 KB per message; keep a margin for the envelope. */
export const MAX_MESSAGE_BYTES = 26_000;

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
type OpenUrl = { type: "Action.OpenUrl"; title: string; url: string };
type ActionSet = { type: "ActionSet"; actions: OpenUrl[] };
type Container = { type: "Container"; separator: true; spacing: "Medium"; items: (TextBlock | FactSet | ActionSet)[] };
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

const colorOf = (n: Notification): TextBlock["color"] =>
  n.intent.kind === "resolved"
    ? "Good"
    : n.intent.severity === "critical" || n.intent.severity === "high"
      ? "Attention"
      : "Warning";

/** Links are ours: built from validated IDs and our own labels. */
const actionSet = (links: readonly ResourceLink[]): ActionSet[] =>
  links.length === 0
    ? []
    : [
        {
          type: "ActionSet",
          actions: links.slice(0, 4).map((l) => ({ type: "Action.OpenUrl", title: l.label, url: l.url })),
        },
      ];

function groupContainer(
  group: ClusterGroup,
  shows: readonly Notification[],
  continued: boolean,
  run: RunInfo,
  context: RenderContext,
): Container {
  const first = shows[0];
  const clusterLink = first ? findingLinks(first.finding, context.azureCloud).slice(0, 1) : [];
  return {
    type: "Container",
    separator: true,
    spacing: "Medium",
    items: [
      {
        type: "TextBlock",
        text: `Cluster ${teamsEscape(group.label, 400)}${continued ? " (continued)" : ""}`,
        wrap: true,
        weight: "Bolder",
        color: colorOf(first as Notification),
      },
      ...(group.chain && !continued
        ? [{ type: "TextBlock" as const, text: teamsEscape(group.chain, 400), wrap: true as const }]
        : []),
      {
        type: "FactSet",
        // Fact titles are trusted (our labels and rule IDs); values are escaped.
        facts: shows.map((n) => ({
          title: `${notificationLabel(n)}${decidedNote(n, run)} · ${n.finding.ruleId}`,
          value: teamsEscape(n.finding.detail, 700),
        })),
      },
      ...(continued ? [] : actionSet(clusterLink)),
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

function findingContainer(n: Notification, run: RunInfo, context: RenderContext): Container {
  return {
    type: "Container",
    separator: true,
    spacing: "Medium",
    items: [
      {
        type: "TextBlock",
        text: `**${notificationLabel(n)}${decidedNote(n, run)}** · ${n.finding.ruleId}`,
        wrap: true,
        color: colorOf(n),
      },
      {
        type: "FactSet",
        facts: [
          { title: "Cluster", value: teamsEscape(n.finding.clusterName ?? "(whole scope)", 300) },
          { title: "Scope", value: teamsEscape(scopeLabel(n.finding), 300) },
          { title: "Rule", value: teamsEscape(n.finding.title, 300) },
          { title: "Detail", value: teamsEscape(n.finding.detail, 1500) },
          ...evidenceFacts(n.finding).map((f) => ({ title: f.title, value: teamsEscape(f.value, 300) })),
        ],
      },
      ...actionSet(findingLinks(n.finding, context.azureCloud)),
    ],
  };
}

/** An attack path, or one critical alert: the story, the evidence as facts, and links to the resources. */
function aloneMessage(alone: AloneMessage, run: RunInfo, context: RenderContext): RenderedMessage<TeamsMessage> {
  const { group } = alone;
  const [lead] = group.notifications;
  const title =
    alone.kind === "attack-path"
      ? `cluster-audit: ATTACK PATH on ${teamsEscape(lead?.finding.clusterName ?? "", 200)}`
      : `cluster-audit: CRITICAL ${lead?.finding.ruleId ?? ""}`;
  const body: CardElement[] = [
    { type: "TextBlock", text: title, wrap: true, weight: "Bolder", size: "Medium", color: "Attention" },
    { type: "TextBlock", text: runLine(run), wrap: true, isSubtle: true },
  ];
  if (group.chain) body.push({ type: "TextBlock", text: teamsEscape(group.chain, 400), wrap: true, weight: "Bolder" });
  let shown = 0;
  for (const n of group.notifications) {
    const container = findingContainer(n, run, context);
    if (messageBytes(envelope([...body, container])) + 600 > MAX_MESSAGE_BYTES) break;
    body.push(container);
    shown += 1;
  }
  const rest = group.notifications.length - shown;
  if (rest > 0)
    body.push({
      type: "TextBlock",
      text: teamsEscape(`${rest} more on this cluster in the findings table (${context.store}).`, 400),
      wrap: true,
      isSubtle: true,
    });
  return { payload: envelope(body), carries: group.notifications };
}

/** Pure: the run's plan to Workflows messages (Adaptive Card 1.4), each under the size limit. */
export function renderTeamsMessages(
  plan: MessagePlan,
  run: RunInfo,
  context: RenderContext,
): RenderedMessage<TeamsMessage>[] {
  const messages = plan.alone.map((a) => aloneMessage(a, run, context));
  const all = plan.digest.flatMap((g) => g.notifications);
  if (all.length === 0) return messages;
  // Trusted: counts, run ID, trigger and time are ours.
  const head: CardElement[] = [
    {
      type: "TextBlock",
      text: headline([...plan.alone.flatMap((a) => a.group.notifications), ...all]),
      wrap: true,
      weight: "Bolder",
      size: "Medium",
    },
    { type: "TextBlock", text: runLine(run), wrap: true, isSubtle: true },
  ];
  const body: CardElement[] = [];
  const shown = new Set<Notification>();
  const overflowReserve = 1500;
  let full = false;
  for (const group of plan.digest) {
    for (let i = 0; i < group.notifications.length; i += 10) {
      const shows = group.notifications.slice(i, i + 10);
      const candidate = groupContainer(group, shows, i > 0, run, context);
      if (messageBytes(envelope([...head, ...body, candidate])) + overflowReserve > MAX_MESSAGE_BYTES) {
        full = true;
        break;
      }
      body.push(candidate);
      for (const n of shows) shown.add(n);
    }
    if (full) break;
  }
  const rest = all.filter((n) => !shown.has(n));
  if (rest.length > 0)
    body.push({
      type: "TextBlock",
      text: teamsEscape(overflowLine(rest, context.store), 1200),
      wrap: true,
      isSubtle: true,
    });
  messages.push({ payload: envelope([...head, ...body]), carries: all });
  return messages;
}
