import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/** Renew this long before expiry, so a long sweep never sends a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface CachedCredential extends TokenCredential {
  /** Token requests that reached the underlying credential, per scope (for tests and the bench). */
  readonly requests: () => ReadonlyMap<string, number>;
}

/**
 * One token per audience per run, shared by every Azure client. With `az login`
 * each request to the CLI credential spawns `az` (about a second), so 300
 * subscription clients must not each ask for their own.
 */
export function cachedCredential(inner: TokenCredential): CachedCredential {
  const tokens = new Map<string, Promise<AccessToken | null>>();
  const counts = new Map<string, number>();
  return {
    requests: () => counts,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const key = [scopes].flat().sort().join(" ");
      const cached = tokens.get(key);
      if (cached) {
        const token = await cached.catch(() => null);
        if (token && token.expiresOnTimestamp - Date.now() > REFRESH_MARGIN_MS) return token;
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
      // Claims challenges and tenant switches need a fresh token, not the shared one.
      const pending = inner.getToken(scopes, options);
      if (!options?.claims && !options?.tenantId) tokens.set(key, pending);
      pending.catch(() => {
        if (tokens.get(key) === pending) tokens.delete(key);
      });
      return pending;
    },
  };
}
