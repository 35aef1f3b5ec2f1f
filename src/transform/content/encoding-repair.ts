import type { CountFn } from './content-tally.js'

/**
 * Repairs text damaged on its way through a latin1 past, value by value:
 *
 * - double-encoded UTF-8 (UTF-8 bytes once read as cp1252/latin1: "rÃ©sumÃ©", "â€“", "ðŸ˜€") is
 *   decoded back one UTF-8 sequence at a time (a lead-byte character and its continuation-byte
 *   characters), the way ftfy's `decode_inconsistent_utf8` does, so correct characters around or
 *   between the sequences ("Š" in "ŠÃ©fÄ\u008doviÄ\u008d") are never touched;
 * - NUL characters (which Postgres cannot store) are removed;
 * - lone surrogates (invalid sequences) become U+FFFD; an existing U+FFFD (a byte MySQL could not
 *   decode) cannot be repaired and is reported.
 *
 * A sequence made only of characters real text puts after an accented letter (a capital followed by
 * a closing quote, "CAFÉ”"; "été\u00a0»" with French spacing) is repaired only when it touches a
 * sequence that is certainly damaged. One scan of the value; a value without anything to repair
 * comes back after that scan. Every repair is counted (`encoding-double-utf8`, `encoding-nul`,
 * `encoding-invalid`, `encoding-unrepairable`) once per value, with the value as example.
 */
export function repairEncoding(value: string, count: CountFn): string {
  SUSPECT.lastIndex = 0
  let m = SUSPECT.exec(value)
  if (m === null) return value

  let hasNul = false
  let hasInvalid = false
  let hasUnrepairable = false
  let repairs = 0
  const parts: string[] = []
  let done = 0 // value[0, done) is in parts
  // The current run of touching double-encoded sequences: where it starts, its decoded text, and
  // whether one of them is certainly damage.
  let runStart = -1
  let runEnd = -1
  let runDecoded = ''
  let runSure = false
  const closeRun = (): void => {
    if (runStart < 0) return
    if (runSure) {
      parts.push(value.slice(done, runStart), runDecoded)
      done = runEnd
      repairs++
    }
    runStart = -1
  }

  for (; m !== null; m = SUSPECT.exec(value)) {
    const text = m[0]
    const at = m.index
    const first = text.charCodeAt(0)
    if (first >= 0xc2 && first <= 0xf4) {
      const decoded = decodeSequence(text)
      if (decoded !== null) {
        if (at !== runEnd) closeRun()
        if (runStart < 0) {
          runStart = at
          runDecoded = ''
          runSure = false
        }
        runDecoded += decoded
        runEnd = at + text.length
        runSure ||= isSure(text)
        continue
      }
      // Not a valid sequence (overlong, a surrogate, a C1 control): real text. Its continuation
      // characters cannot start a sequence, so go on after its lead.
      SUSPECT.lastIndex = at + 1
      continue
    }
    if (first >= 0xd800 && first <= 0xdbff) {
      const next = value.charCodeAt(at + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        SUSPECT.lastIndex = at + 2 // a valid surrogate pair (emoji)
        continue
      }
    }
    closeRun()
    if (first === 0) {
      hasNul = true
      parts.push(value.slice(done, at))
      done = at + 1
    } else if (first === 0xfffd) {
      hasUnrepairable = true
    } else {
      hasInvalid = true
      hasUnrepairable = true
      parts.push(value.slice(done, at), '\ufffd')
      done = at + 1
    }
  }
  closeRun()
  if (done === 0) {
    if (hasUnrepairable) count('encoding-unrepairable', value)
    return value
  }
  parts.push(value.slice(done))
  const out = parts.join('')
  if (hasNul) count('encoding-nul', value)
  if (hasInvalid) count('encoding-invalid', value)
  if (hasUnrepairable) count('encoding-unrepairable', value)
  if (repairs > 0) count('encoding-double-utf8', `${value} → ${out}`)
  return out
}

/** cp1252's characters for the bytes 0x80-0x9F (the five unassigned ones as latin1's C1 controls). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'
const CP1252 = new Map([...CP1252_HIGH].map((ch, i) => [ch.charCodeAt(0), 0x80 + i]))

/** A character that stands for a UTF-8 continuation byte (0x80-0xBF) in cp1252 or latin1. */
const CONT =
  '[\\u0080-\\u00bf\\u0152\\u0153\\u0160\\u0161\\u0178\\u017d\\u017e\\u0192\\u02c6\\u02dc\\u2013\\u2014\\u2018-\\u201a\\u201c-\\u201e\\u2020-\\u2022\\u2026\\u2030\\u2039\\u203a\\u20ac\\u2122]'

/**
 * What the scan stops at: a lead-byte character (0xC2-0xF4) with its continuation characters, a NUL,
 * U+FFFD or a surrogate (a pair is skipped, a lone one replaced). Compiled once; `repairEncoding`
 * drives it with `lastIndex`. (Lone surrogates found by look-around made the scan of a clean body
 * seven times slower.)
 */
const SUSPECT = new RegExp(
  `[\\u00c2-\\u00df]${CONT}|[\\u00e0-\\u00ef]${CONT}{2}|[\\u00f0-\\u00f4]${CONT}{3}|[\\u0000\\ufffd\\ud800-\\udfff]`,
  'g',
)

/**
 * Continuation characters that real text also puts right after an accented letter: no-break space,
 * soft hyphen, quotes, guillemets, dashes, ellipsis, middle dot, acute accent.
 */
const COMMON_AFTER_LETTER = new Set(
  '\u00a0\u00ad\u00ab\u00bb\u00b7\u00b4\u2018\u2019\u201c\u201d\u2013\u2014\u2026',
)

/**
 * Lead characters real text never puts before a continuation character: Â and Ã (U+0080-U+00FF
 * double-encoded), Î (Greek), Ð and Ñ (Cyrillic).
 */
const SURE_LEADS = new Set('\u00c2\u00c3\u00ce\u00d0\u00d1')

/** Whether a decodable sequence is damage on its own, not an accented letter followed by punctuation. */
function isSure(seq: string): boolean {
  if (SURE_LEADS.has(seq.charAt(0))) return true
  for (let i = 1; i < seq.length; i++) if (!COMMON_AFTER_LETTER.has(seq.charAt(i))) return true
  return false
}

/** The character the sequence's bytes encode in UTF-8, or null when they encode none (or a C1 control). */
function decodeSequence(seq: string): string | null {
  let cp = seq.charCodeAt(0)
  const n = seq.length
  cp &= n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07
  for (let i = 1; i < n; i++) {
    const c = seq.charCodeAt(i)
    cp = (cp << 6) | ((c <= 0xff ? c : (CP1252.get(c) ?? 0)) & 0x3f)
  }
  // The smallest code point each length may encode (shorter is an overlong form), surrogates, and
  // C1 controls, which mean the bytes were not text.
  if (
    n === 2
      ? cp < 0xa0
      : n === 3
        ? cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)
        : cp < 0x10000 || cp > 0x10ffff
  )
    return null
  return String.fromCodePoint(cp)
}
