/**
 * One error family for the engine. Messages never carry secrets: anything that may
 * have touched a webhook URL, a token or a connection string goes through `redact`.
 */
export type AuditErrorName = "ConfigError" | "CollectionError" | "SinkError";

export abstract class AuditError extends Error {
  abstract override readonly name: AuditErrorName;
}

export class ConfigError extends AuditError {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

export class SinkError extends AuditError {
  override readonly name = "SinkError";
  readonly sink: string;
  readonly status: number | undefined;

  constructor(sink: string, message: string, status?: number) {
    super(redact(message));
    this.sink = sink;
    this.status = status;
  }
}

const secretPatterns: readonly RegExp[] = [
  // Slack webhook paths and Teams Workflows SAS signatures.
  /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]*/gi,
  /([?&](?:sig|sv|sp|se|code)=)[^&\s"'<>]*/gi,
  /(AccountKey=)[^;\s"']*/gi,
  /(SharedAccessSignature=)[^;\s"']*/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(aws_secret_access_key|secretAccessKey|sessionToken)(["'\s:=]+)[^\s"',}]*/gi,
];

const registeredSecrets = new Set<string>();

/** Values registered here (the configured webhook URLs) are masked wherever they appear. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) registeredSecrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of registeredSecrets) out = out.split(secret).join("[redacted]");
  for (const pattern of secretPatterns) {
    out = out.replace(pattern, (_match, prefix?: string, sep?: string) => {
      if (typeof prefix === "string" && typeof sep === "string") return `${prefix}${sep}[redacted]`;
      return typeof prefix === "string" ? `${prefix}[redacted]` : "[redacted]";
    });
  }
  return out;
}

/** A short, redacted description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = statusOf(error);
    const code = codeOf(error);
    const parts = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(", ");
    const sdkText = error.message.split("\n")[0] ?? "";
    // Generated clients say only "Pagination failed with unexpected statusCode 403"; the code says more.
    const generic = /^(Pagination failed with unexpected statusCode|Unexpected status code)/i.test(sdkText);
    const firstLine = (serviceMessage(error) ?? (generic ? "request failed" : sdkText)).slice(0, 300);
    return redact(parts ? `${firstLine} (${parts})` : firstLine);
  }
  return redact(String(error).slice(0, 300));
}

/** Azure REST errors carry the service's own sentence in the body; it beats the SDK's generic text. */
function serviceMessage(error: Error): string | undefined {
  // A credential chain hides why each credential failed; the first reason is the useful one.
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner[0] instanceof Error) return inner[0].message.split("\n")[0];
  const details = (error as { details?: { error?: { message?: unknown }; message?: unknown } }).details;
  const message = details?.error?.message ?? details?.message;
  return typeof message === "string" && message.trim() ? message.trim() : undefined;
}

export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof record.statusCode === "number") return record.statusCode;
  const aws = record.$metadata?.httpStatusCode;
  return typeof aws === "number" ? aws : undefined;
}

export function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { code?: unknown; name?: unknown };
  if (typeof record.code === "string" && record.code) return record.code;
  if (typeof record.name === "string" && record.name !== "Error" && record.name !== "RestError") return record.name;
  return undefined;
}
