/**
 * @module
 * Reads the Bicep and Terraform trees as text, for the infra tests. No Bicep compiler or Terraform
 * provider is needed: a small scanner masks comments and string contents (keeping every offset), so
 * that braces, keys and blocks can be found reliably, and values are read back from the source.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const INFRA_DIR = join(REPO_ROOT, "infra");
export const BICEP_DIR = join(INFRA_DIR, "bicep");
export const TERRAFORM_DIR = join(INFRA_DIR, "terraform");

export type Dialect = "bicep" | "hcl";

/** One source file, in three views that share offsets. */
export interface Source {
  /** Path relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly dialect: Dialect;
  /** The file as written. */
  readonly text: string;
  /** Comments blanked out; strings kept. */
  readonly code: string;
  /** Comments and string contents blanked out (quotes kept). */
  readonly masked: string;
}

/** A setting found in an app-settings object: its name and the source of its value expression. */
export interface SettingEntry {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/** Every file below `dir` (recursively, skipping `.terraform` caches), as absolute paths. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".terraform" || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(full));
    else if (entry.isFile()) found.push(full);
  }
  return found.sort();
}

export function toRepoPath(absolute: string): string {
  return relative(REPO_ROOT, absolute).split(sep).join("/");
}

export function loadSource(absolute: string, dialect: Dialect): Source {
  return sourceFromText(toRepoPath(absolute), readFileSync(absolute, "utf8"), dialect);
}

export function sourceFromText(path: string, text: string, dialect: Dialect): Source {
  return {
    path,
    dialect,
    text,
    code: maskCode(text, dialect, { strings: false }),
    masked: maskCode(text, dialect, { strings: true }),
  };
}

/** The Bicep templates (`*.bicep`, not the example parameter file). */
export function loadBicepSources(): Source[] {
  return listFiles(BICEP_DIR)
    .filter((file) => file.endsWith(".bicep"))
    .map((file) => loadSource(file, "bicep"));
}

/** The Terraform module and its submodules, without the examples. */
export function loadTerraformSources(): Source[] {
  return listFiles(TERRAFORM_DIR)
    .filter((file) => file.endsWith(".tf"))
    .filter((file) => !toRepoPath(file).startsWith("infra/terraform/examples/"))
    .map((file) => loadSource(file, "hcl"));
}

// ---------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------

/**
 * Blanks comments (and, with `strings`, the contents of string literals, interpolations included)
 * with spaces, keeping newlines and every offset. Handles Bicep `'...'`, `'''...'''` and `${}`;
 * HCL `"..."`, `${}`, `%{}`, heredocs and `#`, `//`, `/* *\/` comments.
 */
export function maskCode(text: string, dialect: Dialect, options: { strings: boolean }): string {
  const chars = text.split("");
  const quote = dialect === "bicep" ? "'" : '"';
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < chars.length; k++) {
      if (chars[k] !== "\n" && chars[k] !== "\r") chars[k] = " ";
    }
  };

  const lineEnd = (from: number): number => {
    const end = text.indexOf("\n", from);
    return end === -1 ? text.length : end;
  };

  /** Skips a comment starting at `i`; returns the index after it, or -1 when there is none. */
  const skipComment = (i: number): number => {
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if ((c === "/" && next === "/") || (dialect === "hcl" && c === "#")) {
      const end = lineEnd(i);
      blank(i, end);
      return end;
    }
    if (c === "/" && next === "*") {
      const close = text.indexOf("*/", i + 2);
      const end = close === -1 ? text.length : close + 2;
      blank(i, end);
      return end;
    }
    return -1;
  };

  /** Scans code from `start`; with `untilBrace`, stops at the unmatched `}` and returns its index. */
  const scanCode = (start: number, untilBrace: boolean): number => {
    let depth = 0;
    let i = start;
    while (i < text.length) {
      const afterComment = skipComment(i);
      if (afterComment !== -1) {
        i = afterComment;
        continue;
      }
      const c = text.charAt(i);
      if (dialect === "bicep" && text.startsWith("'''", i)) {
        const close = text.indexOf("'''", i + 3);
        const end = close === -1 ? text.length : close + 3;
        if (options.strings) blank(i + 3, end - 3);
        i = end;
        continue;
      }
      if (c === quote) {
        i = scanString(i);
        continue;
      }
      if (dialect === "hcl" && text.startsWith("<<", i)) {
        const heredoc = /^<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 200));
        if (heredoc) {
          const marker = heredoc[1] ?? "";
          const contentStart = i + heredoc[0].length;
          let lineStart = contentStart;
          while (lineStart < text.length) {
            const end = lineEnd(lineStart);
            if (text.slice(lineStart, end).trim() === marker) break;
            lineStart = end + 1;
          }
          if (options.strings) blank(contentStart, Math.min(lineStart, text.length));
          i = lineStart < text.length ? lineEnd(lineStart) : text.length;
          continue;
        }
      }
      if (untilBrace) {
        if (c === "{") depth++;
        else if (c === "}") {
          if (depth === 0) return i;
          depth--;
        }
      }
      i++;
    }
    return i;
  };

  /** Scans the string literal that opens at `i`; returns the index after its closing quote. */
  const scanString = (i: number): number => {
    let j = i + 1;
    while (j < text.length) {
      const c = text.charAt(j);
      const next = text.charAt(j + 1);
      if (c === "\\") {
        j += 2;
      } else if (c === quote) {
        if (options.strings) blank(i + 1, j);
        return j + 1;
      } else if (dialect === "hcl" && (c === "$" || c === "%") && next === c) {
        j += 2; // $${ and %%{ are escapes
      } else if ((c === "$" || (dialect === "hcl" && c === "%")) && next === "{") {
        j = scanCode(j + 2, true) + 1;
      } else if (c === "\n") {
        break; // unterminated single-line string: stop at the end of the line
      } else {
        j++;
      }
    }
    if (options.strings) blank(i + 1, j);
    return j;
  };

  scanCode(0, false);
  return chars.join("");
}

