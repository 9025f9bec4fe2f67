import { describe, expect, it } from "vitest";
import { renderOcsf } from "../../shared/cli/render-ocsf.js";
import { renderCsv, renderTable } from "../../shared/cli/render-report.js";
import { finding, HOSTILE_STRINGS, runReport as report } from "../support/helpers.js";

describe("report renderers", () => {
  it("keeps terminal escape sequences and control characters out of the table", () => {
    const text = renderTable(
      report(HOSTILE_STRINGS.map((s, i) => finding({ clusterName: s, detail: s, fingerprint: String(i) }))),
    );
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("\u202e");
    expect(text).not.toContain("\u0000");
  });

  it("orders failures first and most severe first", () => {
    const text = renderTable(
      report([
        finding({ status: "pass", clusterName: "zz-pass", fingerprint: "1" }),
        finding({ severity: "medium", clusterName: "yy-medium", fingerprint: "2" }),
        finding({ severity: "critical", clusterName: "xx-critical", fingerprint: "3" }),
      ]),
    );
    expect(text.indexOf("xx-critical")).toBeLessThan(text.indexOf("yy-medium"));
    expect(text.indexOf("yy-medium")).toBeLessThan(text.indexOf("zz-pass"));
  });

  it("quotes CSV cells and defuses spreadsheet formulas", () => {
    const csv = renderCsv(report([finding({ clusterName: '=HYPERLINK("https://evil.example")', detail: 'a,"b"\nc' })]));
    const row = csv.split("\r\n")[1] ?? "";
    expect(row).toContain(`"'=HYPERLINK(""https://evil.example"")"`);
    expect(csv).toContain(`"a,""b""\nc"`);
  });

  it("maps findings to OCSF compliance findings", () => {
    const [event] = JSON.parse(
      renderOcsf(report([finding({ state: "resolved", status: "pass", severity: "critical" })])),
    ) as Record<string, unknown>[];
    expect(event).toMatchObject({
      class_uid: 2003,
      activity_id: 3,
      type_uid: 200303,
      severity_id: 5,
      status: "Resolved",
      compliance: { control: "api-server-public", status: "Pass", status_id: 1 },
      cloud: { provider: "Azure", account: { uid: "11111111-1111-1111-1111-111111111111" } },
      finding_info: { uid: "f".repeat(40) },
    });
  });
});
