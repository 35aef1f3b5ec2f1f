import { createHash } from 'node:crypto'

/** Longest stored path segment in UTF-8 bytes (file systems allow 255; room left for `.dhm-partial`). */
export const MAX_SEGMENT_BYTES = 200

// Lower-case words joined by single . _ - and /: names the normalisation below leaves as they are.
const PLAIN_PATH = /^[a-z0-9_]+(?:[._/-][a-z0-9_]+)*$/

// Everything but letters, digits and . _ - (any script: keys stay readable in any language).
const UNSAFE = /[^\p{L}\p{M}\p{N}._-]+/gu
const DASHES = /-{2,}/g
const EDGE_DASHES = /^[-.]+|-+$/g

/**
 * A source path (`news/Q1 report%20(final).pdf`, what follows `public://`) → the key it is stored
 * under: each segment percent-decoded, Unicode NFC, runs of spaces and characters that need escaping
 * in a URL (`%`, `&`, `?`, `#`, `+`, quotes…) turned into one `-`, over-long segments shortened with
 * a hash of the original so that they stay unique. Letters of every script are kept.
 *
 * @example storedKeyOf('news/Q1 report & more.pdf') // → 'news/Q1-report-more.pdf'
 */
export function storedKeyOf(path: string): string {
  // Most names need nothing, and this runs for each file URL of every article.
  if (PLAIN_PATH.test(path) && path.length <= MAX_SEGMENT_BYTES) return path
  return path
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map(normaliseSegment)
    .join('/')
}

function normaliseSegment(raw: string): string {
  const decoded = safeDecode(raw).normalize('NFC')
  const dot = decoded.lastIndexOf('.')
  const hasExt = dot > 0 && decoded.length - dot <= 10
  const stem = clean(hasExt ? decoded.slice(0, dot) : decoded) || 'file'
  const ext = hasExt ? `.${clean(decoded.slice(dot + 1)).toLowerCase()}` : ''
  if (Buffer.byteLength(stem + ext) <= MAX_SEGMENT_BYTES) return stem + ext
  const tag = `-${shortHash(decoded)}`
  return truncateBytes(stem, MAX_SEGMENT_BYTES - Buffer.byteLength(tag + ext)) + tag + ext
}

function clean(s: string): string {
  return s.replace(UNSAFE, '-').replace(DASHES, '-').replace(EDGE_DASHES, '')
}

/** Cut to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(s: string, max: number): string {
  let bytes = 0
  let out = ''
  for (const ch of s) {
    bytes += Buffer.byteLength(ch)
    if (bytes > max) break
    out += ch
  }
  return out
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    // A literal % in a file name (not an escape): keep it as it is.
    return s
  }
}

/** 8 hex characters of the sha256 of `text`: short, and stable from run to run. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8)
}

/**
 * A key not yet taken by another source: the same key with `-<hash of the uri>` before its
 * extension when two sources normalise to one key (`a b.jpg` and `a%20b.jpg`, `é` composed or not).
 */
export function uniqueKey(key: string, uri: string, isTaken: (key: string) => boolean): string {
  if (!isTaken(key)) return key
  const slash = key.lastIndexOf('/')
  const dot = key.lastIndexOf('.')
  const at = dot > slash + 1 ? dot : key.length
  return `${key.slice(0, at)}-${shortHash(uri)}${key.slice(at)}`
}