/** Index of the `}` (or `]`, `)`) that closes the bracket at `open`, in masked text. */
export function matchBracket(masked: string, open: number): number {
  const opening = masked.charAt(open);
  const closing = opening === "{" ? "}" : opening === "[" ? "]" : opening === "(" ? ")" : "";
  if (closing === "") throw new Error(`No bracket at offset ${open}`);
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked.charAt(i);
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") {
      depth--;
      if (depth === 0) {
        if (c !== closing) throw new Error(`Mismatched bracket at offset ${i}`);
        return i;
      }
    }
  }
  throw new Error(`Unclosed bracket at offset ${open}`);
}

export function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

// ---------------------------------------------------------------------------
// Object literals
// ---------------------------------------------------------------------------

/**
 * The top-level entries of the object literal whose `{` is at `open`: keys written as identifiers
 * or quoted strings, followed by `:` (Bicep, HCL) or `=` (HCL), separated by newlines or commas.
 */
export function objectEntries(source: Source, open: number): { key: string; value: string }[] {
  const { masked, code } = source;
  const close = matchBracket(masked, open);
  const entries: { key: string; value: string; valueStart: number; keyStart: number }[] = [];
  const keyPattern =
    source.dialect === "bicep"
      ? /^(?:'([^']*)'|([A-Za-z_]\w*))[ \t]*:/
      : /^(?:"([^"]*)"|([A-Za-z_][\w-]*))[ \t]*(?:=(?!=)|:)/;
  let depth = 0;
  let atEntryStart = true;
  for (let i = open + 1; i < close; i++) {
    const c = masked.charAt(i);
    if (depth === 0 && atEntryStart && !/\s/.test(c)) {
      atEntryStart = false;
      // Match on the masked view (so strings cannot fake a key), read the key from the code view.
      const keyMatch = keyPattern.exec(masked.slice(i, close));
      if (keyMatch) {
        const quoted = keyMatch[1] !== undefined;
        const keyLength = (keyMatch[1] ?? keyMatch[2] ?? "").length;
        const key = quoted ? code.slice(i + 1, i + 1 + keyLength) : code.slice(i, i + keyLength);
        entries.push({ key, value: "", keyStart: i, valueStart: i + keyMatch[0].length });
      }
    }
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
    else if (depth === 0 && (c === "\n" || c === ",")) atEntryStart = true;
  }
  return entries.map((entry, index) => {
    const next = entries[index + 1];
    const end = next ? next.keyStart : close;
    return { key: entry.key, value: code.slice(entry.valueStart, end).trim().replace(/,$/, "").trim() };
  });
}

