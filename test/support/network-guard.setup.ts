import { afterAll } from "vitest";
import { blockedConnections, installNetworkGuard } from "../../shared/fakes/network-guard.js";

// Every test file runs with outbound traffic limited to loopback.
installNetworkGuard();

afterAll(() => {
  const attempts = blockedConnections.filter((c) => !c.includes("guard-self-test"));
  if (attempts.length > 0) throw new Error(`non-loopback network access attempted: ${attempts.join("; ")}`);
});
