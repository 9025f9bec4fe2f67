import dns from "node:dns";
import net from "node:net";

/** Every address the guard lets through: the loopback range, IPv6 loopback, and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (net.isIPv4(h)) return h.startsWith("127.");
  if (h.startsWith("::ffff:")) return isLoopbackHost(h.slice(7));
  return false;
}

export const blockedConnections: string[] = [];

let installed = false;

/**
 * Refuses, before any packet leaves, every TCP connection or DNS lookup for a
 * non-loopback host in this process, and records it. Tests, the demo and the
 * bench install it first.
 */
export function installNetworkGuard(): void {
  if (installed) return;
  installed = true;
  const refuse = (what: string): Error => {
    blockedConnections.push(what);
    return new Error(`network guard: refused non-loopback ${what}`);
  };

  const originalConnect = net.Socket.prototype.connect;
  // biome-ignore lint/suspicious/noExplicitAny: patching an overloaded Node API
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: any[]) {
    // net.connect() hands over its normalized arguments as one array.
    const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    let host: string | undefined;
    if (typeof first === "object" && first !== null) {
      const options = first as { host?: string; path?: string; port?: number };
      if (options.path === undefined) host = options.host ?? "localhost";
    } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
      host = typeof second === "string" ? second : "localhost";
    }
    if (host !== undefined && !isLoopbackHost(host)) throw refuse(`connection to ${host}`);
    return originalConnect.apply(this, args as Parameters<typeof originalConnect>);
  } as typeof originalConnect;

  const originalLookup = dns.lookup;
  // biome-ignore lint/suspicious/noExplicitAny: patching an overloaded Node API
  (dns as { lookup: unknown }).lookup = function guardedLookup(hostname: string, ...rest: any[]) {
    if (!isLoopbackHost(hostname)) throw refuse(`DNS lookup of ${hostname}`);
    return (originalLookup as (...a: unknown[]) => unknown)(hostname, ...rest);
  };
  const originalPromiseLookup = dns.promises.lookup;
  (dns.promises as { lookup: unknown }).lookup = async (hostname: string, ...rest: unknown[]) => {
    if (!isLoopbackHost(hostname)) throw refuse(`DNS lookup of ${hostname}`);
    return (originalPromiseLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
  };
}