// ---------------------------------------------------------------------------
// HCL structure
// ---------------------------------------------------------------------------

export interface HclAttribute {
  readonly name: string;
  /** The expression as written (comments removed). */
  readonly expr: string;
  readonly start: number;
}

export interface HclBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: HclBody;
  readonly start: number;
}

export interface HclBody {
  readonly attributes: readonly HclAttribute[];
  readonly blocks: readonly HclBlock[];
}

/** Parses the structure of an HCL file: attributes and (nested) blocks with their labels. */
export function parseHcl(source: Source): HclBody {
  if (source.dialect !== "hcl") throw new Error(`${source.path} is not HCL`);
  return parseHclBody(source, 0, source.masked.length);
}

function parseHclBody(source: Source, start: number, end: number): HclBody {
  const { masked, code } = source;
  const attributes: HclAttribute[] = [];
  const blocks: HclBlock[] = [];
  let i = start;
  const skipLine = (from: number): number => {
    const newline = masked.indexOf("\n", from);
    return newline === -1 || newline > end ? end : newline + 1;
  };
  while (i < end) {
    const c = masked.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const ident = /^[A-Za-z_][\w-]*/.exec(masked.slice(i, end));
    if (!ident) {
      i = skipLine(i);
      continue;
    }
    const name = ident[0];
    let j = i + name.length;
    while (masked.charAt(j) === " " || masked.charAt(j) === "\t") j++;
    if (masked.charAt(j) === "=" && masked.charAt(j + 1) !== "=") {
      const exprStart = j + 1;
      let depth = 0;
      let k = exprStart;
      for (; k < end; k++) {
        const ch = masked.charAt(k);
        if (ch === "{" || ch === "[" || ch === "(") depth++;
        else if (ch === "}" || ch === "]" || ch === ")") depth--;
        else if (ch === "\n" && depth <= 0) break;
      }
      attributes.push({ name, expr: code.slice(exprStart, k).trim(), start: i });
      i = k;
      continue;
    }
    const labels: string[] = [];
    while (masked.charAt(j) === '"') {
      const closeQuote = masked.indexOf('"', j + 1);
      if (closeQuote === -1 || closeQuote > end) break;
      labels.push(code.slice(j + 1, closeQuote));
      j = closeQuote + 1;
      while (masked.charAt(j) === " " || masked.charAt(j) === "\t") j++;
    }
    if (masked.charAt(j) === "{") {
      const close = matchBracket(masked, j);
      blocks.push({ type: name, labels, body: parseHclBody(source, j + 1, close), start: i });
      i = close + 1;
      continue;
    }
    i = skipLine(i);
  }
  return { attributes, blocks };
}

/** Every block of the body, depth first. */
export function allBlocks(body: HclBody): HclBlock[] {
  return body.blocks.flatMap((block) => [block, ...allBlocks(block.body)]);
}

