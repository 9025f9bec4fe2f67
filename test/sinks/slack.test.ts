import { describe, expect, it } from "vitest";
import { renderSlackMessages, slackEscape } from "../../shared/sinks/slack/render-blocks.js";
import { createSlackNotifier } from "../../shared/sinks/slack/slack-notifier.js";
import { finding, HOSTILE_STRINGS, testRun } from "../support/helpers.js";

type Block = {
  type: string;
  text?: { type: string; text: string; verbatim?: boolean };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text: string }[];
};

const allText = (blocks: readonly Block[]): { mrkdwn: string[]; plain: string[] } => {
  const mrkdwn: string[] = [];
  const plain: string[] = [];
  for (const b of blocks) {
    for (const t of [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]) {
      if (!t) continue;
      (t.type === "mrkdwn" ? mrkdwn : plain).push(t.text);
    }
  }
  return { mrkdwn, plain };
};

describe("Slack Block Kit rendering", () => {
  it("names the cluster and the rule ID of every finding", () => {
    const [message] = renderSlackMessages(
      [finding({ clusterName: "kubeflow-gpu-prod" }), finding({ clusterName: "aks-2", fingerprint: "b".repeat(40) })],
      testRun,
    );
    const { mrkdwn, plain } = allText((message?.blocks ?? []) as Block[]);
    expect(mrkdwn.filter((t) => t.includes("`api-server-public`"))).toHaveLength(2);
    expect(plain).toContain("Cluster: kubeflow-gpu-prod");
    expect(plain).toContain("Cluster: aks-2");
    expect(message?.text).toContain("api-server-public");
    expect(message?.unfurl_links).toBe(false);
  });

  it("labels a blind spot as not audited", () => {
    const [message] = renderSlackMessages(
      [finding({ ruleId: "audit-blind-spot", status: "unknown", severity: "medium" })],
      testRun,
    );
    expect(JSON.stringify(message?.blocks)).toContain("*MEDIUM NOT AUDITED* · `audit-blind-spot` · new");
  });

  it("says resolved for a resolution notice", () => {
    const [message] = renderSlackMessages([finding({ state: "resolved", status: "pass" })], testRun);
    expect(JSON.stringify(message)).toMatch(/resolved/i);
    expect(message?.blocks[0]).toMatchObject({ type: "header" });
  });

  it("keeps attacker-controlled names out of mrkdwn, so no mention, link or formatting can form", () => {
    const hostile = HOSTILE_STRINGS.map((s, i) =>
      finding({
        clusterName: s,
        detail: `Cluster ${s} is exposed`,
        title: "t",
        scope: s,
        fingerprint: String(i).padStart(40, "0"),
      }),
    );
    const messages = renderSlackMessages(hostile, testRun);
    for (const message of messages) {
      const { mrkdwn, plain } = allText(message.blocks as Block[]);
      for (const text of [...mrkdwn, message.text]) {
        for (const s of HOSTILE_STRINGS) expect(text).not.toContain(s.slice(0, 12));
        expect(text).not.toMatch(/<[!@#]/);
      }
      for (const text of plain) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting control characters are gone
        expect(text).not.toMatch(/[\u0000-\u001f\u202e]/);
      }
      const blocks = message.blocks as Block[];
      expect(blocks.every((b) => b.type !== "section" || b.text?.verbatim === true)).toBe(true);
    }
    const plainJoined = messages.flatMap((m) => allText(m.blocks as Block[]).plain).join("\n");
    expect(plainJoined).toContain("<!channel> <!here>");
  });

  it("escapes mrkdwn control characters, & first", () => {
    expect(slackEscape("<a&b>")).toBe("&lt;a&amp;b&gt;");
  });

  it("splits large digests within Block Kit limits", () => {
    const many = Array.from({ length: 230 }, (_, i) =>
      finding({ clusterName: `cluster-${i}`, detail: "d".repeat(900), fingerprint: String(i).padStart(40, "0") }),
    );
    const messages = renderSlackMessages(many, testRun);
    expect(messages.length).toBeGreaterThan(4);
    let sections = 0;
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(m.blocks).length).toBeLessThan(13_000);
      for (const b of m.blocks as Block[]) {
        if (b.type === "header") expect(b.text?.text.length).toBeLessThanOrEqual(150);
        for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
        if (b.type === "section") sections += 1;
      }
    }
    expect(sections).toBe(230);
    expect(messages.at(-1)?.blocks[1]).toMatchObject({ type: "context" });
    expect(JSON.stringify(messages[0]?.blocks[1])).toContain(`message 1 of ${messages.length}`);
  });
});

describe("Slack webhook delivery", () => {
  const noSleep = { sleep: async () => {} };

  it("retries 429 honouring Retry-After, then succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const fetchStub: typeof fetch = async () => {
      calls += 1;
      return calls === 1
        ? new Response("rate_limited", { status: 429, headers: { "retry-after": "2" } })
        : new Response("ok", { status: 200 });
    };
    const notifier = createSlackNotifier("https://hooks.slack.com/services/T/B/secret123456", {
      fetch: fetchStub,
      sleep: async (ms) => void waits.push(ms),
    });
    const result = await notifier.send([finding()], testRun);
    expect(result).toMatchObject({ ok: true, delivered: 1, target: "hooks.slack.com" });
    expect(waits).toEqual([2000]);
  });

  it("reports a revoked webhook without leaking its URL", async () => {
    const url = "https://hooks.slack.com/services/T/B/secret123456";
    const fetchStub: typeof fetch = async () => new Response(`no_service ${url}`, { status: 404 });
    const result = await createSlackNotifier(url, { fetch: fetchStub, ...noSleep }).send([finding()], testRun);
    expect(result.ok).toBe(false);
    expect(result.error).toContain("HTTP 404");
    expect(result.error).toContain("no_service");
    expect(JSON.stringify(result)).not.toContain("secret123456");
  });

  it("reports a network failure without leaking the URL", async () => {
    const url = "https://hooks.slack.com/services/T/B/secret123456";
    const fetchStub: typeof fetch = async () => {
      throw new TypeError(`fetch failed for ${url}`);
    };
    const result = await createSlackNotifier(url, { fetch: fetchStub, ...noSleep }).send([finding()], testRun);
    expect(result.ok).toBe(false);
    expect(result.error).toContain("unreachable after 3 attempts");
    expect(JSON.stringify(result)).not.toContain("secret123456");
  });
});
