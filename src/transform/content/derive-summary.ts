import { decodeEntities } from './content-tally.js'

/**
 * A teaser from an HTML body when the editor wrote none: plain text (tags dropped, entities
 * decoded, white space collapsed), cut at a word boundary to at most `maxLength` characters with
 * "…". Null when the body has no text.
 *
 * @example deriveSummary('<p>One two</p><p>three</p>', 9) // 'One two…'
 */
export function deriveSummary(html: string, maxLength: number): string | null {
  const text = decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<figure\b[\s\S]*?<\/figure\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim()
  if (text === '') return null
  // At most `maxLength` characters (code points): a text no longer in UTF-16 units is short enough.
  if (text.length <= maxLength) return text
  const cut = firstCodePoints(text, maxLength)
  if (cut === null) return text
  const space = cut.lastIndexOf(' ')
  return `${(space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`
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