/** The string literals of an expression such as `["a", "b"]`. */
export function stringLiterals(expr: string, dialect: Dialect): string[] {
  const pattern = dialect === "bicep" ? /'((?:[^'\\]|\\.)*)'/g : /"((?:[^"\\]|\\.)*)"/g;
  return [...expr.matchAll(pattern)].map((m) => m[1] ?? "");
}

// ---------------------------------------------------------------------------
// App settings
// ---------------------------------------------------------------------------

/**
 * App settings set by the Bicep files: the entries of object literals assigned to a variable or
 * property whose name ends in "Settings" (`var auditAppSettings = { AUDIT_X: ... }`), and
 * `{ name: 'X', value: ... }` objects anywhere. Throws when none is found.
 */
export function extractBicepAppSettings(sources: readonly Source[]): SettingEntry[] {
  const found: SettingEntry[] = [];
  for (const source of sources) {
    if (source.dialect !== "bicep") continue;
    const settingsObject = /(?:^|\n)[ \t]*(?:var[ \t]+\w*[Ss]ettings|\w*[Ss]ettings[ \t]*:)[ \t]*=?[ \t]*\{/g;
    for (const match of source.masked.matchAll(settingsObject)) {
      const open = (match.index ?? 0) + match[0].length - 1;
      for (const entry of objectEntries(source, open)) {
        found.push({ name: entry.key, value: entry.value, path: source.path });
      }
    }
    for (const match of source.masked.matchAll(/\{/g)) {
      const entries = objectEntries(source, match.index ?? 0);
      const nameEntry = entries.find((entry) => entry.key === "name");
      const valueEntry = entries.find((entry) => entry.key === "value");
      const literal = nameEntry ? /^'([^'$]*)'$/.exec(nameEntry.value) : null;
      if (literal && valueEntry) {
        found.push({ name: literal[1] ?? "", value: valueEntry.value, path: source.path });
      }
    }
  }
  if (found.length === 0) {
    throw new Error(`No app settings found in the Bicep files (${sources.map((s) => s.path).join(", ")})`);
  }
  return found;
}

/**
 * App settings set by the Terraform files: the entries of object literals assigned to an attribute
 * whose name ends in `app_settings` (`app_settings = { X = ... }`, `locals { audit_app_settings = {...} }`).
 * A `for` expression has no literal keys and is skipped. Throws when none is found.
 */
