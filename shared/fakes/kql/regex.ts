import { KqlError, notImplemented } from "./errors.js";

// Kusto regular expressions are RE2. JavaScript's syntax agrees on the common subset; the differences
// that matter in practice are translated here, and constructs JavaScript would read differently are refused.

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 256;

function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = "";
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const flag of leading[1] ?? "") {
      if (flag === "i" || flag === "m" || flag === "s") flags += flags.includes(flag) ? "" : flag;
      else throw notImplemented(`regular expression flag (?${flag})`);
    }
    source = source.slice(leading[0].length);
  }
  if (/\(\?[a-zA-Z-]+[:)]/.test(source)) throw notImplemented("inline regular expression flags after the start");
  source = source
    .replace(/\(\?P</g, "(?<")
    .replace(/\\z/g, "(?![\\s\\S])")
    .replace(/\\A/g, "(?<![\\s\\S])")
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => {
      const members = POSIX_CLASSES[name];
      if (!members) return whole;
      if (negated) throw notImplemented("negated POSIX character classes");
      return members;
    });
  if (/\\[pP]/.test(source)) flags += "u";
  return { source, flags };
}

/** A JavaScript RegExp for an RE2 pattern (global: for extract_all/replace_regex). */
export function compileRegex(pattern: string, global = false): RegExp {
  const key = `${global ? "g" : "-"}${pattern}`;
  const cached = cache.get(key);
  if (cached) {
    cached.lastIndex = 0;
    return cached;
  }
  const { source, flags } = translate(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(source, global ? `${flags}g` : flags);
  } catch (error) {
    throw new KqlError("RuntimeError", `invalid regular expression ${JSON.stringify(pattern)}: ${String(error)}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, regex);
  return regex;
}

/** Escapes text for use inside a regular expression (trim() of a plain string, ...). */
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
