// String predicates with Kusto semantics. A term is a maximal run of ASCII letters and digits, so
// `has` matches whole terms: "North America" has "america" but not "amer".

const isTermChar = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);

type TermMatch = "whole" | "prefix" | "suffix";

function hasTerm(haystack: string, needle: string, match: TermMatch): boolean {
  if (needle.length === 0) return true;
  const needsLeftBoundary = isTermChar(needle.charCodeAt(0)) && match !== "suffix";
  const needsRightBoundary = isTermChar(needle.charCodeAt(needle.length - 1)) && match !== "prefix";
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const end = at + needle.length;
    const leftOk = !needsLeftBoundary || at === 0 || !isTermChar(haystack.charCodeAt(at - 1));
    const rightOk = !needsRightBoundary || end === haystack.length || !isTermChar(haystack.charCodeAt(end));
    if (leftOk && rightOk) return true;
    from = at + 1;
  }
}

export interface StringOperator {
  /** Case-insensitive operators compare lower-cased operands. */
  readonly caseSensitive: boolean;
  readonly test: (haystack: string, needle: string) => boolean;
}

const positive: Record<string, StringOperator> = {
  "=~": { caseSensitive: false, test: (h, n) => h === n },
  has: { caseSensitive: false, test: (h, n) => hasTerm(h, n, "whole") },
  has_cs: { caseSensitive: true, test: (h, n) => hasTerm(h, n, "whole") },
  hasprefix: { caseSensitive: false, test: (h, n) => hasTerm(h, n, "prefix") },
  hasprefix_cs: { caseSensitive: true, test: (h, n) => hasTerm(h, n, "prefix") },
  hassuffix: { caseSensitive: false, test: (h, n) => hasTerm(h, n, "suffix") },
  hassuffix_cs: { caseSensitive: true, test: (h, n) => hasTerm(h, n, "suffix") },
  contains: { caseSensitive: false, test: (h, n) => h.includes(n) },
  contains_cs: { caseSensitive: true, test: (h, n) => h.includes(n) },
  startswith: { caseSensitive: false, test: (h, n) => h.startsWith(n) },
  startswith_cs: { caseSensitive: true, test: (h, n) => h.startsWith(n) },
  endswith: { caseSensitive: false, test: (h, n) => h.endsWith(n) },
  endswith_cs: { caseSensitive: true, test: (h, n) => h.endsWith(n) },
};

const negatedNames: Record<string, string> = { "!~": "=~" };
for (const name of Object.keys(positive)) if (name !== "=~") negatedNames[`!${name}`] = name;

/** The string operator spelled `op` (has, !contains, =~, ...), or undefined if it is not one. */
export function stringOperator(op: string): StringOperator | undefined {
  const direct = positive[op];
  if (direct) return direct;
  const base = negatedNames[op];
  const inner = base ? positive[base] : undefined;
  if (!inner) return undefined;
  return { caseSensitive: inner.caseSensitive, test: (h, n) => !inner.test(h, n) };
}

/** has_any / has_all over a list of terms (case-insensitive). */
export const hasAnyTerm = (haystack: string, needles: readonly string[]): boolean => {
  const lower = haystack.toLowerCase();
  return needles.some((n) => hasTerm(lower, n.toLowerCase(), "whole"));
};

export const hasAllTerms = (haystack: string, needles: readonly string[]): boolean => {
  const lower = haystack.toLowerCase();
  return needles.every((n) => hasTerm(lower, n.toLowerCase(), "whole"));
};
