import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../shared/cli/cli.js";
import { GPU_CSV_COLUMNS, renderGpuCsv } from "../../shared/cli/render-gpu-csv.js";
import { escapeHtml, renderHtml, scriptJson } from "../../shared/cli/render-html.js";
import type { SimulatedCloud } from "../../shared/demo/simulated-cloud.js";
import { type Collector, STAGES } from "../../shared/engine/ports.js";
import { type RunReport, runAudit } from "../../shared/engine/run-audit.js";
import type { Inventory } from "../../shared/model/inventory.js";
import type { GpuNodeSeries } from "../../shared/model/signals.js";
import { GPU_SPIKE_DEFAULTS } from "../../shared/rules/gpu-node-spike/config.js";
import { ALL_RULES } from "../../shared/rules/index.js";
import { chromiumAvailable, NO_CHROMIUM_MESSAGE, withPage } from "../support/browser.js";
import { demoGpuInventory, gpuPool, kubeflowCluster, kubeflowSeries, MINER_IMAGE, NOW, SUB } from "../support/gpu.js";
import { cluster, HOSTILE_STRINGS, uniqueTableName } from "../support/helpers.js";
import { memoryStore } from "../support/memory-store.js";
import { startTestCloud, withEnvironment } from "../support/simulated.js";

const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

/** The real engine over an inventory, as one run reports it. */
async function reportFor(inventory: Inventory): Promise<RunReport> {
  const memory = await memoryStore();
  const { collectedAt: _at, ...parts } = inventory;
  const collector: Collector = { id: "literal", cloud: "azure", stage: STAGES.primary, collect: async () => parts };
  return runAudit(
    {
      collectors: [collector],
      rules: ALL_RULES,
      ruleConfigs: new Map([["gpu-node-spike", GPU_SPIKE_DEFAULTS]]),
      store: memory.store(),
      notifiers: [],
      minNotifySeverity: "high",
      clock: () => NOW,
      log: quietLog,
    },
    { trigger: "test", notify: false },
  );
}

