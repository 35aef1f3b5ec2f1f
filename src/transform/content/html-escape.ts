/**
 * The one place that encodes data (slugs, file names, alt texts, URLs) for the markup the content
 * rules build. Every attribute value and text node made from data goes through `escapeHtml`, and
 * every path made from data through `encodeUrlPath`, whatever other rules (sanitizing) the mapping
 * enables: a url_alias of `a" onmouseover="alert(1)` must stay one attribute's text.
 */

const HTML_SPECIAL = /[&<>"']/g
const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeChar = (c: string) => HTML_ESCAPES[c] ?? c

/**
 * Escape a string for an HTML attribute value (quoted with " or ') or a text node: & < > " '.
 *
 * @example escapeHtml('a" onmouseover="x') // 'a&quot; onmouseover=&quot;x'
 */
export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, escapeChar)
}

/**
 * Percent-encode each `/`-separated segment of a path (a slug), so no character of
 * the data can end the path (`?`, `#`), the attribute (`"`, `'`) or the tag. A segment that is
 * already percent-encoded is decoded first, so it is not encoded twice.
 *
 * @example encodeUrlPath('news/a b?c') // 'news/a%20b%3Fc'
 */
export function encodeUrlPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(safeDecode(segment)))
    .join('/')
}

/**
 * Percent-encode a file's path as Drupal's `file_create_url` does (`rawurlencode` per segment,
 * slashes kept). A URI names a file, so a `%` in it is a `%` in the name (`a%20b.jpg` →
 * `a%2520b.jpg`), never an escape to decode first (unlike a slug, see `encodeUrlPath`).
 */
export function encodeFilePath(path: string): string {
  return path.split('/').map(rawUrlEncode).join('/')
}

/** PHP's rawurlencode: encodeURIComponent plus the five characters it leaves (! ' ( ) *). */
function rawUrlEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * True for a URL that cannot run script when a reader follows or loads it: http(s) or relative.
 * A `javascript:` or `data:` URL stays one however well it is escaped.
 */
export function isWebUrl(url: string): boolean {
  const scheme = URL_SCHEME.exec(url)?.[1]
  return scheme === undefined || /^https?$/i.test(scheme)
}
// A scheme as browsers read it: leading white space and control characters are skipped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it skips
const URL_SCHEME = /^[\u0000-\u0020]*([a-z][a-z0-9+.-]*):/i

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    // Not percent-encoded (a literal % in a name): encode it as it is.
    return s
  }
}
