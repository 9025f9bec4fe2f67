/**
 * Table Storage forbids `/`, `\`, `#`, `?` and control characters in PartitionKey
 * and RowKey, and caps each at 1 KiB. Keys are percent-encoded (as URI components
 * encode them, plus those four), so any scope or name is a safe, reversible key.
 */
const MAX_KEY_CHARS = 1024;

export function encodeTableKey(value: string): string {
  const encoded = [...value]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      if (
        ch === "%" ||
        ch === "/" ||
        ch === "\\" ||
        ch === "#" ||
        ch === "?" ||
        code <= 0x1f ||
        (code >= 0x7f && code <= 0x9f)
      )
        return encodeURIComponent(ch);
      return ch;
    })
    .join("");
  if (encoded.length > MAX_KEY_CHARS) throw new RangeError(`table key longer than ${MAX_KEY_CHARS} characters`);
  return encoded;
}

export function decodeTableKey(key: string): string {
  return decodeURIComponent(key);
}
