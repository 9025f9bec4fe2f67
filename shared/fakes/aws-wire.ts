/** Wire helpers the loopback AWS fakes share: JSON (restJson1) and XML (awsQuery, ec2Query) replies. */

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Escapes XML text. Control characters cannot appear in XML 1.0 even as references, so they
 * are sent as numeric references the SDK's parser reads back; hostile values survive the trip.
 */
export const xmlEscape = (value: string): string =>
  value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);

export const json = (status: number, body: unknown, errorType?: string): Reply => ({
  status,
  headers: {
    "content-type": "application/json",
    "x-amzn-requestid": "fake-request",
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  },
  body: JSON.stringify(body),
});

export const xml = (status: number, body: string): Reply => ({
  status,
  headers: { "content-type": "text/xml", "x-amzn-requestid": "fake-request" },
  body,
});

/** awsQuery success: the `<XxxResult>` wrapper is what the SDK reads. */
export const queryResult = (namespace: string, action: string, inner: string): Reply =>
  xml(
    200,
    `<${action}Response xmlns="${namespace}"><${action}Result>${inner}</${action}Result>` +
      `<ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></${action}Response>`,
  );

export const queryError = (namespace: string, status: number, code: string, message: string): Reply =>
  xml(
    status,
    `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code>` +
      `<Message>${xmlEscape(message)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
  );

/** awsQuery list of `<member>` items. */
export const members = (items: readonly string[]): string => items.map((i) => `<member>${i}</member>`).join("");

/** XML element with escaped text, or nothing when the value is absent. */
export const el = (name: string, value: string | number | undefined | null): string =>
  value === undefined || value === null ? "" : `<${name}>${xmlEscape(String(value))}</${name}>`;

/** The values of a query-protocol list parameter (`Name.member.1`, or EC2's flat `Name.1`), in order. */
export function listParam(form: URLSearchParams, prefix: string): string[] {
  const found: [number, string][] = [];
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  for (const [key, value] of form) {
    const index = pattern.exec(key)?.[1];
    if (index !== undefined) found.push([Number(index), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}