export function extractTerraformAppSettings(sources: readonly Source[]): SettingEntry[] {
  const found: SettingEntry[] = [];
  const visit = (source: Source, body: HclBody): void => {
    for (const attribute of body.attributes) {
      if (!/app_settings$/.test(attribute.name)) continue;
      const open = source.masked.indexOf("{", attribute.start);
      const equals = source.masked.indexOf("=", attribute.start);
      const between = source.masked.slice(equals + 1, open);
      if (open === -1 || between.trim() !== "") continue; // not an object literal
      if (/^\{\s*for\s/.test(source.masked.slice(open))) continue;
      for (const entry of objectEntries(source, open)) {
        found.push({ name: entry.key, value: entry.value, path: source.path });
      }
    }
    for (const block of body.blocks) visit(source, block.body);
  };
  for (const source of sources) {
    if (source.dialect === "hcl") visit(source, parseHcl(source));
  }
  if (found.length === 0) {
    throw new Error(`No app settings found in the Terraform files (${sources.map((s) => s.path).join(", ")})`);
  }
  return found;
}

// ---------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------

/** What the code reads, from `shared/config/setting-specs.ts`. */
export interface SettingCatalog {
  /** Settings the deployments must set (`deployed: true`). */
  readonly deployed: readonly string[];
  /** Settings for local runs only (`deployed: false`): deployments must never set them. */
  readonly localOnly: readonly string[];
  /** Standard SDK variables the deployments set. */
  readonly sdk: readonly string[];
}

/** Settings of the Functions platform that the deployments may set although the code does not read them. */
export function isPlatformSetting(name: string): boolean {
  return name.startsWith("AzureWebJobsStorage__") || name.startsWith("APPLICATIONINSIGHTS_");
}

export interface TreeSettingsReport {
  /** Deployed settings of the catalog that the tree does not set. */
  readonly missing: string[];
  /** Settings the tree sets that the code ignores and the platform allowlist does not cover. */
  readonly unknown: string[];
  /** Local-only settings that the tree sets. */
  readonly localOnly: string[];
}

export function checkTreeSettings(names: Iterable<string>, catalog: SettingCatalog): TreeSettingsReport {
  const set = new Set(names);
  const known = new Set([...catalog.deployed, ...catalog.sdk]);
  const localOnly = new Set(catalog.localOnly);
  return {
    missing: [...catalog.deployed, ...catalog.sdk].filter((name) => !set.has(name)).sort(),
    unknown: [...set].filter((name) => !known.has(name) && !localOnly.has(name) && !isPlatformSetting(name)).sort(),
    localOnly: [...set].filter((name) => localOnly.has(name)).sort(),
  };
}

export interface ParityReport {
  readonly bicep: TreeSettingsReport;
  readonly terraform: TreeSettingsReport;
  /** Settings set by one tree and not by the other. */
  readonly onlyInBicep: string[];
  readonly onlyInTerraform: string[];
}

export function compareSettings(
  bicepNames: Iterable<string>,
  terraformNames: Iterable<string>,
  catalog: SettingCatalog,
): ParityReport {
  const bicep = new Set(bicepNames);
  const terraform = new Set(terraformNames);
  return {
    bicep: checkTreeSettings(bicep, catalog),
    terraform: checkTreeSettings(terraform, catalog),
    onlyInBicep: [...bicep].filter((name) => !terraform.has(name) && !isPlatformSetting(name)).sort(),
    onlyInTerraform: [...terraform].filter((name) => !bicep.has(name) && !isPlatformSetting(name)).sort(),
  };
}

/** True when the report finds nothing wrong. */
export function isClean(report: ParityReport): boolean {
  const tree = (t: TreeSettingsReport): boolean =>
    t.missing.length === 0 && t.unknown.length === 0 && t.localOnly.length === 0;
  return (
    tree(report.bicep) &&
    tree(report.terraform) &&
    report.onlyInBicep.length === 0 &&
    report.onlyInTerraform.length === 0
  );
}

// ---------------------------------------------------------------------------
// Role definitions
// ---------------------------------------------------------------------------

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;

/**
 * Role definition GUIDs granted by a tree: every GUID literal in its code (comments excluded). In
 * these templates the only literal GUIDs are role definition IDs. Throws when none is found.
 */
export function extractRoleDefinitionIds(sources: readonly Source[]): Set<string> {
  const ids = new Set<string>();
  for (const source of sources) {
    for (const match of source.code.matchAll(GUID)) ids.add(match[0].toLowerCase());
  }
  if (ids.size === 0) {
    throw new Error(`No role definition IDs found in ${sources.map((s) => s.path).join(", ")}`);
  }
  return ids;
}

export function compareRoleSets(
  bicep: ReadonlySet<string>,
  terraform: ReadonlySet<string>,
): { onlyInBicep: string[]; onlyInTerraform: string[] } {
  return {
    onlyInBicep: [...bicep].filter((id) => !terraform.has(id)).sort(),
    onlyInTerraform: [...terraform].filter((id) => !bicep.has(id)).sort(),
  };
}

/** Names of the settings, de-duplicated and sorted. */
export function settingNames(entries: readonly SettingEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.name))].sort();
}

/** The value expressions of one setting across a tree (a setting can be written in several places). */
export function settingValues(entries: readonly SettingEntry[], name: string): string[] {
  return entries.filter((entry) => entry.name === name).map((entry) => entry.value);
}

/** The environment for every terraform the tests run: no upgrade check or telemetry, nothing off the machine. */
export const OFFLINE_TERRAFORM: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
