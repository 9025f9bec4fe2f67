import { beforeAll, describe, expect, it } from "vitest";
import type { Notification } from "../../shared/engine/ports.js";
import { planMessages } from "../../shared/sinks/digest.js";
import { messageBytes, renderTeamsMessages, teamsEscape } from "../../shared/sinks/teams/render-card.js";
import { createTeamsNotifier } from "../../shared/sinks/teams/teams-notifier.js";
import { installCardDom, parseCard } from "../support/adaptive-cards.js";
import { HOSTILE_STRINGS, notification, testRun } from "../support/helpers.js";

const render = (notes: Notification[], maxCriticalMessages = 10) =>
  renderTeamsMessages(planMessages(notes, { maxCriticalMessages }), testRun, {
    store: "127.0.0.1:1/findings",
    azureCloud: "AzurePublicCloud",
  }).map((m) => m.payload);
const fp = (i: number) => i.toString(16).padStart(40, "0");

beforeAll(installCardDom);

describe("Teams Workflows Adaptive Card", () => {
  it("is a valid 1.4 card in the message/attachments envelope", () => {
    const [message] = render([notification({ clusterName: "kubeflow-gpu-prod" })]);
    expect(message?.type).toBe("message");
    const attachment = message?.attachments[0];
    expect(attachment?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment?.content.version).toBe("1.4");
    const { events } = parseCard(attachment?.content);
    expect(events).toEqual([]);
  });

  it("renders with the adaptivecards library, naming cluster and rule ID, with trusted emphasis", () => {
    const [message] = render(
      [
        notification({ clusterName: "kubeflow-gpu-prod", severity: "critical" }, { kind: "escalated", from: "high" }),
        notification({
          state: "resolved",
          status: "pass",
          clusterName: "aks-fixed",
          fingerprint: fp(2),
          clusterId: "c2",
        }),
      ],
      0,
    );
    const { card } = parseCard(message?.attachments[0].content);
    const element = card.render();
    expect(element).toBeDefined();
    const text = element?.textContent ?? "";
    expect(text).toContain("kubeflow-gpu-prod");
    expect(text).toContain("aks-fixed");
    expect(text).toContain("api-server-public");
    expect(text).toMatch(/resolved/);
    expect(text).toContain("escalated high → critical");
    // Cluster headings are bold (weight Bolder), trusted fact titles name label and rule.
    expect(element?.querySelectorAll(".ac-factset").length).toBeGreaterThanOrEqual(2);
  });

  it("renders hostile names literally: no link, mention, emphasis, list or code", () => {
    const hostile = HOSTILE_STRINGS.map((s, i) =>
      notification({ clusterName: s, detail: s, scope: s, fingerprint: fp(i), clusterId: s }),
    );
    const [message] = render(hostile);
    const content = message?.attachments[0].content;
    expect(parseCard(content).events).toEqual([]);
    expect(JSON.stringify(content)).not.toContain('msteams":{"entities');
    const element = parseCard(content).card.render();
    const containers = [...(element?.querySelectorAll(".ac-container") ?? [])];
    expect(element?.querySelectorAll("a").length).toBe(0);
    expect(element?.querySelectorAll("em, code, li, h1, blockquote, script, img").length).toBe(0);
    // Nothing an attacker wrote became bold: the card has no markdown emphasis at all.
    expect(element?.querySelectorAll("strong").length).toBe(0);
    const text = element?.textContent ?? "";
    expect(text).toContain("[click me](https://evil.example/steal) **bold** _it_");
    expect(text).toContain("<!channel> <!here>");
    expect(text).not.toContain("\u202e");
    expect(containers.length).toBeGreaterThan(0);
  });

  it("escapes markdown and autolink characters in untrusted values", () => {
    expect(teamsEscape("a_b*c _x_ [x](y) evil.com user@host https://x end.")).toBe(
      "a_b\\*c \\_x\\_ \\[x\\]\\(y\\) evil\\.com user\\@host https\\://x end.",
    );
    // Names read unchanged, so on-call can copy them.
    expect(teamsEscape("aks_prod-1")).toBe("aks_prod-1");
    expect(teamsEscape("- item")).toBe("\\- item");
    expect(teamsEscape("# head")).toBe("\\# head");
  });

  it("keeps 400 findings to one valid card under the ~28 KB Workflows limit, the rest counted", () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      notification({ clusterName: `cluster-${i}`, clusterId: `c${i}`, detail: "d".repeat(400), fingerprint: fp(i) }),
    );
    const messages = render(many);
    expect(messages).toHaveLength(1);
    const [card] = messages;
    expect(messageBytes(card as NonNullable<typeof card>)).toBeLessThan(28_000);
    expect(parseCard(card?.attachments[0].content).events).toEqual([]);
    const shown = (card?.attachments[0].content.body ?? []).filter((e) => e.type === "Container").length;
    expect(shown).toBeGreaterThan(5);
    expect(JSON.stringify(card)).toContain(`${400 - shown} more in the findings table`);
  });
});

describe("Teams webhook delivery", () => {
  it("accepts 202 and fails other statuses with a redacted error", async () => {
    const url = "https://127.0.0.1:9/workflows/x/triggers/manual/paths/invoke?api-version=1&sig=topsecretsig";
    const onAccepted = async () => {};
    const ok = await createTeamsNotifier(url, {
      post: { fetch: async () => new Response(null, { status: 202 }), sleep: async () => {} },
    }).deliver([notification()], testRun, onAccepted);
    expect(ok).toMatchObject({ ok: true, target: "127.0.0.1:9" });
    const bad = await createTeamsNotifier(url, {
      post: { fetch: async () => new Response(`bad request for ${url}`, { status: 400 }), sleep: async () => {} },
    }).deliver([notification()], testRun, onAccepted);
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain("HTTP 400");
    expect(JSON.stringify(bad)).not.toContain("topsecretsig");
  });
});
