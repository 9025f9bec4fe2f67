import * as AC from "adaptivecards";
import { JSDOM } from "jsdom";
import MarkdownIt from "markdown-it";

/**
 * Gives the real `adaptivecards` library a DOM (jsdom) and a strict markdown pipeline, with
 * linkify on like a chat client that autolinks. Call it in `beforeAll`.
 */
export function installCardDom(): void {
  const { window } = new JSDOM("<!doctype html><html><body></body></html>");
  // jsdom has no layout, so innerText is missing; the library writes text through it.
  Object.defineProperty(window.HTMLElement.prototype, "innerText", {
    get(this: HTMLElement) {
      return this.textContent;
    },
    set(this: HTMLElement, value: string) {
      this.textContent = value;
    },
    configurable: true,
  });
  const globals = globalThis as Record<string, unknown>;
  for (const key of [
    "window",
    "document",
    "HTMLElement",
    "HTMLButtonElement",
    "HTMLDivElement",
    "HTMLInputElement",
    "Node",
    "getComputedStyle",
  ] as const)
    globals[key] = key === "window" ? window : (window as unknown as Record<string, unknown>)[key];
  const markdown = new MarkdownIt({ linkify: true, html: false });
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdown.render(text);
    result.didProcess = true;
  };
}

/** Parses a card as Adaptive Cards 1.4 and returns it with every parse and validation message. */
export function parseCard(content: unknown): { card: AC.AdaptiveCard; events: string[] } {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  card.parse(content, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i)?.message ?? "");
  for (const e of card.validateProperties().validationEvents) events.push(e.message);
  return { card, events };
}
