/**
 * @module
 * Reads the name checks of both trees as predicates, so that tests can run them on sample values and
 * prove that Bicep and Terraform accept exactly the same names.
 *
 * Bicep has no regex decorator, so `main.bicep` checks a name character by character:
 *
 * ```bicep
 * var xInvalidChars = filter(range(0, length(x)), i => !contains('<allowed>', substring(x, i, 1)))
 * var checkedX = empty(xInvalidChars) && !startsWith(x, '-') ? x : fail('...')
 * ```
 *
 * and Terraform uses `validation { condition = length(var.x) <= N && can(regex("...", var.x)) }`.
 * Each reader understands exactly the forms the templates use, and throws on anything else, so a
 * check that changes shape fails the tests instead of being skipped.
 */
import { type HclBlock, parseHcl, type Source } from "./infra-text.js";

export interface NameCheck {
  /** Where the check was read, for messages. */
  readonly origin: string;
  readonly accepts: (value: string) => boolean;
}

// ---------------------------------------------------------------------------
// Bicep
// ---------------------------------------------------------------------------

/**
 * The `var name = '...'` string variables, resolved on demand (`${other}` interpolations of such
 * variables included); `undefined` for a name that is not one.
 */
function bicepStringVars(source: Source): { get: (name: string) => string | undefined } {
  const raw = new Map<string, string>();
  for (const match of source.code.matchAll(/^var (\w+) = '([^'\n]*)'$/gm)) raw.set(match[1] ?? "", match[2] ?? "");
  const resolve = (value: string, depth: number): string =>
    value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const inner = raw.get(name);
      if (inner === undefined || depth > 5) throw new Error(`${source.path}: cannot resolve \${${name}}`);
      return resolve(inner, depth + 1);
    });
  return {
    get: (name) => {
      const value = raw.get(name);
      return value === undefined ? undefined : resolve(value, 0);
    },
  };
}

function bicepDecorator(source: Source, param: string, decorator: "minLength" | "maxLength"): number | undefined {
  const lines = source.code.split("\n");
  const index = lines.findIndex((line) => new RegExp(`^param ${param} string\\b`).test(line));
  if (index === -1) throw new Error(`${source.path}: no string parameter ${param}`);
  for (let k = index - 1; k >= 0 && /^@/.test(lines[k] ?? ""); k--) {
    const match = new RegExp(`^@${decorator}\\((\\d+)\\)`).exec(lines[k] ?? "");
    if (match) return Number(match[1]);
  }
  return undefined;
}

/**
 * The check behind `var <checkedVar> = <condition> ? <param> : fail(...)`, with the parameter's
 * `@minLength`/`@maxLength` decorators.
 */
