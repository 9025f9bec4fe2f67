/**
 * @module
 * Cold start of the compiled function entries: each is imported in a fresh Node.js process, as the
 * Functions worker imports it (`@azure/functions` falls back to its test mode outside the host and
 * skips registration), timed from just before the import to just after, with the packages its
 * module graph resolved. Cloud SDKs must not be among them: composeAudit and the registrations
 * import them when a run first needs them.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../paths.js";

export interface EntryImport {
  readonly ms: number;
  /** npm packages the entry's module graph resolved (bare names, `@scope/name`). */
  readonly packages: readonly string[];
}

/** Records every module URL the process resolves into a file (an ESM resolve hook). */
const HOOK = `import { appendFileSync } from "node:fs";
const out = process.env.CLUSTER_AUDIT_RESOLVED;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (out && !resolved.url.startsWith("node:")) appendFileSync(out, resolved.url + "\\n");
  return resolved;
}`;

const packageOf = (url: string): string | null => {
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return match?.[1] ?? null;
};

/** Imports one compiled entry in a fresh process; `trace` also lists the packages it resolved. */
export async function importEntry(entry: string, trace = false): Promise<EntryImport> {
  const dir = await mkdtemp(join(tmpdir(), "cluster-audit-cold-"));
  const resolvedFile = join(dir, "resolved.txt");
  // The network guard, as in every other child of the tests and the bench; loaded before the timer starts.
  const args: string[] = ["--import", pathToFileURL(join(repoRoot(), "dist/shared/fakes/guard-preload.js")).href];
  if (trace) {
    await writeFile(join(dir, "hook.mjs"), HOOK);
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hook.mjs")).href)});\n`,
    );
    args.push("--import", pathToFileURL(join(dir, "register.mjs")).href);
  }
  const script = `const started = performance.now();
await import(${JSON.stringify(pathToFileURL(entry).href)});
process.stdout.write("cluster-audit-import-ms " + (performance.now() - started) + "\\n");`;
  const child = spawn(process.execPath, [...args, "--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", CLUSTER_AUDIT_RESOLVED: resolvedFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.resume();
  const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? 1)));
  const ms = Number(/cluster-audit-import-ms ([\d.]+)/.exec(stdout)?.[1]);
  if (code !== 0 || !Number.isFinite(ms)) throw new Error(`importing ${entry} failed (exit ${code})`);
  const resolved = trace ? await readFile(resolvedFile, "utf8").catch(() => "") : "";
  const packages = [...new Set(resolved.split("\n").flatMap((url) => packageOf(url) ?? []))].sort();
  return { ms, packages };
}

/** SDK packages an entry must not load at import: Azure (other than the Functions library), AWS, Smithy. */
export const isCloudSdk = (name: string): boolean =>
  (name.startsWith("@azure/") && name !== "@azure/functions") ||
  name.startsWith("@azure-rest/") ||
  name.startsWith("@aws-sdk/") ||
  name.startsWith("@smithy/");
