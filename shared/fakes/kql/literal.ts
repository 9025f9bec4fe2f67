// Safe KQL string literals for query builders. Production code: no dependencies.
//
// The literal is double-quoted with backslash escapes. Backslash, double quote, newline, carriage return
// and tab use the documented escapes (\\ \" \n \r \t); any other control or line-separator character, and
// any unpaired surrogate, becomes \uXXXX. No input can end the literal early, so none can add syntax.

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

const needsUnicodeEscape = (code: number): boolean =>
  code < 0x20 ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x2028 ||
  code === 0x2029 ||
  (code >= 0xd800 && code <= 0xdfff);

const unicodeEscape = (code: number): string => `\\u${code.toString(16).padStart(4, "0")}`;

/** A KQL string literal whose value is exactly `value`. */
export function kqlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const named = NAMED_ESCAPES[char];
    if (named) {
      out += named;
      continue;
    }
    // for...of yields whole code points, so a lone surrogate arrives here on its own.
    const code = char.codePointAt(0) ?? 0;
    out += code <= 0xffff && needsUnicodeEscape(code) ? unicodeEscape(code) : char;
  }
  return `${out}"`;
}

/**
 * Comma-separated string literals for `x in (...)` or `dynamic([...])`, e.g. `"a", "b"`.
 * An empty list gives "" (valid inside dynamic([]), not after `in`: callers handle no values themselves).
 */
export function kqlStringList(values: Iterable<string>): string {
  return Array.from(values, kqlString).join(", ");
}
