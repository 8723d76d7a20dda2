// Spec text as bytes become it: UTF-8, with every byte that is not UTF-8 kept as a lone
// surrogate (U+DC80 + byte, Python's "surrogateescape") instead of U+FFFD, so the parse stage
// can point at the byte, and characters YAML does not allow in a stream are found there too.

const STRICT = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8; a byte that is not part of a valid sequence becomes U+DC80 + byte. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return STRICT.decode(bytes);
  } catch {
    return decodeLoosely(bytes);
  }
}

function decodeLoosely(b: Uint8Array): string {
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n === 0) {
      out.push(String.fromCharCode(0xdc00 + b[i]!));
      i += 1;
    } else {
      out.push(STRICT.decode(b.subarray(i, i + n)));
      i += n;
    }
  }
  return out.join("");
}

/** The length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf) =>
    i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * Characters outside YAML's printable set (YAML 1.2, c-printable): C0 controls other than tab,
 * line feed and carriage return, DEL, C1 controls other than NEL, U+FFFE and U+FFFF, and lone
 * surrogates, which is what decodeUtf8 makes of bytes that are not UTF-8.
 */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

export interface BadCharacter {
  offset: number;
  length: number;
  message: string;
}

/** The first character per line that YAML does not allow, with what to do about it. */
export function badCharacters(text: string, limit = 20): BadCharacter[] {
  const out: BadCharacter[] = [];
  // Matches come in order, so the end of the reported line only moves forward: linear.
  let lineEnd = -1;
  for (const m of text.matchAll(NOT_PRINTABLE)) {
    if (m.index < lineEnd) continue;
    const next = text.indexOf("\n", m.index);
    lineEnd = next < 0 ? Infinity : next;
    const code = m[0].codePointAt(0)!;
    const hex = code.toString(16).toUpperCase().padStart(4, "0");
    const message =
      code >= 0xdc80 && code <= 0xdcff
        ? `byte 0x${(code - 0xdc00).toString(16).toUpperCase()} is not valid UTF-8: save the spec as UTF-8`
        : code >= 0xd800 && code <= 0xdfff
          ? `U+${hex} is half of a surrogate pair, not a character`
          : `control character U+${hex} is not allowed in a spec; inside a double-quoted string write it as "\\u${hex}"`;
    out.push({ offset: m.index, length: m[0].length, message });
    if (out.length >= limit) break;
  }
  return out;
}
