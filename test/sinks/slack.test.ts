import { describe, expect, it } from "vitest";
import type { Notification } from "../../shared/engine/ports.js";
import { planMessages } from "../../shared/sinks/digest.js";
import { renderSlackMessages, SLACK_LIMITS, slackEscape } from "../../shared/sinks/slack/render-blocks.js";
import { createSlackNotifier } from "../../shared/sinks/slack/slack-notifier.js";
import { HOSTILE_STRINGS, notification, testRun } from "../support/helpers.js";

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text: string }[];
};

const render = (notes: Notification[], maxCriticalMessages = 10) =>
  renderSlackMessages(planMessages(notes, { maxCriticalMessages }), testRun, {
    store: "127.0.0.1:1/findings",
    azureCloud: "AzurePublicCloud",
  });

const texts = (blocks: readonly Block[]): { type: string; text: string }[] =>
  blocks.flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])].filter((t) => t !== undefined));

const fp = (i: number) => i.toString(16).padStart(40, "0");

describe("Slack Block Kit rendering", () => {
  it("names the cluster and the rule ID of every finding, grouped by cluster", () => {
    const [message] = render([
      notification({ clusterName: "kubeflow-gpu-prod" }),
      notification({ clusterName: "aks-2", fingerprint: fp(2), clusterId: "/subscriptions/s/c2" }),
    ]);
    const all = texts((message?.payload.blocks ?? []) as Block[]).map((t) => t.text);
    expect(all.some((t) => t.startsWith("Cluster kubeflow-gpu-prod"))).toBe(true);
    expect(all.some((t) => t.startsWith("Cluster aks-2"))).toBe(true);
    expect(all.filter((t) => t.includes("api-server-public:"))).toHaveLength(2);
    expect(message?.payload.text).toContain("api-server-public");
    expect(message?.payload.unfurl_links).toBe(false);
    expect(message?.carries).toHaveLength(2);
  });

  it("labels a blind spot as not audited, a resolution as resolved, an escalation with both severities", () => {
    const [message] = render(
      [
        notification({ ruleId: "audit-blind-spot", status: "unknown", severity: "medium" }),
        notification({ state: "resolved", status: "pass", fingerprint: fp(2) }),
        notification(
          { fingerprint: fp(3) },
          { kind: "escalated", from: "high", severity: "critical", key: "escalated:1:critical" },
        ),
      ],
      0,
    );
    const json = JSON.stringify(message?.payload.blocks);
    expect(json).toContain("MEDIUM NOT AUDITED · audit-blind-spot");
    expect(json).toContain("resolved (was HIGH) · api-server-public");
    expect(json).toContain("escalated high → critical · api-server-public");
    expect(message?.payload.blocks[0]).toMatchObject({ type: "header" });
  });

  it("sends each critical alert on its own, up to the cap, and the rest in one digest", () => {
    const notes = Array.from({ length: 5 }, (_, i) =>
      notification({ severity: "critical", fingerprint: fp(i), clusterName: `gpu-${i}` }),
    );
    const messages = render([...notes, notification({ fingerprint: fp(9), clusterName: "other" })], 3);
    expect(messages).toHaveLength(4);
    expect(messages.slice(0, 3).map((m) => m.carries.length)).toEqual([1, 1, 1]);
    expect(messages[3]?.carries).toHaveLength(3);
    expect(messages[0]?.payload.blocks[0]?.type).toBe("header");
  });

  it("makes no mention, link or formatting from attacker-controlled names, and keeps them readable", () => {
    const hostile = HOSTILE_STRINGS.map((s, i) =>
      notification({ clusterName: s, detail: `Cluster ${s} is exposed`, scope: s, fingerprint: fp(i), clusterId: s }),
    );
    const messages = render(hostile);
    for (const message of messages) {
      const blocks = message.payload.blocks as Block[];
      // Every text object is plain_text: Slack renders no mention, link or formatting in it.
      for (const t of texts(blocks)) {
        expect(t.type).toBe("plain_text");
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting control characters are gone
        expect(t.text).not.toMatch(/[\u0000-\u001f\u202e]/);
      }
      expect(message.payload.text).not.toMatch(/<[!@#]|<https?:/);
    }
    const joined = messages.flatMap((m) => texts(m.payload.blocks as Block[]).map((t) => t.text)).join("\n");
    expect(joined).toContain("<!channel> <!here>");
    expect(joined).toContain("[click me](https://evil.example/steal)");
  });

  it("escapes mrkdwn control characters, & first", () => {
    expect(slackEscape("<a&b>")).toBe("&lt;a&amp;b&gt;");
  });

  it("keeps 400 findings to one digest within every Block Kit limit, the rest counted in the table line", () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      notification({
        clusterName: `cluster-${i % 40}`,
        clusterId: `/subscriptions/s/c${i % 40}`,
        detail: "d".repeat(300),
        fingerprint: fp(i),
        ruleId: i % 2 ? "api-server-public" : "node-public-ip",
      }),
    );
    const messages = render(many);
    expect(messages).toHaveLength(1);
    const [digest] = messages;
    const blocks = (digest?.payload.blocks ?? []) as Block[];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(JSON.stringify(blocks).length).toBeLessThan(13_000);
    for (const b of blocks) {
      if (b.type === "header") expect(b.text?.text.length).toBeLessThanOrEqual(150);
      if (b.type === "section") expect(b.text?.text.length).toBeLessThanOrEqual(3000);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(digest?.carries).toHaveLength(400);
    const shown = blocks.flatMap((b) => b.fields ?? []).length;
    const overflow = texts(blocks).find((t) => t.text.includes("more in the findings table"))?.text ?? "";
    expect(overflow).toMatch(new RegExp(`^${400 - shown} more in the findings table \\(127\\.0\\.0\\.1:1/findings\\)`));
    expect(overflow).toContain("node-public-ip ×");
    expect(overflow).toContain("high ×");
  });
});

describe("Slack webhook delivery", () => {
  const noSleep = { sleep: async () => {} };
  // Loopback even though fetch is stubbed: a test never holds a URL that leads off the machine.
  const url = "https://127.0.0.1:9/services/T/B/secret123456";
  const acks: string[][] = [];
  const onAccepted = async (carried: readonly { key: string; fingerprint: string }[]) => {
    acks.push(carried.map((c) => c.fingerprint));
  };

  it("retries 429 honouring Retry-After, then succeeds and acknowledges what it carried", async () => {
    const waits: number[] = [];
    let calls = 0;
    const fetchStub: typeof fetch = async () => {
      calls += 1;
      return calls === 1
        ? new Response("rate_limited", { status: 429, headers: { "retry-after": "2" } })
        : new Response("ok", { status: 200 });
    };
    const notifier = createSlackNotifier(url, { post: { fetch: fetchStub, sleep: async (ms) => void waits.push(ms) } });
    const result = await notifier.deliver([notification()], testRun, onAccepted);
    expect(result).toMatchObject({ ok: true, delivered: 1, messages: 1, target: "127.0.0.1:9" });
    expect(result.deliveredKeys).toEqual([{ fingerprint: "f".repeat(40), key: "new:1:fail" }]);
    expect(waits).toEqual([2000]);
  });

  it("paces messages at least a second apart", async () => {
    const waits: number[] = [];
    const fetchStub: typeof fetch = async () => new Response("ok", { status: 200 });
    const notes = [0, 1, 2].map((i) => notification({ severity: "critical", fingerprint: fp(i) }));
    await createSlackNotifier(url, { post: { fetch: fetchStub, sleep: async (ms) => void waits.push(ms) } }).deliver(
      notes,
      testRun,
      onAccepted,
    );
    expect(waits).toEqual([1100, 1100]);
  });

  it("marks only the messages that arrived when a later one fails", async () => {
    let calls = 0;
    const fetchStub: typeof fetch = async () => {
      calls += 1;
      return calls === 1 ? new Response("ok", { status: 200 }) : new Response("rollup_error", { status: 500 });
    };
    const notes = [0, 1].map((i) => notification({ severity: "critical", fingerprint: fp(i) }));
    const result = await createSlackNotifier(url, { post: { fetch: fetchStub, maxAttempts: 1, ...noSleep } }).deliver(
      notes,
      testRun,
      onAccepted,
    );
    expect(result).toMatchObject({ ok: false, delivered: 1, failed: 1, messages: 1 });
    expect(result.deliveredKeys.map((k) => k.fingerprint)).toEqual([fp(0)]);
  });

  it("reports a revoked webhook without leaking its URL", async () => {
    const fetchStub: typeof fetch = async () => new Response(`no_service ${url}`, { status: 404 });
    const result = await createSlackNotifier(url, { post: { fetch: fetchStub, ...noSleep } }).deliver(
      [notification()],
      testRun,
      onAccepted,
    );
    expect(result.ok).toBe(false);
    expect(result.error).toContain("HTTP 404");
    expect(result.error).toContain("no_service");
    expect(JSON.stringify(result)).not.toContain("secret123456");
  });

  it("reports a network failure without leaking the URL", async () => {
    const fetchStub: typeof fetch = async () => {
      throw new TypeError(`fetch failed for ${url}`);
    };
    const result = await createSlackNotifier(url, { post: { fetch: fetchStub, ...noSleep } }).deliver(
      [notification()],
      testRun,
      onAccepted,
    );
    expect(result.ok).toBe(false);
    expect(result.error).toContain("unreachable after 3 attempts");
    expect(JSON.stringify(result)).not.toContain("secret123456");
  });
});
