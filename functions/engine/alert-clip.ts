/**
 * Measuring and clipping alert text: UTF-8 byte counts as SNS counts them, and strings shortened
 * without splitting a code point. Pure.
 */

/** At most `max` UTF-16 units, ending in `…` when shortened; code points are never split. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const cp of text) {
    if (out.length + cp.length > max - 1) break;
    out += cp;
  }
  return `${out}…`;
}

export function clipStrings<T>(value: T, max: number): T {
  if (typeof value === 'string') return clipText(value, max) as T;
  if (Array.isArray(value)) return value.map((v) => clipStrings(v, max)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clipStrings(v, max)])) as T;
  }
  return value;
}

/** UTF-8 length without encoding (a lone surrogate counts as the 3-byte replacement character). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
