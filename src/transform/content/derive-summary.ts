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
  const chars = [...text]
  if (chars.length <= maxLength) return text
  const cut = chars.slice(0, maxLength - 1).join('')
  const space = cut.lastIndexOf(' ')
  return `${(space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`
}