/** A second spiking cluster whose every name is hostile. */
function hostileInventory(): Inventory {
  const name = HOSTILE_STRINGS.join(" | ");
  const hostileCluster = cluster({
    ...kubeflowCluster,
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/hostile`,
    name,
    nodePools: [gpuPool({ name: HOSTILE_STRINGS[7] })],
  });
  const series: GpuNodeSeries = {
    ...kubeflowSeries(),
    clusterId: hostileCluster.id,
    pool: HOSTILE_STRINGS[7],
    attribution: HOSTILE_STRINGS.map((h, i) => ({ namespace: h, controller: h, image: h, gpus: 10 - i })),
  };
  const demo = demoGpuInventory();
  return { ...demo, clusters: [...demo.clusters, hostileCluster], gpuSeries: [...demo.gpuSeries, series] };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the page shows control characters as spaces
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** What a hostile string looks like as page text: invisible characters as spaces, whitespace collapsed. */
const visible = (text: string): string => text.replace(INVISIBLE, " ").replace(/\s+/g, " ").trim();

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

describe("--output gpu-csv", () => {
  it("holds the Kubeflow anomaly with its excess cost, one row per anomaly", async () => {
    const [header, ...rows] = parseCsv(renderGpuCsv(await reportFor(demoGpuInventory())));
    expect(header).toEqual([...GPU_CSV_COLUMNS]);
    expect(rows).toHaveLength(1);
    const cells = Object.fromEntries(GPU_CSV_COLUMNS.map((c, i) => [c, rows[0]?.[i]]));
    expect(cells).toMatchObject({
      cloud: "azure",
      clusterName: "kubeflow-gpu-prod",
      pool: "gpua100",
      sku: "Standard_NC24ads_A100_v4",
      gpusPerNode: "1",
      baselineNodes: "2",
      peakNodes: "12",
      windowStart: "2026-11-28T07:00:00.000Z",
      state: "open",
      excessNodeHours: "30",
      excessGpuHours: "30",
      estimatedExcessCost: "110.19",
      currency: "USD",
      topImage: MINER_IMAGE,
      attackPath: "true",
      severity: "critical",
    });
  });

  it("guards cells a spreadsheet would run as formulas, and quotes hostile text", async () => {
    const inventory = hostileInventory();
    const formula = '=HYPERLINK("https://evil.example","x")';
    const series = inventory.gpuSeries.map((s) =>
      s.pool === HOSTILE_STRINGS[7]
        ? { ...s, attribution: [{ namespace: formula, controller: "+1", image: "@x", gpus: 9 }] }
        : s,
    );
    const csv = renderGpuCsv(await reportFor({ ...inventory, gpuSeries: series }));
    expect(csv).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(csv).toContain(",'+1,'@x,");
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

describe("--output html", () => {
  it("is one self-contained file: no external script, style, font or image, and the library inlined", async () => {
    const html = renderHtml(await reportFor(hostileInventory()));
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
    expect(html).toContain("uPlot");
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
    );
    // Hostile text reaches the page only escaped.
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<!channel>");
    expect(html.match(/<script\b/g)).toHaveLength(3);
  });

  it("escapes text and embeds data so nothing can close its element", () => {
    expect(escapeHtml(`<img src=x onerror="a()">'&`)).toBe("&lt;img src=x onerror=&quot;a()&quot;&gt;&#39;&amp;");
    expect(scriptJson({ s: "</script><script>alert(1)</script>\u2028" })).not.toMatch(/<|>|\u2028/);
  });

  it.skipIf(!chromiumAvailable)(
    "draws the chart in headless Chromium, shows the clusters and the cost, and hostile strings only as text",
    async () => {
      const html = renderHtml(await reportFor(hostileInventory()));
      await withPage(async (page) => {
        const dialogs: string[] = [];
        const problems: string[] = [];
        page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        page.on("pageerror", (e) => problems.push(e.message));
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(m.text());
        });
        await page.setContent(html, { waitUntil: "load" });
        await page.waitForSelector('[data-drawn="true"]', { timeout: 10_000 });

        const painted = await page.evaluate(() =>
          [...document.querySelectorAll<HTMLCanvasElement>(".chart canvas")].map((canvas) => {
            const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
            let drawn = 0;
            for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) drawn++;
            return drawn;
          }),
        );
        // The Kubeflow pool and the hostile cluster's pool each get a chart, with lines drawn.
        expect(painted).toHaveLength(2);
        for (const drawn of painted) expect(drawn).toBeGreaterThan(2_000);
        const charts = await page.evaluate(() =>
          [...document.querySelectorAll(".chart")].map(
            (c) => c.closest("section")?.querySelector("h3")?.textContent ?? "",
          ),
        );
        expect(charts[0]).toContain("kubeflow-gpu-prod");

        // What a person sees: the rendered text, without the scripts' source (textContent would include it).
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
        const text = visible(await page.evaluate(() => document.body.innerText));
        expect(text).toContain("kubeflow-gpu-prod");
        expect(text).toContain("aks-training-private");
        expect(text).toContain("USD 110.19");
        expect(text).toContain("USD 36.73/h");
        const clusters = await page.evaluate(() =>
          [...document.querySelectorAll("main > section.card h3")].map((h) => h.textContent ?? ""),
        );
        expect(clusters[0]).toContain("attack path");
        expect(clusters[0]).toContain("kubeflow-gpu-prod");

        // Every hostile string shows as text, and none made an element, a link, a handler or a dialog.
        for (const hostile of HOSTILE_STRINGS) expect(text).toContain(visible(hostile));
        const dom = await page.evaluate(() => ({
          scripts: document.scripts.length,
          links: document.querySelectorAll("a, img, iframe, object, embed, form, base").length,
          handlers: [...document.querySelectorAll("*")].filter((e) =>
            [...e.attributes].some((a) => a.name.toLowerCase().startsWith("on")),
          ).length,
        }));
        expect(dom).toEqual({ scripts: 3, links: 0, handlers: 0 });
        expect(dialogs).toEqual([]);
        expect(problems).toEqual([]);
      });
    },
  );
  if (!chromiumAvailable) console.warn(NO_CHROMIUM_MESSAGE);
});

describe("npm run audit -- --output gpu-csv | html", () => {
  let cloud: SimulatedCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => cloud.stop());

  it("writes both exports from a real sweep of the simulated estate", async () => {
    const env = {
      ...cloud.environment,
      AUDIT_GPU_HISTORY_TABLE: uniqueTableName("h"),
      AUDIT_GPU_TABLE: uniqueTableName("g"),
    };
    const io = { stdout: () => {}, stderr: () => {}, isTty: false };
    const csvFile = join(tmpdir(), `${uniqueTableName("gpu")}.csv`);
    const htmlFile = join(tmpdir(), `${uniqueTableName("report")}.html`);
    const codes = await withEnvironment(env, async () => [
      await runCli(["--output", "gpu-csv", "--out", csvFile, "--no-notify"], process.env, io),
      await runCli(["--output", "html", "--out", htmlFile, "--no-notify"], process.env, io),
    ]);
    expect(codes).toEqual([0, 0]);
    expect((await readFile(csvFile, "utf8")).split("\r\n")[0]).toBe(GPU_CSV_COLUMNS.join(","));
    const html = await readFile(htmlFile, "utf8");
    expect(html).toContain("kubeflow-gpu-prod");
    expect(html).toContain("kubeflow-eks-gpu");
  });
});