export function bicepNameCheck(source: Source, checkedVar: string): NameCheck & { readonly param: string } {
  const declaration = new RegExp(`^var ${checkedVar} = ([\\s\\S]*?)\\n\\s*\\? (\\w+)\\n\\s*: fail\\('`, "m").exec(
    source.code,
  );
  if (!declaration) throw new Error(`${source.path}: no "var ${checkedVar} = <check> ? <param> : fail(...)"`);
  const condition = (declaration[1] ?? "").trim();
  const param = declaration[2] ?? "";
  const strings = bicepStringVars(source);
  const text = (value: string): string => {
    const literal = /^'([^']*)'$/.exec(value);
    if (literal) {
      return (literal[1] ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => {
        const resolved = strings.get(name);
        if (resolved === undefined) throw new Error(`${source.path}: unknown string variable ${name}`);
        return resolved;
      });
    }
    const variable = strings.get(value);
    if (variable === undefined) throw new Error(`${source.path}: ${value} is not a string literal or variable`);
    return variable;
  };
  const p = param.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const tests: ((value: string) => boolean)[] = [];
  for (const conjunct of condition.split(/\s+&&\s+/)) {
    let m = /^empty\((\w+)\)$/.exec(conjunct);
    if (m) {
      const filter = new RegExp(
        `^var ${m[1]} = filter\\(range\\(0, length\\(${p}\\)\\), i => !contains\\(('[^']*'|\\w+), substring\\(${p}, i, 1\\)\\)\\)$`,
        "m",
      ).exec(source.code);
      if (!filter) throw new Error(`${source.path}: ${m[1]} is not a character filter over ${param}`);
      const allowed = text(filter[1] ?? "");
      tests.push((value) => [...value].every((c) => allowed.includes(c)));
      continue;
    }
    m = new RegExp(`^(!?)(startsWith|endsWith|contains)\\(${p}, ('[^']*')\\)$`).exec(conjunct);
    if (m) {
      const negate = m[1] === "!";
      const needle = text(m[3] ?? "");
      const fn = m[2];
      tests.push((value) => {
        const found =
          fn === "startsWith"
            ? value.startsWith(needle)
            : fn === "endsWith"
              ? value.endsWith(needle)
              : value.includes(needle);
        return negate ? !found : found;
      });
      continue;
    }
    m = new RegExp(`^contains\\(('[^']*'|\\w+), first\\(${p}\\)\\)$`).exec(conjunct);
    if (m) {
      const allowed = text(m[1] ?? "");
      tests.push((value) => value.length > 0 && allowed.includes(value.charAt(0)));
      continue;
    }
    throw new Error(
      `${source.path}: the check of ${checkedVar} has a part this reader does not understand: ${conjunct}`,
    );
  }
  const min = bicepDecorator(source, param, "minLength") ?? 0;
  const max = bicepDecorator(source, param, "maxLength") ?? Number.POSITIVE_INFINITY;
  return {
    origin: `${source.path} var ${checkedVar}`,
    param,
    accepts: (value) => value.length >= min && value.length <= max && tests.every((test) => test(value)),
  };
}

// ---------------------------------------------------------------------------
// Terraform
// ---------------------------------------------------------------------------

/** Undoes HCL string escapes (`\\` and `\"`). */
function hclUnescape(value: string): string {
  return value.replace(/\\(["\\])/g, "$1");
}

export function terraformVariable(sources: readonly Source[], name: string): HclBlock {
  for (const source of sources) {
    const block = parseHcl(source).blocks.find((b) => b.type === "variable" && b.labels[0] === name);
    if (block) return block;
  }
  throw new Error(`No variable ${name}`);
}

/** The conjunction of every validation condition of `variable "<name>"`. */
export function terraformNameCheck(sources: readonly Source[], name: string): NameCheck {
  const block = terraformVariable(sources, name);
  const conditions = block.body.blocks
    .filter((b) => b.type === "validation")
    .map((b) => b.body.attributes.find((a) => a.name === "condition")?.expr ?? "");
  if (conditions.length === 0) throw new Error(`variable ${name} has no validation`);
  const v = `var\\.${name}`;
  const tests: ((value: string) => boolean)[] = [];
  for (const condition of conditions) {
    for (const conjunct of condition.split(/\s+&&\s+/)) {
      let m = new RegExp(`^length\\(${v}\\) (>=|<=) (\\d+)$`).exec(conjunct);
      if (m) {
        const bound = Number(m[2]);
        tests.push(m[1] === ">=" ? (value) => value.length >= bound : (value) => value.length <= bound);
        continue;
      }
      m = new RegExp(`^can\\(regex\\("((?:[^"\\\\]|\\\\.)*)", ${v}\\)\\)$`).exec(conjunct);
      if (m) {
        const pattern = new RegExp(hclUnescape(m[1] ?? ""), "u");
        tests.push((value) => pattern.test(value));
        continue;
      }
      throw new Error(`variable ${name}: a validation part this reader does not understand: ${conjunct}`);
    }
  }
  return { origin: `variable ${name}`, accepts: (value) => tests.every((test) => test(value)) };
}

/** Sample values on which two checks disagree (empty when they agree on every sample). */
export function disagreements(a: NameCheck, b: NameCheck, samples: readonly string[]): string[] {
  return samples.filter((sample) => a.accepts(sample) !== b.accepts(sample));
}
