import { redact } from "../../errors.js";

export interface PostResult {
  readonly status: number;
  readonly body: string;
  readonly attempts: number;
}

export interface PostOptions {
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  /** Upper bound for a server-requested Retry-After wait. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null, fallbackMs: number, capMs: number): number {
  if (header === null) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.min(Math.max(0, date - Date.now()), capMs);
}

/**
 * POSTs JSON to a webhook. Retries 429 (honouring Retry-After), 5xx and network
 * errors; returns the last response otherwise. Errors never contain the URL.
 */
export async function postJson(url: string, payload: unknown, options: PostOptions = {}): Promise<PostResult> {
  const maxAttempts = options.maxAttempts ?? 3;
  // The URL is the secret: mask it (and its path, which a server may echo alone) whatever its host,
  // not only where the settings registered it.
  const { pathname, search } = new URL(url);
  const own = [url, `${pathname}${search}`].filter((s) => s.length >= 8);
  const scrub = (text: string): string =>
    redact(own.reduce((out, secret) => out.split(secret).join("[redacted]"), text));
  const sleep = options.sleep ?? defaultSleep;
  const doFetch = options.fetch ?? fetch;
  const body = JSON.stringify(payload);
  let lastError = "no attempt made";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      lastError = scrub(`${error instanceof Error ? error.message : String(error)}${cause}`);
      if (attempt < maxAttempts) await sleep(1000 * attempt);
      continue;
    }
    const text = (await response.text().catch(() => "")).slice(0, 500);
    const retryable = response.status === 429 || response.status >= 500;
    if (!retryable || attempt === maxAttempts) return { status: response.status, body: scrub(text), attempts: attempt };
    await sleep(retryAfterMs(response.headers.get("retry-after"), 1000 * attempt, options.maxRetryAfterMs ?? 30_000));
  }
  throw new Error(`webhook unreachable after ${maxAttempts} attempts: ${lastError}`);
}
