import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

/** Debian's Chromium; `.ci/run` installs it when missing, so CI always has it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_MESSAGE = `headless Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) to run the rendering tests; CI installs it`;

/**
 * A fresh headless Chromium profile with every network request refused except
 * the page itself (data: and about: URLs), so rendering tests never leave the machine:
 * the page's requests are aborted, and the browser resolves no name and proxies to nowhere.
 */
export async function withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  const { chromium } = await import("playwright-core");
  const profile = await mkdtemp(join(tmpdir(), "cluster-audit-chromium-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        // Outside the test's own network guard, so refused here too: no name resolves, and anything
        // that still tries goes to a dead loopback proxy.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route("**/*", (route) => {
      const url = route.request().url();
      return url.startsWith("data:") || url.startsWith("about:") ? route.continue() : route.abort();
    });
    return await fn(page);
  } finally {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  }
}
