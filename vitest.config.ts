import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/network-guard.setup.ts"],
    // Forks inherit NODE_EXTRA_CA_CERTS from the global setup; worker threads would not.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { AWS_EC2_METADATA_DISABLED: "true" },
    // .ci/run reads the JSON to print its plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: ".cache/vitest-results.json" }]],
  },
});
