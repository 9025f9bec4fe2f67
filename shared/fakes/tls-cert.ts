import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface LoopbackCertificate {
  readonly key: string;
  readonly cert: string;
  /** PEM file to hand to NODE_EXTRA_CA_CERTS. */
  readonly certPath: string;
  /** The private key as a PEM file, for servers started as child processes (Azurite). */
  readonly keyPath: string;
}

/** A one-day self-signed certificate for 127.0.0.1, ::1 and localhost, made at start-up. */
export async function createLoopbackCertificate(): Promise<LoopbackCertificate> {
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: "cluster-audit loopback fake" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), "cluster-audit-tls-"));
  const certPath = join(dir, "loopback-ca.pem");
  const keyPath = join(dir, "loopback-key.pem");
  await writeFile(certPath, pems.cert, "utf8");
  await writeFile(keyPath, pems.private, { encoding: "utf8", mode: 0o600 });
  return { key: pems.private, cert: pems.cert, certPath, keyPath };
}
