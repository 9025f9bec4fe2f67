import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface AzuriteHandle {
  readonly tablePort: number;
  readonly queuePort: number;
  readonly connectionString: string;
  /** The table service endpoint, e.g. for AUDIT_TABLE_ENDPOINT. */
  readonly tableEndpoint: string;
  stop(): Promise<void>;
}

/** The documented, public Azurite development account key (not a secret). */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited early with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Azurite did not open port ${port} within ${timeoutMs} ms`);
}

export interface AzuriteOptions {
  /**
   * Serve HTTPS with this certificate and accept Entra bearer tokens (`--oauth basic`),
   * as a storage account with shared keys disabled is reached in production.
   */
  readonly identityTls?: { readonly certPath: string; readonly keyPath: string };
}

/** Real Azurite, in memory, loopback only, telemetry off; table and queue services. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("azurite/package.json"));
  const [tablePort, queuePort, blobPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      join(root, "dist", "src", "azurite.js"),
      "--inMemoryPersistence",
      "--extentMemoryLimit",
      "64",
      "--silent",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(blobPort),
      "--queueHost",
      "127.0.0.1",
      "--queuePort",
      String(queuePort),
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(tablePort),
      ...(options.identityTls
        ? ["--oauth", "basic", "--cert", options.identityTls.certPath, "--key", options.identityTls.keyPath]
        : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"], cwd: await mkdtemp(join(tmpdir(), "cluster-audit-azurite-")) },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  try {
    await Promise.all([waitForPort(tablePort, child, 20_000), waitForPort(queuePort, child, 20_000)]);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${error instanceof Error ? error.message : String(error)}${stderr ? `: ${stderr}` : ""}`);
  }
  const scheme = options.identityTls ? "https" : "http";
  const connectionString = [
    `DefaultEndpointsProtocol=${scheme}`,
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `TableEndpoint=${scheme}://127.0.0.1:${tablePort}/${DEV_ACCOUNT}`,
    `QueueEndpoint=${scheme}://127.0.0.1:${queuePort}/${DEV_ACCOUNT}`,
  ].join(";");
  return {
    tablePort,
    queuePort,
    connectionString: `${connectionString};`,
    tableEndpoint: `${scheme}://127.0.0.1:${tablePort}/${DEV_ACCOUNT}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
