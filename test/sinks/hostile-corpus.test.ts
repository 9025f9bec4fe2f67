import * as AC from "adaptivecards";
import { beforeAll, describe, expect, it } from "vitest";
import { renderCsv, renderTable } from "../../shared/cli/render-report.js";
import type { Finding } from "../../shared/model/finding.js";
import { cleanText, planMessages } from "../../shared/sinks/digest.js";
import { renderSlackMessages } from "../../shared/sinks/slack/render-blocks.js";
import { renderTeamsMessages } from "../../shared/sinks/teams/render-card.js";
import { toFindingRow } from "../../shared/store/finding-rows.js";
import { installCardDom } from "../support/adaptive-cards.js";
import { finding, HOSTILE_STRINGS, notification, runReport, testRun } from "../support/helpers.js";

/**
 * Every untrusted value (pod, image, namespace, label, tag, Service and cluster
 * names) through every output: no mention, link, formatting, terminal escape
 * sequence or spreadsheet formula can come out of it, and it stays readable.
 */
const context = { store: "127.0.0.1:1/findings", azureCloud: "AzurePublicCloud" as const };
const fp = (i: number) => i.toString(16).padStart(40, "0");
const hostileFindings: Finding[] = HOSTILE_STRINGS.map((s, i) =>
  finding({
    fingerprint: fp(i),
    clusterName: s,
    clusterId: s,
    scope: s,
    resourceId: s,
    detail: `Cluster ${s} in subscription ${s} is exposed`,
    evidence: { image: s, namespace: s, labels: [s, s], pod: s },
    severity: i % 2 === 0 ? "critical" : "high",
  }),
);
const notes = hostileFindings.map((f) => ({ ...notification(), finding: f }));

/** RFC 4180 cells, quoted fields with commas, quotes and line breaks included. */
function parseCsv(text: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === "\n") {
      cells.push(cell.replace(/\r$/, ""));
      cell = "";
    } else cell += c;
  }
  return cells;
}

/** What a person should still be able to read of a hostile value: its words, control characters aside. */
const readable = (s: string): string[] =>
  cleanText(s, 10_000)
    .split(/[\s,;]+/)
    .filter((w) => /^[A-Za-z]{4,}$/.test(w));

beforeAll(installCardDom);

describe("the hostile corpus, through every output", () => {
  it("Slack: only plain_text carries it, the fallback text has no mention or link, and it stays readable", () => {
    const messages = renderSlackMessages(planMessages(notes, { maxCriticalMessages: 3 }), testRun, context);
    const texts: string[] = [];
    for (const m of messages) {
      expect(m.payload.text).not.toMatch(/<[!@#]|<https?:|\bjavascript:/);
      for (const block of m.payload.blocks) {
        const objects =
          block.type === "actions"
            ? block.elements.map((e) => e.text)
            : block.type === "context"
              ? block.elements
              : block.type === "divider"
                ? []
                : [block.text, ...(block.type === "section" ? (block.fields ?? []) : [])];
        for (const o of objects) {
          expect(o.type).toBe("plain_text");
          // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting control characters are gone
          expect(o.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
          texts.push(o.text);
        }
        // No link exists but our console buttons; the hostile IDs are not well-formed, so none at all here.
        if (block.type === "actions") expect(block.elements).toEqual([]);
        if (block.type === "section") expect(block.accessory).toBeUndefined();
      }
    }
    const all = texts.join("\n");
    for (const s of HOSTILE_STRINGS) for (const word of readable(s)) expect(all, s).toContain(word);
  });

  it("Teams: a valid card where the corpus creates no link, mention, emphasis, list or code, and stays readable", () => {
    const messages = renderTeamsMessages(planMessages(notes, { maxCriticalMessages: 3 }), testRun, context);
    let text = "";
    for (const m of messages) {
      const json = JSON.stringify(m.payload);
      expect(json).not.toContain('"entities"');
      expect(json).not.toContain("Action.OpenUrl");
      const card = new AC.AdaptiveCard();
      const serialization = new AC.SerializationContext(AC.Versions.v1_4);
      card.parse(m.payload.attachments[0].content, serialization);
      expect(serialization.eventCount).toBe(0);
      expect(card.validateProperties().validationEvents).toEqual([]);
      const element = card.render();
      expect(element?.querySelectorAll("a, em, code, li, h1, h2, blockquote, script, img").length).toBe(0);
      // Bold appears only where our own label is bold: one per standalone finding.
      for (const strong of element?.querySelectorAll("strong") ?? [])
        expect(strong.textContent).toMatch(/^(CRITICAL|HIGH) NEW$/);
      text += element?.textContent ?? "";
    }
    for (const s of HOSTILE_STRINGS) for (const word of readable(s)) expect(text, s).toContain(word);
  });

  it("the table: values verbatim, never in a key", () => {
    for (const f of hostileFindings) {
      const row = toFindingRow(
        {
          ...f,
          sources: ["clusters"],
          peakSeverity: f.severity,
          episode: 1,
          episodeStartedAt: null,
          failedInEpisode: true,
          lastRemindedAt: null,
          outbox: {},
          expectedEtag: null,
        },
        "run",
      );
      expect(row.clusterName).toBe(f.clusterName);
      expect(row.rowKey).toMatch(/^[0-9a-f]{40}$/);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the forbidden key characters are the point
      expect(row.partitionKey).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
    }
  });

  const report = runReport(
    hostileFindings,
    HOSTILE_STRINGS.map((s) => ({
      cloud: "azure" as const,
      scope: s,
      region: null,
      clusterId: null,
      clusterName: s,
      operation: "list",
      reason: s,
      code: null,
    })),
  );

  it("CSV: no cell a spreadsheet would run as a formula, and every value still there", () => {
    const csv = renderCsv(report);
    for (const value of parseCsv(csv)) expect(value, value).not.toMatch(/^[=+\-@\t\r]/);
    for (const s of HOSTILE_STRINGS) for (const word of readable(s)) expect(csv).toContain(word);
  });

  it("terminal: no escape sequence or control character, and every value still readable", () => {
    const text = renderTable(report);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting terminal control is gone
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    for (const s of HOSTILE_STRINGS) for (const word of readable(s).slice(0, 2)) expect(text).toContain(word);
  });
});
