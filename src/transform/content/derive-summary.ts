import { tagsToText } from './html-text.js'

/**
 * A teaser from an HTML body when the editor wrote none: plain text (tags dropped, entities
 * decoded, white space collapsed; never markup, see `tagsToText`), cut at a word boundary to at
 * most `maxLength` characters with "…". Null when the body has no text.
 *
 * @example deriveSummary('<p>One two</p><p>three</p>', 9) // 'One two…'
 */
export function deriveSummary(html: string, maxLength: number): string | null {
  // Only the start of a body can reach the summary: try a prefix first (in a 100k migrate's profile
  // deriveSummary went 2.1 → 1.0 s), the whole body when the prefix cannot settle it.
  if (Number.isInteger(maxLength) && maxLength >= 1) {
    for (const size of [maxLength * 2, maxLength * 8]) {
      if (html.length <= size) break
      const summary = summaryOfPrefix(html, size, maxLength)
      if (summary !== null) return summary
    }
  }
  const text = textOf(html.replace(SCRIPT_OR_STYLE, ' ').replace(FIGURE, ' '))
  if (text === '') return null
  // At most `maxLength` characters (code points): a text no longer in UTF-16 units is short enough.
  if (text.length <= maxLength) return text
  return cutText(text, maxLength) ?? text
}

const SCRIPT_OR_STYLE = /<(script|style)\b[\s\S]*?<\/\1\s*>/gi
const FIGURE = /<figure\b[\s\S]*?<\/figure\s*>/gi

/**
 * The text of HTML whose blocks are gone: tags dropped, entities decoded, white space collapsed.
 * Markup the decoding produced (`&lt;script&gt;`) is dropped too: a summary is never HTML.
 */
const textOf = (html: string) => tagsToText(html, ' ').replace(SPACES_TO_COLLAPSE, ' ').trim()

/**
 * White space that collapsing runs of `\s` into one space changes: a run of two or more, or a lone
 * white-space character other than a space. (The same result as `/\s+/g`, which also matched, and
 * rewrote, every single space between two words.)
 */
const SPACES_TO_COLLAPSE = /\s{2,}|[^\S ]/g

/**
 * The summary from the body's first `size` characters, ended after a tag's `>` (no tag, entity or
 * block is then cut in two, so its text is the start of the whole body's text); null unless that
 * text alone is longer than the summary and no block was left open (script/style checked before
 * figures go, as a figure can hold the opening of a script that closes further on).
 */
function summaryOfPrefix(html: string, size: number, maxLength: number): string | null {
  const end = html.lastIndexOf('>', size)
  if (end < 0) return null
  const noScripts = html.slice(0, end + 1).replace(SCRIPT_OR_STYLE, ' ')
  if (/<(script|style)\b/i.test(noScripts)) return null
  const noBlocks = noScripts.replace(FIGURE, ' ')
  if (/<figure\b/i.test(noBlocks)) return null
  return cutText(textOf(noBlocks), maxLength)
}

/** `text` cut at a word boundary with "…", or null when it has no more than `maxLength` code points. */
function cutText(text: string, maxLength: number): string | null {
  const cut = firstCodePoints(text, maxLength)
  if (cut === null) return null
  const space = cut.lastIndexOf(' ')
  return `${trimEndPunctuation(space > maxLength / 2 ? cut.slice(0, space) : cut)}…`
}

const END_PUNCTUATION = /[\s,;:.–—-]/

/**
 * `text` without its trailing white space and `,;:.–—-` (what `.replace(/[\s,;:.–—-]+$/, '')` does,
 * without the regex trying a run at every position of the text). All these characters are single
 * UTF-16 units.
 */
function trimEndPunctuation(text: string): string {
  let end = text.length
  while (end > 0 && END_PUNCTUATION.test(text.charAt(end - 1))) end--
  return end === text.length ? text : text.slice(0, end)
}

/**
 * The first `max - 1` code points of `text` (as `[...text].slice(0, max - 1).join('')`), or null
 * when `text` has no more than `max` code points; without splitting the whole body into characters.
 */
function firstCodePoints(text: string, max: number): string | null {
  if (!Number.isInteger(max) || max < 1) {
    const chars = [...text]
    return chars.length <= max ? null : chars.slice(0, max - 1).join('')
  }
  let i = 0
  let n = 0
  let cutAt = 0
  while (i < text.length) {
    if (n === max - 1) cutAt = i
    if (n === max) return text.slice(0, cutAt)
    i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1
    n++
  }
  return null
}
