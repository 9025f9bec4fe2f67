import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { planMessages } from "../../shared/sinks/digest.js";
import { renderTeamsMessages } from "../../shared/sinks/teams/render-card.js";
import { chromiumAvailable, NO_CHROMIUM_MESSAGE, withPage } from "../support/browser.js";
import { HOSTILE_STRINGS, notification, testRun } from "../support/helpers.js";

const require = createRequire(import.meta.url);
const AKS =
  "/subscriptions/4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31/resourceGroups/rg-ml/providers/Microsoft.ContainerService/managedClusters/kubeflow-gpu-prod";

if (!chromiumAvailable) console.warn(`skipping the Chromium render of the Teams card: ${NO_CHROMIUM_MESSAGE}`);

describe("the Teams card in headless Chromium", () => {
  it.skipIf(!chromiumAvailable)(
    "shows the title, the cluster names and the links, and hostile names as text",
    async () => {
      const notes = [
        notification({
          ruleId: "istio-ingress-public",
          clusterId: AKS,
          clusterName: "kubeflow-gpu-prod",
          severity: "critical",
          fingerprint: "1".repeat(40),
        }),
        notification({
          ruleId: "kubeflow-dashboard-exposed",
          clusterId: AKS,
          clusterName: "kubeflow-gpu-prod",
          severity: "critical",
          fingerprint: "2".repeat(40),
        }),
        ...HOSTILE_STRINGS.map((s, i) =>
          notification({
            clusterName: `hostile-${i}`,
            clusterId: `c${i}`,
            detail: s,
            fingerprint: String(i).padStart(40, "0"),
          }),
        ),
      ];
      const messages = renderTeamsMessages(planMessages(notes, { maxCriticalMessages: 10 }), testRun, {
        store: "127.0.0.1:1/findings",
        azureCloud: "AzurePublicCloud",
      });
      const cards = messages.map((m) => m.payload.attachments[0].content);
      const bundle = await readFile(require.resolve("adaptivecards/dist/adaptivecards.min.js"), "utf8");
      const css = await readFile(require.resolve("adaptivecards/dist/adaptivecards.css"), "utf8");
      const result = await withPage(async (page) => {
        await page.setContent(
          `<!doctype html><html><head><style>${css}</style></head><body><div id="cards"></div></body></html>`,
        );
        await page.addScriptTag({ content: bundle });
        const opened = await page.evaluate((json) => {
          const AC = (globalThis as unknown as { AdaptiveCards: typeof import("adaptivecards") }).AdaptiveCards;
          const urls: string[] = [];
          // Markdown as Teams does it, minimally: text only, no HTML from card content.
          AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
            const div = document.createElement("div");
            div.textContent = text.replace(/\\(.)/g, "$1").replace(/\*\*(.+?)\*\*/g, "$1");
            result.outputHtml = div.innerHTML;
            result.didProcess = true;
          };
          for (const content of json) {
            const card = new AC.AdaptiveCard();
            card.onExecuteAction = (action) => {
              if (action instanceof AC.OpenUrlAction && action.url) urls.push(action.url);
            };
            card.parse(content, new AC.SerializationContext(AC.Versions.v1_4));
            const element = card.render();
            if (element) document.getElementById("cards")?.append(element);
          }
          for (const button of document.querySelectorAll("button")) (button as HTMLButtonElement).click();
          return urls;
        }, cards);
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point, what a person reads
        const text = await page.locator("#cards").innerText();
        // Adaptive Cards render Action.OpenUrl as buttons with the link role.
        const links = page.getByRole("link", { name: "Open cluster in the Azure portal" });
        const buttons = (await links.count()) > 0 && (await links.first().isVisible()) ? await links.count() : 0;
        const scripts = await page.locator("#cards script, #cards img, #cards a").count();
        return { text, buttons, opened, scripts };
      });
      expect(result.text).toContain("ATTACK PATH on kubeflow-gpu-prod");
      expect(result.text).toContain("kubeflow-gpu-prod");
      expect(result.text).toContain("hostile-3");
      expect(result.buttons).toBeGreaterThan(0);
      expect(result.opened).toContain(`https://portal.azure.com/#resource${AKS}/overview`);
      // Hostile names are shown, as text: no element, script or link came from them.
      expect(result.text).toContain("<!channel> <!here>");
      expect(result.text).toContain("<script>alert(1)</script>");
      expect(result.scripts).toBe(0);
      expect(result.opened.every((u) => u.startsWith("https://portal.azure.com/"))).toBe(true);
    },
  );
});
