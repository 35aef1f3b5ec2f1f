import type { CountFn } from './content-tally.js'

/**
 * Repairs text damaged on its way through a latin1 past, value by value:
 *
 * - double-encoded UTF-8 (UTF-8 bytes once read as cp1252/latin1: "rÃ©sumÃ©", "â€“") is decoded
 *   back, one run of such characters at a time, and only when the run's bytes form valid UTF-8
 *   (so a real "é" or "’" next to it is never touched, and emoji are kept);
 * - NUL characters (which Postgres cannot store) are removed;
 * - lone surrogates (invalid sequences) become U+FFFD; an existing U+FFFD (a byte MySQL could not
 *   decode) cannot be repaired and is reported.
 *
 * Every repair is counted (`encoding-double-utf8`, `encoding-nul`, `encoding-invalid`) with the
 * value as example. Returns the input itself when nothing needed repair.
 */
export function repairEncoding(value: string, count: CountFn): string {
  let out = value
  if (out.includes('\u0000')) {
    out = out.replaceAll('\u0000', '')
    count('encoding-nul', value)
  }
  if (/[\ud800-\udfff]/.test(out)) {
    const fixed = out.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    )
    if (fixed !== out) {
      out = fixed
      count('encoding-invalid', value)
    }
  }
  if (out.includes('\ufffd')) count('encoding-unrepairable', value)
  if (MOJIBAKE_HINT.test(out)) {
    const fixed = out.replace(CP1252_RUN, (run) => decodeRun(run) ?? run)
    if (fixed !== out) {
      count('encoding-double-utf8', `${value} → ${fixed}`)
      out = fixed
    }
  }
  return out
}

// A UTF-8 lead byte read as cp1252 (Â-ô: 0xC2-0xF4) followed by a continuation-byte character.
const MOJIBAKE_HINT =
  /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/

/** cp1252's characters for the bytes 0x80-0x9F (the five unassigned ones as latin1's C1 controls). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'
const CP1252 = new Map([...CP1252_HIGH].map((ch, i) => [ch.codePointAt(0) ?? 0, 0x80 + i]))

// A maximal run of characters that are one byte in cp1252/latin1 and not ASCII.
const CP1252_RUN =
  /[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}/g

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The run's bytes decoded as UTF-8, or null when they are not valid UTF-8 (then it is real text). */
function decodeRun(run: string): string | null {
  const bytes: number[] = []
  for (const ch of run) {
    const cp = ch.codePointAt(0) ?? 0
    bytes.push(cp <= 0xff ? cp : (CP1252.get(cp) ?? -1))
  }
  if (bytes.includes(-1) || bytes.every((b) => b < 0xc0 && b >= 0x80)) return null
  try {
    const decoded = strictUtf8.decode(Uint8Array.from(bytes))
    // C1 controls in the result mean the bytes were not text.
    return /[\u0080-\u009f]/.test(decoded) ? null : decoded
  } catch {
    return null
  }
}
