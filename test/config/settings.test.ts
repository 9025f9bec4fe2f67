import { describe, expect, it } from "vitest";
import { AZURE_CLOUDS } from "../../shared/config/azure-clouds.js";
import { DEFAULT_SCHEDULE, DEFAULT_WEBHOOK_HOSTS, hostMatches, loadSettings } from "../../shared/config/settings.js";
import { ConfigError } from "../../shared/errors.js";

const SUB = "4f8c2a1e-6b3d-4e7a-9c15-2d8e7f6a0b31";
const minimal = { AUDIT_TABLE_CONNECTION_STRING: "UseDevelopmentStorage=true" };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("loadSettings", () => {
  it("applies the contract defaults", () => {
    const s = loadSettings(minimal);
    expect(s.clouds).toEqual(["azure"]);
    expect(s.schedule).toBe(DEFAULT_SCHEDULE);
    expect(s.azure.cloud).toBe("AzurePublicCloud");
    // Compared by parts: tests never spell out a real cloud URL.
    expect(new URL(s.azure.armEndpoint)).toMatchObject({
      protocol: "https:",
      host: "management.azure.com",
      pathname: "/",
    });
    expect(new URL(s.azure.logsEndpoint)).toMatchObject({
      protocol: "https:",
      host: "api.loganalytics.io",
      pathname: "/v1",
    });
    expect(s.azure.subscriptions).toEqual([]);
    expect(s.notify.minSeverity).toBe("high");
    expect(s.notify.allowedHosts).toEqual([...DEFAULT_WEBHOOK_HOSTS]);
    expect(s.findingsTable).toBe("findings");
    expect(s.gpuTable).toBe("gpuanomalies");
    expect(s.aws.regions.length).toBeGreaterThan(30);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it("uses the sovereign cloud's endpoints and token audience", () => {
    const s = loadSettings({ ...minimal, AUDIT_AZURE_CLOUD: "AzureChinaCloud" });
    expect(s.azure.armEndpoint).toBe("https://management.chinacloudapi.cn");
    expect(s.azure.armAudience).toBe("https://management.chinacloudapi.cn/.default");
    expect(new URL(s.azure.logsEndpoint)).toMatchObject({ host: "api.loganalytics.azure.cn", pathname: "/v1" });
  });

  it("keeps the cloud audience when only the endpoint is overridden", () => {
    const s = loadSettings({ ...minimal, AUDIT_AZURE_ARM_ENDPOINT: "https://127.0.0.1:8443/" });
    expect(s.azure.armEndpoint).toBe("https://127.0.0.1:8443");
    expect(s.azure.armAudience).toBe(AZURE_CLOUDS.AzurePublicCloud.armAudience);
    expect(new URL(s.azure.armAudience).host).toBe("management.azure.com");
  });

  it("parses comma lists, trimming blanks", () => {
    const s = loadSettings({
      ...minimal,
      AUDIT_AZURE_SUBSCRIPTIONS: ` ${SUB} , ,${SUB.toUpperCase()}`,
      AUDIT_AWS_ROLE_ARNS: "arn:aws:iam::123456789012:role/audit, arn:aws:iam::210987654321:role/path/audit",
      AUDIT_AWS_REGIONS: "eu-west-1,us-gov-west-1",
    });
    expect(s.azure.subscriptions).toHaveLength(2);
    expect(s.aws.roleArns).toHaveLength(2);
    expect(s.aws.regions).toEqual(["eu-west-1", "us-gov-west-1"]);
    expect(s.clouds).toEqual(["azure", "aws"]);
  });

  it("turns AWS on when AWS credentials are in the environment, and honours AUDIT_CLOUDS", () => {
    expect(loadSettings({ ...minimal, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE" }).clouds).toEqual(["azure", "aws"]);
    expect(loadSettings({ ...minimal, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AUDIT_CLOUDS: "azure" }).clouds).toEqual([
      "azure",
    ]);
    expect(loadSettings({ ...minimal, AUDIT_CLOUDS: "AWS" }).clouds).toEqual(["aws"]);
  });

  it("names every problem at once, in one message", () => {
    const env = {
      AUDIT_CLOUDS: "azure,gcp",
      AUDIT_AZURE_CLOUD: "AzureGermanCloud",
      AUDIT_AZURE_SUBSCRIPTIONS: "not-a-guid",
      AUDIT_AWS_ROLE_ARNS: "arn:aws:iam::12:user/bob",
      AUDIT_AWS_REGIONS: "mars-north-1x",
      AUDIT_SLACK_WEBHOOK_URL: "http://hooks.slack.com/services/T/B/secret-slack-token",
      AUDIT_TEAMS_WEBHOOK_URL: "https://evil.example.com/workflows/x?sig=secret-teams-sig",
      AUDIT_NOTIFY_MIN_SEVERITY: "urgent",
      AUDIT_TABLE_CONNECTION_STRING: "UseDevelopmentStorage=true",
      AUDIT_TABLE_ENDPOINT: "https://acct.table.core.windows.net",
      AUDIT_SCHEDULE: "every 5 minutes",
      AUDIT_FINDINGS_TABLE: "no-dashes",
    };
    let message = "";
    try {
      loadSettings(env);
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }
    for (const name of [
      "AUDIT_CLOUDS",
      "AUDIT_AZURE_CLOUD",
      "AUDIT_AZURE_SUBSCRIPTIONS",
      "AUDIT_AWS_ROLE_ARNS",
      "AUDIT_AWS_REGIONS",
      "AUDIT_SLACK_WEBHOOK_URL",
      "AUDIT_TEAMS_WEBHOOK_URL",
      "AUDIT_NOTIFY_MIN_SEVERITY",
      "AUDIT_TABLE_ENDPOINT",
      "AUDIT_SCHEDULE",
      "AUDIT_FINDINGS_TABLE",
    ]) {
      expect(message, name).toContain(name);
    }
    expect(message).toContain('unknown cloud "gcp"');
    expect(message).toContain("must use https");
    expect(message).toContain("evil.example.com is not in the webhook allowlist");
    expect(message).toContain("both set");
    expect(message).not.toContain("secret-slack-token");
    expect(message).not.toContain("secret-teams-sig");
  });

  it("requires exactly one findings store", () => {
    expect(problemsOf({}).join("\n")).toContain("AUDIT_TABLE_ENDPOINT (or AUDIT_TABLE_CONNECTION_STRING) is required");
    // The CLI may keep its state locally instead; the function may not.
    expect(loadSettings({}, { localStoreDirectory: "/tmp/x" }).table).toEqual({ kind: "local", directory: "/tmp/x" });
    expect(problemsOf({ AUDIT_TABLE_ENDPOINT: "http://acct.table.core.windows.net" }).join("\n")).toContain(
      "AUDIT_TABLE_ENDPOINT: must be an https:// URL",
    );
    const s = loadSettings({ AUDIT_TABLE_ENDPOINT: "https://acct.table.core.windows.net" });
    expect(s.table).toEqual({ kind: "endpoint", endpoint: "https://acct.table.core.windows.net" });
  });

  it("does not echo a malformed connection string", () => {
    const problems = problemsOf({ AUDIT_TABLE_CONNECTION_STRING: "AccountKey=c2VjcmV0LWtleQ==" });
    expect(problems.join("\n")).toContain("not a storage connection string");
    expect(problems.join("\n")).not.toContain("c2VjcmV0LWtleQ");
  });

  it("replaces the webhook allowlist and rejects patterns with a scheme", () => {
    const ok = loadSettings({
      ...minimal,
      AUDIT_WEBHOOK_ALLOWED_HOSTS: "*.example.org",
      AUDIT_SLACK_WEBHOOK_URL: "https://hooks.example.org/x",
    });
    expect(ok.notify.slackWebhookUrl).toBe("https://hooks.example.org/x");
    const problems = problemsOf({ ...minimal, AUDIT_WEBHOOK_ALLOWED_HOSTS: "https://hooks.slack.com/" });
    expect(problems[0]).toContain("AUDIT_WEBHOOK_ALLOWED_HOSTS");
    // The default allowlist no longer applies once replaced.
    expect(
      problemsOf({
        ...minimal,
        AUDIT_WEBHOOK_ALLOWED_HOSTS: "*.example.org",
        AUDIT_SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/a",
      }).join(),
    ).toContain("not in the webhook allowlist");
  });

  it("accepts the default Slack and Teams Workflows hosts", () => {
    const s = loadSettings({
      ...minimal,
      AUDIT_SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXX",
      AUDIT_TEAMS_WEBHOOK_URL:
        "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
    });
    expect(s.notify.slackWebhookUrl).not.toBeNull();
    expect(s.notify.teamsWebhookUrl).not.toBeNull();
  });

  it("rejects an AZURE_TOKEN_CREDENTIALS value DefaultAzureCredential would throw on", () => {
    expect(problemsOf({ ...minimal, AZURE_TOKEN_CREDENTIALS: "MagicCredential" }).join()).toContain(
      "AZURE_TOKEN_CREDENTIALS",
    );
    expect(loadSettings({ ...minimal, AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential" }).clouds).toEqual([
      "azure",
    ]);
  });

  it("needs role ARNs with a web identity audience, and distinct table names", () => {
    expect(problemsOf({ ...minimal, AUDIT_AWS_WEB_IDENTITY_AUDIENCE: "api://aws-audit" }).join()).toContain(
      "needs AUDIT_AWS_ROLE_ARNS",
    );
    expect(problemsOf({ ...minimal, AUDIT_GPU_TABLE: "Findings" }).join()).toContain("different tables");
    expect(problemsOf({ ...minimal, AUDIT_GPU_TABLE: "tables" }).join()).toContain("reserved");
  });
});

describe("hostMatches", () => {
  it("matches exact hosts and wildcard subdomains only", () => {
    expect(hostMatches("hooks.slack.com", ["hooks.slack.com"])).toBe(true);
    expect(hostMatches("prod-1.westus.logic.azure.com", ["*.logic.azure.com"])).toBe(true);
    expect(hostMatches("logic.azure.com", ["*.logic.azure.com"])).toBe(false);
    expect(hostMatches("evillogic.azure.com", ["*.logic.azure.com"])).toBe(false);
    expect(hostMatches("hooks.slack.com.evil.example", ["hooks.slack.com"])).toBe(false);
  });
});
